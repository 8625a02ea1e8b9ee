#include "actors/calendar_jobs.hpp"

#include <spdlog/spdlog.h>

#include "actors/event_retention.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::vector<std::string> calendars_of(const json::value& payload) {
  std::vector<std::string> out;
  const auto* object = payload.if_object();
  const auto* ids = object ? object->if_contains("calendar_ids") : nullptr;
  if (!ids || !ids->is_array()) return out;
  for (const auto& id : ids->get_array())
    if (id.is_string()) out.emplace_back(id.get_string());
  return out;
}

json::object failed_run(const std::string& calendar, const std::string& error) {
  return json::object{{"calendar_id", calendar}, {"ran", false}, {"error", error}};
}

json::object runs_result(json::array runs) {
  return json::object{{"calendars", std::move(runs)}};
}

}  // namespace

JobHandler calendar_sync_handler(CalendarSync& sync) {
  return [&sync](JobContext& context) -> asio::awaitable<JobOutcome> {
    json::array runs;
    std::optional<std::string> failed;
    for (const auto& calendar : calendars_of(context.job().payload)) {
      std::optional<std::string> failure;
      json::object run;
      try {
        const auto result = co_await sync.sync(calendar, true);
        run = to_json(result);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (failure) {
        run = failed_run(calendar, *failure);
        if (!failed) failed = calendar + ": " + *failure;
      }
      runs.push_back(std::move(run));
    }
    JobOutcome outcome;
    outcome.result = runs_result(std::move(runs));
    if (failed) {
      outcome.status = "failed";
      outcome.error = failed;
    }
    co_return outcome;
  };
}

ScheduledWork calendar_poll_work(CalendarSync& sync) {
  return [&sync](JobContext&) -> asio::awaitable<std::int64_t> {
    std::int64_t changed = 0;
    for (const auto& calendar : sync.calendars()) {
      // One calendar's failure (noted in its state) leaves the others to run.
      std::optional<std::string> failure;
      try {
        const auto run = co_await sync.sync(calendar, false);
        changed += static_cast<std::int64_t>(run.changed);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (failure) spdlog::warn("calendar: poll of {} failed: {}", calendar, *failure);
    }
    co_return changed;
  };
}

ScheduledWork calendar_channels_work(CalendarSync& sync) {
  return [&sync](JobContext&) -> asio::awaitable<std::int64_t> {
    const auto renewed = co_await sync.renew_channels();
    co_return static_cast<std::int64_t>(renewed);
  };
}

ScheduledWork calendar_retention_work(storage::CalendarRepository& repository,
                                      std::chrono::days retention) {
  return batched_prune_work(retention, [&repository](Timestamp cutoff, std::int64_t limit) {
    return repository.archive_cancelled(cutoff, limit);
  });
}

}  // namespace crmd::actors
