#include "actors/jobs/job_files.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

#include "actors/jobs/contact_export.hpp"
#include "storage/blocking.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

std::string export_key(const Uuid& job) {
  return "exports/" + export_file_name(job);
}

asio::awaitable<void> remove_job_files(asio::thread_pool&, const JobFiles& files,
                                       std::vector<storage::RemovedJob> jobs) {
  std::vector<std::string> keys;
  for (const auto& job : jobs) {
    // Payloads name a file, never a path: anything else is not ours.
    if (job.upload && job.upload->find('/') == std::string::npos && !job.upload->empty() &&
        *job.upload != "." && *job.upload != "..")
      keys.push_back(upload_key(*job.upload));
    if (job.kind == "export_contacts") keys.push_back(export_key(job.id));
  }
  if (keys.empty()) co_return;
  co_await files.store->remove(std::move(keys));
}

namespace {

// "*.part" files and "upload-*" files last written before cutoff.
std::size_t remove_leftovers(const JobFiles& files, std::filesystem::file_time_type cutoff) {
  std::size_t removed = 0;
  for (const auto& dir : {files.blob_dir, files.export_dir}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const auto name = entry.path().filename().string();
      if (!entry.is_regular_file(ec) || (!name.ends_with(".part") && !name.starts_with("upload-")))
        continue;
      const auto written = entry.last_write_time(ec);
      if (!ec && written < cutoff && std::filesystem::remove(entry.path(), ec)) ++removed;
    }
  }
  return removed;
}

// "<uuid>.csv" blobs (uploads handed to a job, exports) written before
// cutoff, as keys of the store.
asio::awaitable<std::vector<std::string>> job_file_keys(storage::BlobStore& store,
                                                        Timestamp cutoff) {
  static constexpr std::array<std::string_view, 2> kFolders{"", "exports/"};
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < kFolders.size(); ++i) {
    const std::string folder(kFolders[i]);
    const auto entries = co_await store.list(folder);
    for (const auto& entry : entries) {
      const auto& name = entry.name;
      if (!name.ends_with(".csv") ||
          !Uuid::parse(std::string_view(name).substr(0, name.size() - 4)))
        continue;
      if (entry.modified < cutoff) keys.push_back(folder + name);
    }
  }
  co_return keys;
}

}  // namespace

asio::awaitable<TidyCounts> tidy_jobs(storage::JobRepository& jobs, asio::thread_pool& blocking,
                                      const JobFileSettings& settings) {
  TidyCounts counts;
  const auto expired = co_await jobs.expire_exports(settings.export_ttl);
  std::vector<storage::RemovedJob> exports;
  for (const auto& id : expired) exports.push_back({id, "export_contacts", std::nullopt});
  counts.exports_expired = exports.size();
  co_await remove_job_files(blocking, settings.files, std::move(exports));
  auto pruned = co_await jobs.prune(settings.retention);
  counts.jobs_pruned = pruned.size();
  co_await remove_job_files(blocking, settings.files, std::move(pruned));
  auto leftovers = [files = settings.files] {
    return remove_leftovers(files, std::filesystem::file_time_type::clock::now() - kLeftoverAge);
  };
  counts.leftovers_removed = co_await run_blocking(blocking, std::move(leftovers));
  // Job files old enough that their request has ended, whose job is gone
  // or was never committed (a failed request after its upload was kept).
  const auto cutoff = std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now() - kOrphanAge);
  const auto keys = co_await job_file_keys(*settings.files.store, cutoff);
  std::vector<std::string> names;
  for (const auto& key : keys) names.push_back(key.substr(key.rfind('/') + 1));
  const auto orphans = co_await jobs.unreferenced_files(names);
  std::vector<std::string> orphan_keys;
  for (const auto& key : keys)
    if (std::find(orphans.begin(), orphans.end(), key.substr(key.rfind('/') + 1)) != orphans.end())
      orphan_keys.push_back(key);
  counts.orphans_removed = orphan_keys.size();
  co_await settings.files.store->remove(std::move(orphan_keys));
  co_return counts;
}

}  // namespace crmd::actors
