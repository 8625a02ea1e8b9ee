#include "actors/jobs/job_files.hpp"

#include <filesystem>

#include "actors/jobs/contact_export.hpp"
#include "storage/blocking.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

asio::awaitable<void> remove_job_files(asio::thread_pool& blocking, const JobFiles& files,
                                       std::vector<storage::RemovedJob> jobs) {
  std::vector<std::string> paths;
  for (const auto& job : jobs) {
    // Payloads name a file, never a path: anything else is not ours.
    if (job.upload && job.upload->find('/') == std::string::npos && !job.upload->empty() &&
        *job.upload != "." && *job.upload != "..")
      paths.push_back(files.blob_dir + "/" + *job.upload);
    if (job.kind == "export_contacts")
      paths.push_back(files.export_dir + "/" + export_file_name(job.id));
  }
  if (paths.empty()) co_return;
  auto remove = [paths = std::move(paths)] {
    std::error_code ignored;
    for (const auto& path : paths) std::filesystem::remove(path, ignored);
  };
  co_await run_blocking(blocking, std::move(remove));
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

// "<uuid>.csv" files (uploads handed to a job, exports) written before cutoff.
std::vector<std::string> job_file_names(const JobFiles& files,
                                        std::filesystem::file_time_type cutoff) {
  std::vector<std::string> names;
  for (const auto& dir : {files.blob_dir, files.export_dir}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const auto name = entry.path().filename().string();
      if (!entry.is_regular_file(ec) || !name.ends_with(".csv") ||
          !Uuid::parse(std::string_view(name).substr(0, name.size() - 4)))
        continue;
      const auto written = entry.last_write_time(ec);
      if (!ec && written < cutoff) names.push_back(name);
    }
  }
  return names;
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
  auto candidates = [files = settings.files] {
    return job_file_names(files, std::filesystem::file_time_type::clock::now() - kOrphanAge);
  };
  const auto names = co_await run_blocking(blocking, std::move(candidates));
  const auto orphans = co_await jobs.unreferenced_files(names);
  auto remove = [files = settings.files, orphans] {
    std::error_code ignored;
    for (const auto& name : orphans)
      for (const auto& dir : {files.blob_dir, files.export_dir})
        std::filesystem::remove(std::filesystem::path(dir) / name, ignored);
  };
  co_await run_blocking(blocking, std::move(remove));
  counts.orphans_removed = orphans.size();
  co_return counts;
}

}  // namespace crmd::actors
