// The files jobs leave in the blob store (uploads waiting for an import,
// finished exports) and their removal: with the job, when an export expires,
// and when finished jobs pass their retention. The store is the local
// directory or an S3 bucket; the local directories also hold what a process
// writes before it goes to the store (uploads being received, ".part"
// files). Disk work runs on the blocking pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>

#include "storage/blob/blob_store.hpp"
#include "storage/jobs/repository.hpp"

namespace crmd::actors {

struct JobFiles {
  std::string blob_dir;                 // local: uploads being received, then (local store) kept
  std::string export_dir;               // local: exports being written (local store)
  storage::BlobStore* store = nullptr;  // uploads under their name, exports under "exports/"
};

// The blob store's keys of an import's upload and of an export.
inline std::string upload_key(const std::string& file) {
  return file;
}
std::string export_key(const Uuid& job);

struct JobFileSettings {
  JobFiles files;
  std::chrono::seconds export_ttl{86400};
  std::chrono::seconds retention{7 * 86400};
};

// Removes what the jobs left in the store.
boost::asio::awaitable<void> remove_job_files(boost::asio::thread_pool& blocking,
                                              const JobFiles& files,
                                              std::vector<storage::RemovedJob> jobs);

struct TidyCounts {
  std::size_t exports_expired = 0, jobs_pruned = 0, leftovers_removed = 0, orphans_removed = 0;
};

// Files no job will claim, left by a process that stopped while writing
// them (an upload or export part, an upload not yet handed to its job), are
// removed from the local directories once a day old. (An S3 multipart
// upload that a dead process never completed or aborted is the bucket's
// AbortIncompleteMultipartUpload lifecycle rule's to remove.)
inline constexpr std::chrono::hours kLeftoverAge{24};
// A job file no job refers to is removed once this old: by then the request
// that wrote it has committed its job or failed.
inline constexpr std::chrono::hours kOrphanAge{1};

// One pass of housekeeping: exports past their ttl lose their file, jobs
// finished longer ago than retention are deleted with theirs, and
// leftovers older than kLeftoverAge go.
boost::asio::awaitable<TidyCounts> tidy_jobs(storage::JobRepository& jobs,
                                             boost::asio::thread_pool& blocking,
                                             const JobFileSettings& settings);

}  // namespace crmd::actors
