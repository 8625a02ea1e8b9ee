#include "domain/events/event.hpp"

#include <algorithm>
#include <set>

#include "domain/common/json_of.hpp"

namespace crmd::events {
namespace {

struct Renamed {
  std::string_view action, type;
};
// Actions named before the "<entity>_<what happened>" rule.
constexpr std::array<Renamed, 7> kRenamed{{
    {"qualify_lead", "lead.qualified"},
    {"disqualify_lead", "lead.disqualified"},
    {"restore_lead", "lead.restored"},
    {"role_changed", "user.role_changed"},
    {"contacts_import_started", "job.import_started"},
    {"contacts_imported", "job.import_completed"},
    {"contacts_exported", "job.export_completed"},
}};

constexpr std::array<std::string_view, 4> kAuditOnly{"sign_in", "sign_in_failed", "sign_out",
                                                     "refresh_token_reused"};

}  // namespace

std::optional<std::string> event_type_of(std::string_view entity_type, std::string_view action) {
  if (std::find(kAuditOnly.begin(), kAuditOnly.end(), action) != kAuditOnly.end())
    return std::nullopt;
  for (const auto& renamed : kRenamed)
    if (renamed.action == action) return std::string(renamed.type);
  const auto prefix = std::string(entity_type) + "_";
  if (action.starts_with(prefix))
    return std::string(entity_type) + "." + std::string(action.substr(prefix.size()));
  return std::string(entity_type) + "." + std::string(action);
}

bool known_type_filter(std::string_view term) {
  return std::any_of(kEventTypes.begin(), kEventTypes.end(), [term](std::string_view type) {
    return type == term || type.substr(0, type.find('.')) == term;
  });
}

std::vector<std::string> changed_fields(const std::optional<boost::json::value>& before,
                                        const std::optional<boost::json::value>& after) {
  const auto* old_fields = before ? before->if_object() : nullptr;
  const auto* new_fields = after ? after->if_object() : nullptr;
  std::set<std::string> changed;
  if (new_fields)
    for (const auto& [key, value] : *new_fields) {
      const auto* was = old_fields ? old_fields->if_contains(key) : nullptr;
      if (!old_fields || !was || *was != value) changed.emplace(key);
    }
  if (old_fields)
    for (const auto& [key, value] : *old_fields)
      if (!new_fields || !new_fields->contains(key)) changed.emplace(key);
  return {changed.begin(), changed.end()};
}

Audience audience_of(const identity::Principal& principal) {
  using identity::Role;
  if (principal.role == Role::admin) return {true, std::nullopt};
  if (principal.role == Role::manager) return {false, std::nullopt};
  // A key acts as its creator: the creator's leads and jobs.
  return {false, principal.acting_user.value_or(principal.id)};
}

boost::json::object to_json(const Event& e, const boost::json::storage_ptr& sp) {
  boost::json::array changed(sp);
  for (const auto& field : e.changed) changed.push_back(json_of(field, sp));
  const bool deletion = e.type.ends_with(".deleted");
  boost::json::value data(sp);
  if (deletion || !e.after)
    data = boost::json::object({{"id", json_of(e.entity_id, sp)}}, sp);
  else
    data = boost::json::value(*e.after, sp);
  return boost::json::object({{"id", json_of(std::to_string(e.id), sp)},
                              {"type", json_of(e.type, sp)},
                              {"entity_type", json_of(e.entity_type, sp)},
                              {"entity_id", json_of(e.entity_id, sp)},
                              {"occurred_at", json_of(e.occurred_at, sp)},
                              {"actor", boost::json::object({{"type", json_of(e.actor_type, sp)},
                                                             {"id", json_of(e.actor_id, sp)},
                                                             {"label", json_of(e.actor_label, sp)}},
                                                            sp)},
                              {"changed", std::move(changed)},
                              {"data", std::move(data)}},
                             sp);
}

schema::Schema json_schema(std::type_identity<Event>) {
  using namespace schema;
  auto type = string();
  boost::json::array names;
  for (auto name : kEventTypes) names.emplace_back(name);
  type["enum"] = std::move(names);
  return Object("Event")
      .field("id", string(), "the event's place in the log, as text")
      .field("type", type)
      .field("entity_type", string())
      .field("entity_id", nullable(string()))
      .field("occurred_at", timestamp())
      .field("actor", Object()
                          .field("type", string())
                          .field("id", nullable(uuid()))
                          .field("label", nullable(string())))
      .field("changed", array(string()), "the top-level fields the change touched")
      .field("data", any_object(), "the entity as its GET shows it; only its id for a deletion");
}

}  // namespace crmd::events
