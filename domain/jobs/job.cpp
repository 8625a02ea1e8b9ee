#include "domain/jobs/job.hpp"

#include <algorithm>
#include <cmath>

#include "domain/common/json_of.hpp"

namespace crmd::jobs {

boost::json::object to_json(const Job& j, const boost::json::storage_ptr& sp) {
  const auto& p = j.progress;
  return boost::json::object({{"id", json_of(j.id, sp)},
                              {"kind", json_of(j.kind, sp)},
                              {"status", json_of(j.status, sp)},
                              {"version", j.version},
                              {"progress",
                               {{"total", json_of(p.total, sp)},
                                {"processed", p.processed},
                                {"created", p.created},
                                {"updated", p.updated},
                                {"skipped", p.skipped},
                                {"failed", p.failed}}},
                              {"errors_dropped", j.errors_dropped},
                              {"payload", j.payload},
                              {"result", j.result},
                              {"error", json_of(j.error, sp)},
                              {"attempts", j.attempts},
                              {"max_attempts", j.max_attempts},
                              {"cancel_requested", j.cancel_requested},
                              {"created_by", json_of(j.created_by, sp)},
                              {"created_at", json_of(j.created_at, sp)},
                              {"started_at", json_of(j.started_at, sp)},
                              {"finished_at", json_of(j.finished_at, sp)},
                              {"updated_at", json_of(j.updated_at, sp)}},
                             sp);
}

Creator creator_of(const identity::Principal& p) {
  if (p.kind == identity::Principal::Kind::user) return {p.id, std::nullopt};
  return {std::nullopt, std::string(identity::actor_type(p)) + ":" + p.id.str()};
}

identity::RequestContext context_of(const Job& job) {
  identity::Principal principal{identity::Principal::Kind::system};
  if (job.created_by) {
    principal = {identity::Principal::Kind::user, *job.created_by};
  } else if (job.created_by_key && job.created_by_key->starts_with("api_key:")) {
    principal.kind = identity::Principal::Kind::api_key;
    if (auto id = Uuid::parse(job.created_by_key->substr(8))) principal.id = *id;
  }
  return {"job:" + job.id.str(), "", principal};
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

schema::Schema json_schema(std::type_identity<Job>) {
  using namespace schema;
  return Object("Job")
      .open()  // a kind's route adds its own fields (exports: download_url)
      .field("id", uuid())
      .field("kind", string())
      .field("status", one_of_strings({"pending", "running", "completed", "failed", "cancelled"}))
      .field("version", integer(1), "grows with every change: ?wait=&version= long-polls on it")
      .field("progress", Object()
                             .field("total", nullable(integer(0)))
                             .field("processed", integer(0))
                             .field("created", integer(0))
                             .field("updated", integer(0))
                             .field("skipped", integer(0))
                             .field("failed", integer(0)))
      .field("errors_dropped", integer(0))
      .field("payload", any())
      .field("result", any(), "null until finished")
      .field("error", nullable(string()))
      .field("attempts", integer(0))
      .field("max_attempts", integer(0))
      .field("cancel_requested", boolean())
      .field("created_by", nullable(uuid()))
      .field("created_at", timestamp())
      .field("started_at", nullable(timestamp()))
      .field("finished_at", nullable(timestamp()))
      .field("updated_at", timestamp());
}

}  // namespace crmd::jobs
