// The SQL of the job queue. Claiming is one short statement committed at
// once; every write of a worker names its lease (owner and attempt) and
// changes nothing once the lease was taken over (the fence).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <vector>

#include "domain/common/json_schema.hpp"
#include "domain/common/page.hpp"
#include "domain/identity/principal.hpp"
#include "domain/jobs/job.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

// Whose lease a worker writes under.
struct Lease {
  Uuid job;
  std::string owner;
  std::int32_t attempt = 0;
};

struct JobError {
  std::int64_t id = 0;
  std::optional<std::int64_t> row_number;
  std::string field, code, message, raw;
};
boost::json::object to_json(const JobError& error, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<JobError>);

// What a deleted job leaves on disk to remove: its upload (payload.file)
// or, for an export, the file named by its id.
struct RemovedJob {
  Uuid id;
  std::string kind;
  std::optional<std::string> upload;
};

struct NewJob {
  std::string kind;
  boost::json::value payload;
  std::optional<Uuid> created_by;
  std::optional<std::string> created_by_key;
  std::int32_t priority = 100;
  std::int32_t max_attempts = 5;
};

class JobRepository {
 public:
  explicit JobRepository(pg::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<jobs::Job> insert(pg::Transaction& tx, const NewJob& job);
  boost::asio::awaitable<std::optional<jobs::Job>> find(const Uuid& id);

  // Up to n pending jobs of the kinds given whose time has come, now
  // running under owner's lease (attempts counted); highest priority
  // (lowest number) first. Kinds a process has no handler for stay for
  // another (during a rolling upgrade, say).
  boost::asio::awaitable<std::vector<jobs::Job>> claim(const std::string& owner,
                                                       const std::vector<std::string>& kinds,
                                                       std::size_t n, std::chrono::seconds lease);
  // false: the lease is no longer ours.
  boost::asio::awaitable<bool> heartbeat(const Lease& lease, std::chrono::seconds length);
  // Progress (and a checkpoint, in the transaction of the batch it records).
  boost::asio::awaitable<bool> record_progress(pg::Transaction& tx, const Lease& lease,
                                               const jobs::Progress& progress,
                                               const boost::json::value& checkpoint);
  boost::asio::awaitable<bool> record_progress(const Lease& lease, const jobs::Progress& progress);
  // Keeps the first kMaxErrorsPerJob; counts the rest in errors_dropped.
  boost::asio::awaitable<void> add_errors(pg::Transaction& tx, const Lease& lease,
                                          const std::vector<JobError>& errors);
  // completed, failed or cancelled, with the result or the reason.
  boost::asio::awaitable<bool> finish(const Lease& lease, const std::string& status,
                                      const boost::json::value& result,
                                      const std::optional<std::string>& error);
  // Back to pending after delay, progress and checkpoint kept: after a
  // transient failure (failed instead once max_attempts are spent), or at
  // shutdown, where the attempt is not counted (counted = false).
  boost::asio::awaitable<bool> release(const Lease& lease, std::chrono::milliseconds delay,
                                       const std::string& reason, bool counted = true);
  // Requeues (or fails) running jobs whose lease ran out; answers how many.
  boost::asio::awaitable<std::size_t> rescue_expired();
  // Pending: cancelled at once. Running: asked to stop at the next batch.
  // Error{not_found} when missing, Error{conflict} when already finished.
  // Audited (job.cancel_requested) under context's actor.
  boost::asio::awaitable<jobs::Job> request_cancel(const Uuid& id,
                                                   identity::RequestContext context = {});
  // Whether a client asked the job to stop; nullopt when the lease is lost.
  boost::asio::awaitable<std::optional<bool>> cancel_requested(const Lease& lease);

  boost::asio::awaitable<std::vector<Listed<JobError>>> errors(
      const Uuid& job, const std::optional<PagePosition>& from, std::size_t limit);
  // The creator's jobs (everyone's when creator is empty), newest first.
  boost::asio::awaitable<std::vector<Listed<jobs::Job>>> list(
      const std::optional<jobs::Creator>& creator, const std::optional<std::string>& kind,
      const std::optional<std::string>& status, std::size_t limit,
      const std::optional<PagePosition>& from);
  // Deletes a finished job; nullopt when missing or not finished.
  // Audited (job.deleted) under context's actor.
  boost::asio::awaitable<std::optional<RemovedJob>> remove(const Uuid& id,
                                                           identity::RequestContext context);
  // Deletes the jobs finished longer ago than retention.
  boost::asio::awaitable<std::vector<RemovedJob>> prune(std::chrono::seconds retention);
  // Of the given file names, those no job refers to: an import's upload
  // (its payload's file) or an export's output (<job id>.csv).
  boost::asio::awaitable<std::vector<std::string>> unreferenced_files(
      const std::vector<std::string>& names);
  // Marks completed exports finished longer ago than ttl as expired
  // (result.expired); answers those marked now.
  boost::asio::awaitable<std::vector<Uuid>> expire_exports(std::chrono::seconds ttl);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
