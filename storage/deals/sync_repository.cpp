#include "storage/deals/sync_repository.hpp"

#include <boost/json.hpp>

#include "domain/common/json_of.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

constexpr const char* kColumns =
    "entity_type, last_sync_time, watermark, run_started_at, run_since, last_reconciled_at,"
    " last_sync_duration_ms, records_synced, status, error_message, mode, cursor";

SyncMetadata metadata_from(const pg::Row& r) {
  SyncMetadata m;
  m.entity_type = r.get<std::string>(0);
  m.last_sync_time = r.get<std::optional<Timestamp>>(1);
  m.watermark = r.get<std::optional<Timestamp>>(2);
  m.run_started_at = r.get<std::optional<Timestamp>>(3);
  m.run_since = r.get<std::optional<Timestamp>>(4);
  m.last_reconciled_at = r.get<std::optional<Timestamp>>(5);
  m.last_sync_duration_ms = r.get<std::int64_t>(6);
  m.records_synced = r.get<std::int64_t>(7);
  m.status = r.get<std::string>(8);
  m.error_message = r.get<std::optional<std::string>>(9);
  m.mode = r.get<std::optional<std::string>>(10);
  m.cursor = r.get<std::optional<std::string>>(11);
  return m;
}

}  // namespace

boost::json::object to_json(const SyncMetadata& m) {
  boost::json::object o;
  o["entity_type"] = m.entity_type;
  o["last_sync_time"] = json_of(m.last_sync_time);
  o["last_sync_duration_ms"] = m.last_sync_duration_ms;
  o["records_synced"] = m.records_synced;
  o["status"] = m.status;
  o["error_message"] = json_of(m.error_message);
  o["mode"] = json_of(m.mode);
  o["watermark"] = json_of(m.watermark);
  o["resumable"] = m.cursor.has_value();
  o["last_reconciled_at"] = json_of(m.last_reconciled_at);
  return o;
}

asio::awaitable<std::vector<SyncMetadata>> SyncRepository::all() {
  const auto result =
      co_await pool_.read(std::string("SELECT ") + kColumns + " FROM sync_metadata ORDER BY id");
  std::vector<SyncMetadata> out;
  for (auto r : result) out.push_back(metadata_from(r));
  co_return out;
}

asio::awaitable<SyncMetadata> SyncRepository::get(const std::string& entity) {
  const auto result = co_await pool_.query(
      "WITH made AS (INSERT INTO sync_metadata (entity_type) VALUES ($1)"
      " ON CONFLICT (entity_type) DO NOTHING) SELECT " +
          std::string(kColumns) + " FROM sync_metadata WHERE entity_type = $1",
      pg::Params(entity));
  if (result.empty()) {
    // Made by the statement itself: its own snapshot does not show it.
    co_return co_await get(entity);
  }
  co_return metadata_from(result.one());
}

asio::awaitable<SyncMetadata> SyncRepository::begin(const std::string& entity,
                                                    std::optional<Timestamp> since,
                                                    std::string mode) {
  // A run left unfinished keeps its since and mode: its cursor belongs to them.
  const auto result = co_await pool_.query(
      "UPDATE sync_metadata SET status = 'in_progress', run_started_at = now(),"
      " run_since = CASE WHEN cursor IS NULL THEN $2 ELSE run_since END,"
      " mode = CASE WHEN cursor IS NULL THEN $3 ELSE mode END,"
      " records_synced = CASE WHEN cursor IS NULL THEN 0 ELSE records_synced END,"
      " error_message = NULL, updated_at = now() WHERE entity_type = $1 RETURNING " +
          std::string(kColumns),
      pg::Params(entity, since, mode));
  co_return metadata_from(result.one());
}

asio::awaitable<void> SyncRepository::page_stored(pg::Transaction& tx, const std::string& entity,
                                                  const std::optional<std::string>& cursor,
                                                  const std::optional<Timestamp>& watermark,
                                                  std::int64_t records) {
  co_await tx.query(
      "UPDATE sync_metadata SET cursor = $2, watermark = greatest(watermark, $3),"
      " records_synced = records_synced + $4, updated_at = now() WHERE entity_type = $1",
      pg::Params(entity, cursor, watermark, records));
}

asio::awaitable<void> SyncRepository::finish(const std::string& entity, std::int64_t duration_ms,
                                             const std::optional<std::string>& problems,
                                             bool reconciled) {
  co_await pool_.query(
      "UPDATE sync_metadata SET status = 'success', last_sync_time = now(),"
      " last_sync_duration_ms = $2, error_message = $3, cursor = NULL, run_since = NULL,"
      " last_reconciled_at = CASE WHEN $4 THEN now() ELSE last_reconciled_at END,"
      " updated_at = now() WHERE entity_type = $1",
      pg::Params(entity, duration_ms, problems, reconciled));
}

asio::awaitable<void> SyncRepository::fail(const std::string& entity, std::int64_t duration_ms,
                                           const std::string& error) {
  co_await pool_.query(
      "UPDATE sync_metadata SET status = 'failed', last_sync_duration_ms = $2,"
      " error_message = $3, updated_at = now() WHERE entity_type = $1",
      pg::Params(entity, duration_ms, error));
}

asio::awaitable<bool> SyncRepository::acquire(const std::string& owner, Timestamp until) {
  const auto result = co_await pool_.query(
      "UPDATE pipedrive_sync_state SET lease_owner = $1, lease_until = $2, updated_at = now()"
      " WHERE lease_owner IS NULL OR lease_owner = $1 OR lease_until < now() RETURNING 1",
      pg::Params(owner, until));
  co_return !result.empty();
}

asio::awaitable<void> SyncRepository::release(const std::string& owner) {
  co_await pool_.query(
      "UPDATE pipedrive_sync_state SET lease_owner = NULL, lease_until = NULL, updated_at = now()"
      " WHERE lease_owner = $1",
      pg::Params(owner));
}

asio::awaitable<SyncPause> SyncRepository::pause() {
  const auto result = co_await pool_.read(
      "SELECT paused_until, pause_reason, lease_owner, lease_until, rate_limit"
      " FROM pipedrive_sync_state");
  const auto row = result.one();
  SyncPause p;
  p.until = row.get<std::optional<Timestamp>>(0);
  p.reason = row.get<std::optional<std::string>>(1);
  p.lease_owner = row.get<std::optional<std::string>>(2);
  p.lease_until = row.get<std::optional<Timestamp>>(3);
  if (auto limits = row.get<boost::json::value>(4); limits.is_object())
    p.rate_limit = std::move(limits.get_object());
  co_return p;
}

asio::awaitable<void> SyncRepository::set_pause(const std::optional<Timestamp>& until,
                                                const std::optional<std::string>& reason) {
  co_await pool_.query(
      "UPDATE pipedrive_sync_state SET paused_until = $1, pause_reason = $2, updated_at = now()",
      pg::Params(until, reason));
}

asio::awaitable<void> SyncRepository::set_rate_limit(const boost::json::object& state) {
  co_await pool_.query("UPDATE pipedrive_sync_state SET rate_limit = $1::jsonb",
                       pg::Params(boost::json::value(state)));
}

}  // namespace crmd::storage
