// A background job as clients see it, and the queue's pure rules.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"
#include "domain/identity/principal.hpp"

namespace crmd::jobs {

struct Progress {
  std::optional<std::int64_t> total;
  std::int64_t processed = 0, created = 0, updated = 0, skipped = 0, failed = 0;
};

struct Job {
  Uuid id;
  std::string kind;
  std::string status;  // pending, running, completed, failed, cancelled
  std::int32_t priority = 100;
  boost::json::value payload;
  boost::json::value result;      // null until finished
  boost::json::value checkpoint;  // null until a batch committed
  Progress progress;
  std::int64_t errors_dropped = 0;
  std::int32_t attempts = 0, max_attempts = 5;
  Timestamp run_after;
  std::optional<std::string> lease_owner;
  std::optional<Timestamp> lease_until;
  bool cancel_requested = false;
  std::optional<std::string> error;
  std::int64_t version = 1;
  std::optional<Uuid> created_by;
  std::optional<std::string> created_by_key;
  Timestamp created_at;
  std::optional<Timestamp> started_at, finished_at;
  Timestamp updated_at;

  bool finished() const {
    return status == "completed" || status == "failed" || status == "cancelled";
  }
};

// sp: the storage of the answer being built (see json_of).
boost::json::object to_json(const Job& job, const boost::json::storage_ptr& sp = {});
// The schema of to_json(Job).
schema::Schema json_schema(std::type_identity<Job>);

// Who creates a job, as stored: a signed-in user by id; an API key, the
// write key or an external subject by "<kind>:<id>".
struct Creator {
  std::optional<Uuid> user;
  std::optional<std::string> key;
};
Creator creator_of(const identity::Principal& principal);
// The context a job's own writes are audited under: its creator's.
identity::RequestContext context_of(const Job& job);

// Admins see every job; others the jobs they created (404 for the rest).
bool may_see(const Job& job, const identity::Principal& principal);

// Errors kept per job; beyond, only counted.
inline constexpr std::int64_t kMaxErrorsPerJob = 10'000;

// The wait before attempt number `attempts + 1` after a lost lease or a
// transient failure: 2^attempts seconds, at most an hour, scaled by
// jitter in [0.5, 1) so that rescued jobs do not retry in step.
std::chrono::milliseconds retry_delay(std::int32_t attempts, double jitter);

}  // namespace crmd::jobs
