#include "storage/calendar/sync_repository.hpp"

#include "domain/common/error.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

constexpr const char* kStateColumns =
    "calendar_id, sync_token, stage, status, stage_started_at, full_sync_page_token,"
    " throttle_failure_count, throttled_until, last_success_at, last_error, events_synced,"
    " channel_id, channel_token, resource_id, expiration, previous_channel_id,"
    " previous_channel_token, previous_resource_id, previous_expiration, active";

std::optional<CalendarChannel> channel_at(const pg::Row& r, int column) {
  auto id = r.get<std::optional<std::string>>(column);
  auto token = r.get<std::optional<std::string>>(column + 1);
  auto expiration = r.get<std::optional<Timestamp>>(column + 3);
  if (!id || !token || !expiration) return std::nullopt;
  return CalendarChannel{std::move(*id), std::move(*token),
                         r.get<std::optional<std::string>>(column + 2), *expiration};
}

CalendarSyncState state_from(const pg::Row& r) {
  CalendarSyncState s;
  s.calendar_id = r.get<std::string>(0);
  s.sync_token = r.get<std::optional<std::string>>(1);
  s.stage = r.get<std::string>(2);
  s.status = r.get<std::string>(3);
  s.stage_started_at = r.get<std::optional<Timestamp>>(4);
  s.full_sync_page_token = r.get<std::optional<std::string>>(5);
  s.throttle_failure_count = r.get<std::int32_t>(6);
  s.throttled_until = r.get<std::optional<Timestamp>>(7);
  s.last_success_at = r.get<std::optional<Timestamp>>(8);
  s.last_error = r.get<std::optional<std::string>>(9);
  s.events_synced = r.get<std::int64_t>(10);
  s.channel = channel_at(r, 11);
  s.previous_channel = channel_at(r, 15);
  s.active = r.get<bool>(19);
  return s;
}

std::int64_t seconds(std::chrono::seconds s) {
  return s.count();
}

}  // namespace

asio::awaitable<void> CalendarSyncRepository::ensure(const std::vector<std::string>& calendars) {
  co_await pool_.query(
      "INSERT INTO calendar_sync_states (calendar_id) SELECT unnest($1::text[])"
      " ON CONFLICT (calendar_id) DO NOTHING",
      pg::Params(calendars));
}

asio::awaitable<std::vector<CalendarSyncState>> CalendarSyncRepository::states(
    const std::vector<std::string>& calendars) {
  const auto result =
      co_await pool_.read(std::string("SELECT ") + kStateColumns +
                               " FROM calendar_sync_states WHERE calendar_id = ANY($1::text[])"
                               " ORDER BY array_position($1::text[], calendar_id)",
                           pg::Params(calendars));
  std::vector<CalendarSyncState> out;
  for (auto row : result) out.push_back(state_from(row));
  co_return out;
}

asio::awaitable<std::optional<CalendarSyncState>> CalendarSyncRepository::state(
    const std::string& calendar) {
  const auto result = co_await pool_.read(
      std::string("SELECT ") + kStateColumns + " FROM calendar_sync_states WHERE calendar_id = $1",
      pg::Params(calendar));
  if (result.rows() == 0) co_return std::nullopt;
  co_return state_from(result[0]);
}

asio::awaitable<std::optional<CalendarSyncState>> CalendarSyncRepository::acquire(
    const std::string& calendar, const std::string& owner, std::chrono::seconds lease) {
  const auto result = co_await pool_.query(
      std::string("UPDATE calendar_sync_states SET lease_owner = $2,"
                  " lease_until = now() + make_interval(secs => $3), updated_at = now()"
                  " WHERE calendar_id = $1 AND (lease_owner IS NULL OR lease_owner = $2"
                  " OR lease_until < now()) RETURNING ") +
          kStateColumns,
      pg::Params(calendar, owner, seconds(lease)));
  if (result.rows() == 0) co_return std::nullopt;
  co_return state_from(result[0]);
}

asio::awaitable<void> CalendarSyncRepository::release(const std::string& calendar,
                                                      const std::string& owner) {
  co_await pool_.query(
      "UPDATE calendar_sync_states SET lease_owner = NULL, lease_until = NULL"
      " WHERE calendar_id = $1 AND lease_owner = $2",
      pg::Params(calendar, owner));
}

asio::awaitable<Timestamp> CalendarSyncRepository::begin_run(const std::string& calendar,
                                                             const std::string& owner, bool full) {
  const auto result = co_await pool_.query(
      "UPDATE calendar_sync_states SET stage = CASE WHEN $3 THEN 'full_sync'"
      " ELSE 'incremental_sync' END, stage_started_at = now(),"
      " sync_token = CASE WHEN $3 THEN NULL ELSE sync_token END,"
      " full_sync_page_token = NULL, updated_at = now()"
      " WHERE calendar_id = $1 AND lease_owner = $2 RETURNING stage_started_at",
      pg::Params(calendar, owner, full));
  if (result.rows() == 0)
    throw Error(ErrorKind::conflict, "calendar_sync_lease_lost",
                "another process took over the sync of calendar " + calendar);
  co_return result[0].get<Timestamp>(0);
}

asio::awaitable<void> CalendarSyncRepository::page_written(
    pg::Transaction& tx, const std::string& calendar, const std::string& owner,
    const std::optional<std::string>& full_sync_page_token, std::int64_t events,
    std::chrono::seconds lease) {
  const auto result = co_await tx.query(
      "UPDATE calendar_sync_states SET full_sync_page_token = $3,"
      " events_synced = events_synced + $4, lease_until = now() + make_interval(secs => $5),"
      " updated_at = now() WHERE calendar_id = $1 AND lease_owner = $2",
      pg::Params(calendar, owner, full_sync_page_token, events, seconds(lease)));
  if (result.affected() == 0)
    throw Error(ErrorKind::conflict, "calendar_sync_lease_lost",
                "another process took over the sync of calendar " + calendar);
}

asio::awaitable<void> CalendarSyncRepository::finish_run(pg::Transaction& tx,
                                                         const std::string& calendar,
                                                         const std::string& owner,
                                                         const std::string& sync_token) {
  const auto result = co_await tx.query(
      "UPDATE calendar_sync_states SET sync_token = $3, stage = 'idle', stage_started_at = now(),"
      " full_sync_page_token = NULL, status = 'active', last_success_at = now(),"
      " last_error = NULL, throttle_failure_count = 0, throttled_until = NULL, updated_at = now()"
      " WHERE calendar_id = $1 AND lease_owner = $2",
      pg::Params(calendar, owner, sync_token));
  if (result.affected() == 0)
    throw Error(ErrorKind::conflict, "calendar_sync_lease_lost",
                "another process took over the sync of calendar " + calendar);
}

asio::awaitable<void> CalendarSyncRepository::fail_run(const std::string& calendar,
                                                       const std::string& status,
                                                       const std::string& error,
                                                       std::optional<Timestamp> throttled_until) {
  co_await pool_.query(
      "UPDATE calendar_sync_states SET status = $2, last_error = $3, throttled_until = $4,"
      " throttle_failure_count = CASE WHEN $4::timestamptz IS NULL THEN 0"
      " ELSE throttle_failure_count + 1 END, updated_at = now() WHERE calendar_id = $1",
      pg::Params(calendar, status, error.substr(0, 1000), throttled_until));
}

asio::awaitable<std::optional<ChannelMatch>> CalendarSyncRepository::channel(
    const std::string& channel_id) {
  const auto result = co_await pool_.read(
      std::string("SELECT ") + kStateColumns +
          " FROM calendar_sync_states WHERE channel_id = $1 OR previous_channel_id = $1",
      pg::Params(channel_id));
  if (result.rows() == 0) co_return std::nullopt;
  auto state = state_from(result[0]);
  if (state.channel && state.channel->channel_id == channel_id && state.active)
    co_return ChannelMatch{state.calendar_id, *state.channel};
  if (state.previous_channel && state.previous_channel->channel_id == channel_id)
    co_return ChannelMatch{state.calendar_id, *state.previous_channel};
  co_return std::nullopt;
}

asio::awaitable<void> CalendarSyncRepository::set_channel(const std::string& calendar,
                                                          const CalendarChannel& c) {
  co_await pool_.query(
      "UPDATE calendar_sync_states SET previous_channel_id = CASE WHEN active THEN channel_id END,"
      " previous_channel_token = CASE WHEN active THEN channel_token END,"
      " previous_resource_id = CASE WHEN active THEN resource_id END,"
      " previous_expiration = CASE WHEN active THEN expiration END,"
      " channel_id = $2, channel_token = $3, resource_id = $4, expiration = $5, active = true,"
      " updated_at = now() WHERE calendar_id = $1",
      pg::Params(calendar, c.channel_id, c.token, c.resource_id, c.expiration));
}

asio::awaitable<void> CalendarSyncRepository::channel_registered(const std::string& calendar,
                                                                 const std::string& channel_id,
                                                                 const std::string& resource_id,
                                                                 Timestamp expiration) {
  co_await pool_.query(
      "UPDATE calendar_sync_states SET resource_id = $3, expiration = $4, updated_at = now()"
      " WHERE calendar_id = $1 AND channel_id = $2",
      pg::Params(calendar, channel_id, resource_id, expiration));
}

asio::awaitable<void> CalendarSyncRepository::channel_failed(const std::string& calendar,
                                                             const std::string& channel_id) {
  co_await pool_.query(
      "UPDATE calendar_sync_states SET active = false, updated_at = now()"
      " WHERE calendar_id = $1 AND channel_id = $2",
      pg::Params(calendar, channel_id));
}

asio::awaitable<void> CalendarSyncRepository::clear_previous(const std::string& calendar) {
  co_await pool_.query(
      "UPDATE calendar_sync_states SET previous_channel_id = NULL, previous_channel_token = NULL,"
      " previous_resource_id = NULL, previous_expiration = NULL, updated_at = now()"
      " WHERE calendar_id = $1",
      pg::Params(calendar));
}

asio::awaitable<bool> CalendarSyncRepository::log_notification(const std::string& channel_id,
                                                               std::int64_t message_number,
                                                               const std::string& resource_state) {
  const auto result = co_await pool_.query(
      "INSERT INTO calendar_notifications (channel_id, message_number, resource_state)"
      " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      pg::Params(channel_id, message_number, resource_state.substr(0, 64)));
  co_return result.affected() == 1;
}

}  // namespace crmd::storage
