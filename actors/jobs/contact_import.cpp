#include "actors/jobs/contact_import.hpp"

#include <set>

#include "domain/common/error.hpp"
#include "domain/imports/contact_rows.hpp"
#include "storage/audit.hpp"
#include "storage/blocking.hpp"
#include "storage/imports/contact_import_repository.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

namespace {

boost::json::value batch_counts(const storage::ImportCounts& counts, std::size_t failed,
                                std::uint64_t next_line) {
  return boost::json::object{{"created", counts.created},
                             {"updated", counts.updated},
                             {"skipped", counts.skipped},
                             {"failed", static_cast<std::int64_t>(failed)},
                             {"through_line", static_cast<std::int64_t>(next_line) - 1}};
}

constexpr std::size_t kChunkBytes = 64 * 1024;

struct ImportRequest {
  std::string file;
  storage::ImportMode mode = storage::ImportMode::upsert;
  bool dry_run = false;
  std::map<std::string, std::string> mapping;
};

// The payload was validated when the job was created.
ImportRequest request_of(const boost::json::value& payload) {
  ImportRequest r;
  const auto& p = payload.as_object();
  r.file = std::string(p.at("file").as_string());
  if (const auto* mode = p.if_contains("mode")) {
    if (*mode == "create_only") r.mode = storage::ImportMode::create_only;
    if (*mode == "update_only") r.mode = storage::ImportMode::update_only;
  }
  if (const auto* dry = p.if_contains("dry_run")) r.dry_run = dry->as_bool();
  if (const auto* mapping = p.if_contains("mapping"))
    for (const auto& [column, field] : mapping->as_object())
      r.mapping.emplace(std::string(column), std::string(field.as_string()));
  return r;
}

class Import {
 public:
  Import(JobContext& context, pg::Pool& pool, asio::thread_pool& blocking,
         const ContactImportSettings& settings)
      : context_(context),
        pool_(pool),
        blocking_(blocking),
        settings_(settings),
        request_(request_of(context.job().payload)),
        progress_(context.job().progress) {}

  asio::awaitable<JobOutcome> run() {
    file_ = co_await settings_.store->open_reader(request_.file);
    if (!file_) throw std::runtime_error("the uploaded file is gone");
    co_await read_header();
    const auto& checkpoint = context_.job().checkpoint;
    std::uint64_t offset = header_.end_offset, line = header_.next_line;
    if (const auto* saved = checkpoint.if_object()) {
      offset = static_cast<std::uint64_t>(saved->at("offset").to_number<std::int64_t>());
      line = static_cast<std::uint64_t>(saved->at("line").to_number<std::int64_t>());
    }
    reader_ = imports::CsvReader(settings_.limits, offset, line);
    co_await file_->seek(offset);
    while (true) {
      co_await fill();
      if (pending_.empty()) break;
      co_await write_batch();
      const bool cancelled = co_await context_.between_batches();
      if (cancelled) co_return JobOutcome{"cancelled", result(), std::nullopt};
    }
    co_return JobOutcome{"completed", result(), std::nullopt};
  }

 private:
  asio::awaitable<std::string> read_chunk() { co_return co_await file_->read(kChunkBytes); }

  // The first record names the columns.
  asio::awaitable<void> read_header() {
    imports::CsvReader reader(settings_.limits);
    std::vector<imports::CsvRecord> records;
    while (records.empty()) {
      const auto chunk = co_await read_chunk();
      if (chunk.empty()) {
        reader.finish(records);
        break;
      }
      reader.feed(chunk, records);
    }
    if (records.empty()) throw std::runtime_error("the file is empty");
    header_ = std::move(records.front());
    if (header_.error) throw std::runtime_error("the header row is malformed: " + *header_.error);
    mapping_ = imports::map_header(header_.fields, request_.mapping);
  }

  // Reads and parses up to a batch of records: each chunk read from the
  // store, then parsed on the blocking pool (CPU work) while the coroutine
  // waits, so nothing else touches the reader.
  asio::awaitable<void> fill() {
    while (pending_.size() < settings_.batch_rows && !eof_) {
      auto chunk = co_await read_chunk();
      auto parse = [this, &chunk] {
        if (chunk.empty()) {
          eof_ = true;
          reader_.finish(pending_);
        } else {
          reader_.feed(chunk, pending_);
        }
      };
      co_await run_blocking(blocking_, parse);
    }
  }

  struct MappedBatch {
    std::vector<imports::ContactRow> rows;
    std::vector<storage::JobError> errors;
  };

  // Validates and maps the first take records (CPU work, on the blocking
  // pool while the coroutine waits).
  MappedBatch map_batch(std::size_t take) const {
    MappedBatch batch;
    std::set<std::string> emails;
    for (std::size_t i = 0; i < take; ++i) {
      auto mapped = imports::map_row(mapping_, pending_[i]);
      if (auto* error = std::get_if<imports::RowError>(&mapped)) {
        batch.errors.push_back({0, static_cast<std::int64_t>(error->line), error->field,
                                error->code, error->message, error->excerpt});
        continue;
      }
      auto& row = std::get<imports::ContactRow>(mapped);
      const auto& email = row.contact.email;
      if (email && *email && !emails.insert(**email).second) {
        batch.errors.push_back({0, static_cast<std::int64_t>(row.line), "email",
                                "duplicate_in_batch", "the e-mail repeats a row just above",
                                pending_[i].excerpt});
        continue;
      }
      batch.rows.push_back(std::move(row));
    }
    return batch;
  }

  asio::awaitable<void> write_batch() {
    const auto take = std::min(settings_.batch_rows, pending_.size());
    auto map = [this, take] { return map_batch(take); };
    auto batch = co_await run_blocking(blocking_, map);
    auto& rows = batch.rows;
    auto& errors = batch.errors;
    const auto& last = pending_[take - 1];
    const boost::json::value checkpoint =
        boost::json::object{{"offset", static_cast<std::int64_t>(last.end_offset)},
                            {"line", static_cast<std::int64_t>(last.next_line)}};
    auto progress = progress_;
    progress.processed += static_cast<std::int64_t>(take);
    progress.failed += static_cast<std::int64_t>(errors.size());

    auto tx = co_await pool_.begin();
    if (request_.dry_run) {
      progress.skipped += static_cast<std::int64_t>(rows.size());
    } else {
      const auto counts = co_await storage::import_contacts(tx, rows, request_.mode);
      progress.created += counts.created;
      progress.updated += counts.updated;
      progress.skipped += counts.skipped;
      // One audit row per batch, committed with its rows.
      const storage::AuditEntry entry{"contacts_imported", "job", context_.job().id.str(),
                                      std::nullopt,
                                      batch_counts(counts, errors.size(), last.next_line)};
      co_await storage::write_audit(tx, context_.audit_context(), entry);
    }
    auto& jobs = context_.repository();
    co_await jobs.add_errors(tx, context_.lease(), errors);
    const bool held = co_await jobs.record_progress(tx, context_.lease(), progress, checkpoint);
    if (!held) throw JobInterrupted{true};  // rolls the batch back
    co_await tx.commit();
    progress_ = progress;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(take));
  }

  boost::json::object result() const {
    return {{"created", progress_.created},     {"updated", progress_.updated},
            {"skipped", progress_.skipped},     {"failed", progress_.failed},
            {"processed", progress_.processed}, {"dry_run", request_.dry_run}};
  }

  JobContext& context_;
  pg::Pool& pool_;
  asio::thread_pool& blocking_;
  const ContactImportSettings& settings_;
  ImportRequest request_;
  jobs::Progress progress_;
  std::unique_ptr<storage::BlobReader> file_;
  imports::CsvRecord header_;
  imports::HeaderMapping mapping_;
  imports::CsvReader reader_;
  std::vector<imports::CsvRecord> pending_;
  bool eof_ = false;
};

}  // namespace

JobHandler contact_import_handler(pg::Pool& pool, asio::thread_pool& blocking,
                                  ContactImportSettings settings) {
  return [&pool, &blocking,
          settings = std::move(settings)](JobContext& context) -> asio::awaitable<JobOutcome> {
    Import import(context, pool, blocking, settings);
    co_return co_await import.run();
  };
}

}  // namespace crmd::actors
