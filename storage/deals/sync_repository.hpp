// The Pipedrive sync's state: one sync_metadata row per entity (seed 004
// §4.3, plus the watermark and the position a crashed run resumes at), and
// the one pipedrive_sync_state row (the cross-process lease, a pause the
// rate limits imposed, what their headers said last).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/time.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

struct SyncMetadata {
  std::string entity_type;
  std::optional<Timestamp> last_sync_time, watermark, run_started_at, run_since, last_reconciled_at;
  std::int64_t last_sync_duration_ms = 0, records_synced = 0;
  std::string status = "never";
  std::optional<std::string> error_message, mode, cursor;
};
boost::json::object to_json(const SyncMetadata& m);

struct SyncPause {
  std::optional<Timestamp> until;
  std::optional<std::string> reason;
  std::optional<std::string> lease_owner;
  std::optional<Timestamp> lease_until;
  boost::json::object rate_limit;
};

class SyncRepository {
 public:
  explicit SyncRepository(pg::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<std::vector<SyncMetadata>> all();
  boost::asio::awaitable<SyncMetadata> get(const std::string& entity);
  // A run of the entity starts, or resumes when one left its cursor.
  boost::asio::awaitable<SyncMetadata> begin(const std::string& entity,
                                             std::optional<Timestamp> since, std::string mode);
  // With the page's rows, in its transaction: where the run is, and the
  // greatest update_time stored.
  boost::asio::awaitable<void> page_stored(pg::Transaction& tx, const std::string& entity,
                                           const std::optional<std::string>& cursor,
                                           const std::optional<Timestamp>& watermark,
                                           std::int64_t records);
  boost::asio::awaitable<void> finish(const std::string& entity, std::int64_t duration_ms,
                                      const std::optional<std::string>& problems,
                                      bool reconciled = false);
  // The run failed: its cursor is kept, to resume from.
  boost::asio::awaitable<void> fail(const std::string& entity, std::int64_t duration_ms,
                                    const std::string& error);

  // The lease: true when this owner holds it (now until `until`).
  boost::asio::awaitable<bool> acquire(const std::string& owner, Timestamp until);
  boost::asio::awaitable<void> release(const std::string& owner);
  boost::asio::awaitable<SyncPause> pause();
  boost::asio::awaitable<void> set_pause(const std::optional<Timestamp>& until,
                                         const std::optional<std::string>& reason);
  boost::asio::awaitable<void> set_rate_limit(const boost::json::object& state);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
