#include "storage/jobs/repository.hpp"

#include <random>

#include "domain/common/error.hpp"
#include "domain/common/json_of.hpp"
#include "storage/audited_write.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using jobs::Job;

namespace {

constexpr const char* kColumns =
    "id, kind, status, priority, payload, result, checkpoint, total, processed, created, updated,"
    " skipped, failed, errors_dropped, attempts, max_attempts, run_after, lease_owner,"
    " lease_until, cancel_requested, error, version, created_by, created_at, started_at,"
    " finished_at, updated_at, created_by_key";
constexpr int kSortKey = 28;  // the column after kColumns in a list

// The fence: a worker's write applies only while the lease is its own.
constexpr const char* kFence =
    "id = $1 AND status = 'running' AND lease_owner = $2 AND attempts = $3";

Job job_from(const pg::Row& r) {
  Job j;
  j.id = r.get<Uuid>(0);
  j.kind = r.get<std::string>(1);
  j.status = r.get<std::string>(2);
  j.priority = r.get<std::int32_t>(3);
  j.payload = r.get<boost::json::value>(4);
  j.result = r.get<std::optional<boost::json::value>>(5).value_or(nullptr);
  j.checkpoint = r.get<std::optional<boost::json::value>>(6).value_or(nullptr);
  j.progress = {r.get<std::optional<std::int64_t>>(7),
                r.get<std::int64_t>(8),
                r.get<std::int64_t>(9),
                r.get<std::int64_t>(10),
                r.get<std::int64_t>(11),
                r.get<std::int64_t>(12)};
  j.errors_dropped = r.get<std::int64_t>(13);
  j.attempts = r.get<std::int32_t>(14);
  j.max_attempts = r.get<std::int32_t>(15);
  j.run_after = r.get<Timestamp>(16);
  j.lease_owner = r.get<std::optional<std::string>>(17);
  j.lease_until = r.get<std::optional<Timestamp>>(18);
  j.cancel_requested = r.get<bool>(19);
  j.error = r.get<std::optional<std::string>>(20);
  j.version = r.get<std::int64_t>(21);
  j.created_by = r.get<std::optional<Uuid>>(22);
  j.created_at = r.get<Timestamp>(23);
  j.started_at = r.get<std::optional<Timestamp>>(24);
  j.finished_at = r.get<std::optional<Timestamp>>(25);
  j.updated_at = r.get<Timestamp>(26);
  j.created_by_key = r.get<std::optional<std::string>>(27);
  return j;
}

std::vector<Job> jobs_of(const pg::Result& result) {
  std::vector<Job> jobs;
  for (auto row : result) jobs.push_back(job_from(row));
  return jobs;
}

std::int64_t seconds_of(std::chrono::seconds s) {
  return s.count();
}

double jitter() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

}  // namespace

asio::awaitable<Job> JobRepository::insert(pg::Transaction& tx, const NewJob& job) {
  const auto result = co_await tx.query(
      std::string("INSERT INTO jobs (kind, payload, created_by, created_by_key, priority,"
                  " max_attempts) VALUES ($1, $2::jsonb, $3, $4, $5, $6) RETURNING ") +
          kColumns,
      job.kind, job.payload, job.created_by, job.created_by_key, job.priority, job.max_attempts);
  co_return job_from(result.one());
}

asio::awaitable<std::optional<Job>> JobRepository::find(const Uuid& id) {
  const auto result =
      co_await pool_.read(std::string("SELECT ") + kColumns + " FROM jobs WHERE id = $1", id);
  if (result.empty()) co_return std::nullopt;
  co_return job_from(result[0]);
}

asio::awaitable<std::vector<Job>> JobRepository::claim(const std::string& owner,
                                                       const std::vector<std::string>& kinds,
                                                       std::size_t n, std::chrono::seconds lease) {
  const auto result = co_await pool_.query(
      std::string("UPDATE jobs j SET status = 'running', lease_owner = $1,"
                  " lease_until = now() + make_interval(secs => $2), attempts = j.attempts + 1,"
                  " started_at = coalesce(j.started_at, now())"
                  " FROM (SELECT id FROM jobs WHERE status = 'pending' AND run_after <= now() AND "
                  "kind = ANY($4::text[])"
                  " ORDER BY priority, run_after, id LIMIT $3 FOR UPDATE SKIP LOCKED) c"
                  " WHERE j.id = c.id RETURNING j.") +
          kColumns,
      owner, seconds_of(lease), static_cast<std::int64_t>(n), kinds);
  co_return jobs_of(result);
}

asio::awaitable<bool> JobRepository::heartbeat(const Lease& lease, std::chrono::seconds length) {
  const auto result = co_await pool_.query(
      std::string("UPDATE jobs SET lease_until = now() + make_interval(secs => $4) WHERE ") +
          kFence + " RETURNING cancel_requested",
      lease.job, lease.owner, lease.attempt, seconds_of(length));
  co_return !result.empty();
}

asio::awaitable<bool> JobRepository::record_progress(pg::Transaction& tx, const Lease& lease,
                                                     const jobs::Progress& p,
                                                     const boost::json::value& checkpoint) {
  const auto result = co_await tx.query(
      std::string("UPDATE jobs SET total = $4, processed = $5, created = $6, updated = $7,"
                  " skipped = $8, failed = $9, checkpoint = $10::jsonb WHERE ") +
          kFence + " RETURNING id",
      lease.job, lease.owner, lease.attempt, p.total, p.processed, p.created, p.updated, p.skipped,
      p.failed, checkpoint);
  co_return !result.empty();
}

asio::awaitable<bool> JobRepository::record_progress(const Lease& lease, const jobs::Progress& p) {
  const auto result = co_await pool_.query(
      std::string("UPDATE jobs SET total = $4, processed = $5, created = $6, updated = $7,"
                  " skipped = $8, failed = $9 WHERE ") +
          kFence + " RETURNING id",
      lease.job, lease.owner, lease.attempt, p.total, p.processed, p.created, p.updated, p.skipped,
      p.failed);
  co_return !result.empty();
}

asio::awaitable<void> JobRepository::add_errors(pg::Transaction& tx, const Lease& lease,
                                                const std::vector<JobError>& errors) {
  if (errors.empty()) co_return;
  boost::json::array rows;
  for (const auto& e : errors)
    rows.push_back(boost::json::object{
        {"row", e.row_number ? boost::json::value(*e.row_number) : boost::json::value(nullptr)},
        {"field", e.field},
        {"code", e.code},
        {"message", e.message},
        {"raw", e.raw}});
  // Room left under the cap is counted under the job's row lock (the fence
  // UPDATE comes first in the same statement's CTE).
  co_await tx.query(
      std::string("WITH job AS (UPDATE jobs SET errors_dropped = errors_dropped + GREATEST(0,"
                  " jsonb_array_length($4::jsonb) - GREATEST(0, $5 - (SELECT count(*) FROM"
                  " job_errors WHERE job_id = $1))) WHERE ") +
          kFence +
          " RETURNING id),"
          " room AS (SELECT GREATEST(0, $5 - (SELECT count(*) FROM job_errors WHERE job_id = $1))"
          " AS n)"
          " INSERT INTO job_errors (job_id, row_number, field, code, message, raw)"
          " SELECT job.id, (e->>'row')::bigint, NULLIF(e->>'field', ''), e->>'code',"
          " e->>'message', NULLIF(e->>'raw', '') FROM job, room,"
          " jsonb_array_elements($4::jsonb) WITH ORDINALITY AS x(e, i) WHERE x.i <= room.n",
      lease.job, lease.owner, lease.attempt, boost::json::value(std::move(rows)),
      jobs::kMaxErrorsPerJob);
}

asio::awaitable<bool> JobRepository::finish(const Lease& lease, const std::string& status,
                                            const boost::json::value& result_value,
                                            const std::optional<std::string>& error) {
  const auto result = co_await pool_.query(
      std::string("UPDATE jobs SET status = $4, result = $5::jsonb, error = $6,"
                  " finished_at = now(), lease_owner = NULL, lease_until = NULL WHERE ") +
          kFence + " RETURNING id",
      lease.job, lease.owner, lease.attempt, status, result_value, error);
  co_return !result.empty();
}

asio::awaitable<bool> JobRepository::release(const Lease& lease, std::chrono::milliseconds delay,
                                             const std::string& reason, bool counted) {
  const auto result = co_await pool_.query(
      std::string("UPDATE jobs SET lease_owner = NULL, lease_until = NULL, error = $5,"
                  " attempts = attempts - CASE WHEN $6 THEN 0 ELSE 1 END,"
                  " status = CASE WHEN $6 AND attempts >= max_attempts THEN 'failed'"
                  " ELSE 'pending' END,"
                  " finished_at = CASE WHEN $6 AND attempts >= max_attempts THEN now() END,"
                  " run_after = now() + make_interval(secs => $4) WHERE ") +
          kFence + " RETURNING id",
      lease.job, lease.owner, lease.attempt, static_cast<double>(delay.count()) / 1000.0, reason,
      counted);
  co_return !result.empty();
}

asio::awaitable<std::size_t> JobRepository::rescue_expired() {
  auto tx = co_await pool_.begin();
  const auto expired = co_await tx.query(
      "SELECT id, attempts FROM jobs WHERE status = 'running' AND lease_until < now()"
      " ORDER BY lease_until LIMIT 100 FOR UPDATE SKIP LOCKED");
  for (auto row : expired) {
    const auto delay = jobs::retry_delay(row.get<std::int32_t>(1), jitter());
    co_await tx.query(
        "UPDATE jobs SET lease_owner = NULL, lease_until = NULL,"
        " error = 'the worker stopped renewing its lease',"
        " status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,"
        " finished_at = CASE WHEN attempts >= max_attempts THEN now() END,"
        " run_after = now() + make_interval(secs => $2) WHERE id = $1",
        row.get<Uuid>(0), static_cast<double>(delay.count()) / 1000.0);
  }
  co_await tx.commit();
  co_return static_cast<std::size_t>(expired.rows());
}

asio::awaitable<Job> JobRepository::request_cancel(const Uuid& id,
                                                   identity::RequestContext context) {
  auto write = co_await AuditedWrite::begin(pool_, std::move(context));
  const auto result = co_await write.tx().query(
      std::string("UPDATE jobs SET cancel_requested = true,"
                  " status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,"
                  " finished_at = CASE WHEN status = 'pending' THEN now() ELSE finished_at END"
                  " WHERE id = $1 AND status IN ('pending', 'running') RETURNING ") +
          kColumns,
      id);
  if (!result.empty()) {
    auto job = job_from(result[0]);
    const AuditEntry entry{"job_cancel_requested", "job", id.str(), std::nullopt,
                           jobs::to_json(job)};
    co_await write.commit(entry);
    co_return job;
  }
  const auto existing = co_await find(id);
  if (!existing) throw Error(ErrorKind::not_found, "not_found", "no such job");
  throw Error(ErrorKind::conflict, "job_finished", "the job has already finished");
}

asio::awaitable<std::optional<bool>> JobRepository::cancel_requested(const Lease& lease) {
  const auto result =
      co_await pool_.read(std::string("SELECT cancel_requested FROM jobs WHERE ") + kFence,
                           lease.job, lease.owner, lease.attempt);
  if (result.empty()) co_return std::nullopt;
  co_return result[0].get<bool>(0);
}

boost::json::object to_json(const JobError& e, const boost::json::storage_ptr& sp) {
  return boost::json::object({{"row", json_of(e.row_number, sp)},
                              {"field", json_of(e.field, sp)},
                              {"code", json_of(e.code, sp)},
                              {"message", json_of(e.message, sp)},
                              {"raw", json_of(e.raw, sp)}},
                             sp);
}

asio::awaitable<std::vector<Listed<JobError>>> JobRepository::errors(
    const Uuid& job, const std::optional<PagePosition>& from, std::size_t limit) {
  pg::Params params(job);
  KeysetQuery keyset{"id, row_number, coalesce(field, ''), code, message, coalesce(raw, '')",
                     "job_errors", "job_id = $1"};
  keyset.sort = "id";
  keyset.sort_type = SortKeyType::integer;
  keyset.unique_sort = true;
  const auto result = co_await pool_.read_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<JobError>> out;
  for (auto r : result)
    out.push_back(
        {{r.get<std::int64_t>(0), r.get<std::optional<std::int64_t>>(1), r.get<std::string>(2),
          r.get<std::string>(3), r.get<std::string>(4), r.get<std::string>(5)},
         r.get<std::string>(6)});
  reorder(out, from);
  co_return out;
}

asio::awaitable<std::vector<Listed<Job>>> JobRepository::list(
    const std::optional<jobs::Creator>& creator, const std::optional<std::string>& kind,
    const std::optional<std::string>& status, std::size_t limit,
    const std::optional<PagePosition>& from) {
  pg::Params params;
  std::string where = "TRUE";
  if (creator && creator->user) where += " AND created_by = " + placeholder(params, *creator->user);
  if (creator && creator->key)
    where += " AND created_by_key = " + placeholder(params, *creator->key);
  if (kind) where += " AND kind = " + placeholder(params, *kind);
  if (status) where += " AND status = " + placeholder(params, *status);
  KeysetQuery keyset{kColumns, "jobs", where};
  keyset.sort = "created_at";
  keyset.sort_type = SortKeyType::timestamp;
  keyset.descending = true;
  const auto result = co_await pool_.read_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<Job>> rows;
  for (auto row : result) rows.push_back({job_from(row), row.get<std::string>(kSortKey)});
  reorder(rows, from);
  co_return rows;
}

namespace {

constexpr const char* kRemovedColumns = " RETURNING id, kind, payload->>'file'";

std::vector<RemovedJob> removed_of(const pg::Result& result) {
  std::vector<RemovedJob> jobs;
  for (auto row : result)
    jobs.push_back(
        {row.get<Uuid>(0), row.get<std::string>(1), row.get<std::optional<std::string>>(2)});
  return jobs;
}

}  // namespace

asio::awaitable<std::optional<RemovedJob>> JobRepository::remove(const Uuid& id,
                                                                 identity::RequestContext context) {
  auto write = co_await AuditedWrite::begin(pool_, std::move(context));
  const auto result = co_await write.tx().query(
      std::string("DELETE FROM jobs WHERE id = $1 AND status IN ('completed', 'failed', "
                  "'cancelled')") +
          kRemovedColumns,
      id);
  auto removed = removed_of(result);
  if (removed.empty()) co_return std::nullopt;
  const AuditEntry entry{"job_deleted", "job", id.str()};
  co_await write.commit(entry);
  co_return removed.front();
}

asio::awaitable<std::vector<RemovedJob>> JobRepository::prune(std::chrono::seconds retention) {
  const auto result = co_await pool_.query(
      std::string("DELETE FROM jobs WHERE finished_at < now() - make_interval(secs => $1)") +
          kRemovedColumns,
      seconds_of(retention));
  co_return removed_of(result);
}

asio::awaitable<std::vector<Uuid>> JobRepository::expire_exports(std::chrono::seconds ttl) {
  const auto result = co_await pool_.query(
      "UPDATE jobs SET result = coalesce(result, '{}'::jsonb) || '{\"expired\": true}'"
      " WHERE kind = 'export_contacts' AND status = 'completed'"
      " AND finished_at < now() - make_interval(secs => $1)"
      " AND (result->>'expired') IS DISTINCT FROM 'true' RETURNING id",
      seconds_of(ttl));
  std::vector<Uuid> ids;
  for (auto row : result) ids.push_back(row.get<Uuid>(0));
  co_return ids;
}

asio::awaitable<std::vector<std::string>> JobRepository::unreferenced_files(
    const std::vector<std::string>& names) {
  std::vector<std::string> unreferenced;
  if (names.empty()) co_return unreferenced;
  const auto result = co_await pool_.read(
      "SELECT f FROM unnest($1::text[]) AS f WHERE NOT EXISTS (SELECT 1 FROM jobs j"
      " WHERE j.payload->>'file' = f OR j.id::text || '.csv' = f)",
      names);
  for (auto row : result) unreferenced.push_back(row.get<std::string>(0));
  co_return unreferenced;
}

schema::Schema json_schema(std::type_identity<JobError>) {
  using namespace schema;
  return Object("JobError")
      .field("row", nullable(integer(0)), "the CSV row (1 is the first after the header)")
      .field("field", string())
      .field("code", string())
      .field("message", string())
      .field("raw", string());
}

}  // namespace crmd::storage
