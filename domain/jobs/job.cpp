#include "domain/jobs/job.hpp"

#include <algorithm>
#include <cmath>

namespace crmd::jobs {

boost::json::object to_json(const Job& j) {
  const auto time_or_null = [](const std::optional<Timestamp>& t) {
    return t ? boost::json::value(format_rfc3339(*t)) : boost::json::value(nullptr);
  };
  const auto& p = j.progress;
  return {{"id", j.id.str()},
          {"kind", j.kind},
          {"status", j.status},
          {"version", j.version},
          {"progress",
           {{"total", p.total ? boost::json::value(*p.total) : boost::json::value(nullptr)},
            {"processed", p.processed},
            {"created", p.created},
            {"updated", p.updated},
            {"skipped", p.skipped},
            {"failed", p.failed}}},
          {"errors_dropped", j.errors_dropped},
          {"payload", j.payload},
          {"result", j.result},
          {"error", j.error ? boost::json::value(*j.error) : boost::json::value(nullptr)},
          {"attempts", j.attempts},
          {"max_attempts", j.max_attempts},
          {"cancel_requested", j.cancel_requested},
          {"created_by",
           j.created_by ? boost::json::value(j.created_by->str()) : boost::json::value(nullptr)},
          {"created_at", format_rfc3339(j.created_at)},
          {"started_at", time_or_null(j.started_at)},
          {"finished_at", time_or_null(j.finished_at)},
          {"updated_at", format_rfc3339(j.updated_at)}};
}

Creator creator_of(const identity::Principal& p) {
  if (p.kind == identity::Principal::Kind::user) return {p.id, std::nullopt};
  return {std::nullopt, std::string(identity::actor_type(p)) + ":" + p.id.str()};
}

bool may_see(const Job& job, const identity::Principal& p) {
  if (p.role == identity::Role::admin) return true;
  const auto creator = creator_of(p);
  return creator.user ? job.created_by == creator.user : job.created_by_key == creator.key;
}

std::chrono::milliseconds retry_delay(std::int32_t attempts, double jitter) {
  const double seconds = std::min(3600.0, std::pow(2.0, std::clamp(attempts, 0, 12)));
  const double scale = 0.5 + std::clamp(jitter, 0.0, 1.0) / 2;
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * scale * 1000));
}

}  // namespace crmd::jobs
