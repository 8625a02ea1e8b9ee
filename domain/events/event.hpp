// Events: the changes recorded in the audit log, as the change feed and
// webhooks show them. An audit row's event type is "<entity>.<what
// happened>" (contact.created, lead.qualified, job.import_completed), derived
// from its action; rows such as sign-ins are audit only and carry none.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"
#include "domain/identity/principal.hpp"

namespace crmd::events {

// The event type of an audit action on an entity type; nullopt for an
// action that is audit only.
std::optional<std::string> event_type_of(std::string_view entity_type, std::string_view action);

// Every event type crmd emits, for the `types` filter and the API document.
// A new domain adds its types here.
inline constexpr auto kEventTypes = std::to_array<std::string_view>({
    "api_key.created",
    "api_key.revoked",
    "calendar.event_created",
    "calendar.event_updated",
    "calendar.event_cancelled",
    "company.created",
    "company.updated",
    "company.deleted",
    "company.restored",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "contact.restored",
    "contact.linked",
    "contact.unlinked",
    "contact.method_added",
    "contact.method_updated",
    "contact.method_removed",
    "deal.created",
    "deal.updated",
    "deal.stage_changed",
    "deal.won",
    "deal.lost",
    "deal.reopened",
    "deal.deleted",
    "drive.folder_created",
    "drive.folder_renamed",
    "drive.folder_moved",
    "drive.folder_deleted",
    "drive.folder_restored",
    "drive.file_uploaded",
    "drive.file_renamed",
    "drive.file_moved",
    "drive.file_deleted",
    "drive.file_restored",
    "drive.file_purged",
    "drive.template_created",
    "drive.template_updated",
    "drive.template_deleted",
    "job.calendar_sync_requested",
    "job.import_started",
    "job.import_completed",
    "job.export_completed",
    "job.cancel_requested",
    "job.deleted",
    "job.pipedrive_sync_requested",
    "lead.created",
    "lead.updated",
    "lead.deleted",
    "lead.restored",
    "lead.qualified",
    "lead.disqualified",
    "lead.activity_logged",
    "lead.contact_added",
    "lead.contact_removed",
    "lead.primary_contact_set",
    "lead.tag_added",
    "lead.tag_removed",
    "lead.tags_set",
    "lead_origin.created",
    "lead_origin.updated",
    "lead_status.created",
    "lead_status.updated",
    "note.created",
    "pipeline.created",
    "pipeline.updated",
    "pipeline.deleted",
    "stage.created",
    "stage.updated",
    "stage.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "user.created",
    "user.updated",
    "user.deactivated",
    "user.reactivated",
    "user.role_changed",
    "webhook.created",
    "webhook.updated",
    "webhook.deleted",
    "webhook.secret_rotated",
    "webhook.disabled",
});
// Whether a `types` term names an event type or an entity type of one.
bool known_type_filter(std::string_view term);

// The top-level fields whose value differs between before and after,
// sorted; every field of the one present when the other is not.
std::vector<std::string> changed_fields(const std::optional<boost::json::value>& before,
                                        const std::optional<boost::json::value>& after);

// Whose events a reader sees: admins all; managers all but who may sign
// in and with which keys (users, API keys, webhooks); a sales user the
// contacts, companies, tags and lead reference data, its own leads and its
// own jobs.
struct Audience {
  bool identity = false;
  std::optional<Uuid> owner;  // a sales user's id: its leads and jobs only
};
Audience audience_of(const identity::Principal& principal);

struct Event {
  std::int64_t id = 0;
  std::string type, entity_type;
  std::optional<std::string> entity_id;
  Timestamp occurred_at;
  std::string actor_type;
  std::optional<Uuid> actor_id;
  std::optional<std::string> actor_label;
  std::vector<std::string> changed;
  std::optional<boost::json::value> after;  // the entity after the change
};

// {id, type, entity_type, entity_id, occurred_at, actor, changed, data}:
// data is the entity as its GET shows it, or only its id for a deletion.
boost::json::object to_json(const Event& event, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Event>);

}  // namespace crmd::events
