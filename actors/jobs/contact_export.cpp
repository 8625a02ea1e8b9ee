#include "actors/jobs/contact_export.hpp"

#include "domain/exports/contact_export.hpp"
#include "domain/exports/csv_writer.hpp"
#include "storage/blocking.hpp"
#include "storage/contacts/export_repository.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

namespace {

std::string header_row() {
  std::string row;
  exports::append_csv_row(row, exports::export_columns());
  return row;
}

asio::awaitable<JobOutcome> run_export(JobContext& context, pg::Pool& pool,
                                       asio::thread_pool& blocking,
                                       const ContactExportSettings& settings) {
  exports::ContactSelection selection;
  try {
    selection = exports::contact_selection_from_json(context.job().payload);
  } catch (const std::invalid_argument& e) {
    co_return JobOutcome{"failed", nullptr, std::string("the export's selection: ") + e.what()};
  }
  const auto name = export_file_name(context.job().id);
  const auto sink = settings.store->create("exports/" + name);
  auto& file = *sink;
  co_await file.open();
  co_await file.append(header_row());

  jobs::Progress progress;
  if (!selection.ids.empty()) progress.total = static_cast<std::int64_t>(selection.ids.size());
  auto tx = co_await pool.begin(storage::kExportTransaction);
  co_await storage::open_contact_export(tx, selection);
  const auto columns = static_cast<int>(exports::export_columns().size());
  while (true) {
    auto rows = co_await storage::fetch_contact_export(tx, settings.batch_rows);
    if (rows.empty()) break;
    const auto count = rows.rows();
    // Formatting thousands of rows is CPU work: off the I/O threads.
    auto format = [rows = std::move(rows), columns] {
      std::string chunk;
      chunk.reserve(static_cast<std::size_t>(rows.rows()) * 256);
      for (auto row : rows) {
        for (int i = 0; i < columns; ++i) exports::append_csv_cell(chunk, row.text(i), i == 0);
        chunk += "\r\n";
      }
      return chunk;
    };
    auto chunk = co_await run_blocking(blocking, std::move(format));
    co_await file.append(std::move(chunk));
    progress.processed += count;
    const bool held = co_await context.repository().record_progress(context.lease(), progress);
    if (!held) throw JobInterrupted{true};
    const bool cancelled = co_await context.between_batches();
    if (cancelled)
      co_return JobOutcome{"cancelled", boost::json::object{{"rows", progress.processed}},
                           std::nullopt};
  }
  co_await tx.commit();
  co_await file.finish();
  co_return JobOutcome{"completed",
                       boost::json::object{{"file", name},
                                           {"rows", progress.processed},
                                           {"bytes", static_cast<std::int64_t>(file.bytes())}},
                       std::nullopt};
}

}  // namespace

std::string export_file_name(const Uuid& job) {
  return job.str() + ".csv";
}

JobHandler contact_export_handler(pg::Pool& pool, asio::thread_pool& blocking,
                                  ContactExportSettings settings) {
  return [&pool, &blocking,
          settings = std::move(settings)](JobContext& context) -> asio::awaitable<JobOutcome> {
    co_return co_await run_export(context, pool, blocking, settings);
  };
}

}  // namespace crmd::actors
