// Leads: their JSON forms, the validation of what clients send, the list's
// filters, and the reference data (statuses, origins) and tags.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/fields.hpp"
#include "domain/common/json_schema.hpp"
#include "domain/common/json_text.hpp"
#include "domain/common/ordering.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd::leads {

struct Lead {
  Uuid id;
  std::string title;  // the legal_name column
  std::optional<std::string> trade_name;
  std::optional<Uuid> status_id;
  std::optional<std::string> status;  // its code
  std::optional<Uuid> origin_id;
  std::optional<std::string> origin;  // its code
  std::optional<Uuid> owner_user_id;
  std::optional<Uuid> qualified_company_id;
  std::optional<Uuid> qualified_master_deal_id;
  std::optional<std::string> address_city;
  std::optional<std::string> address_state;
  std::optional<Timestamp> last_interaction_at;
  int priority_score = 0;
  std::optional<Timestamp> disqualified_at;
  std::optional<std::string> disqualification_reason;
  std::optional<Timestamp> qualified_at;
  std::optional<Timestamp> sla_breached_at;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> deleted_at;
  std::vector<std::string> tags;  // names, sorted
};

// sp: the storage of the answer being built (see json_of).
boost::json::object to_json(const Lead& lead, const boost::json::storage_ptr& sp = {});
// The same JSON as text, for an answer.
void write_json(JsonText& out, const Lead& lead);
// The schema of to_json(Lead), and of what POST (creating) and PATCH take.
schema::Schema json_schema(std::type_identity<Lead>);
schema::Schema lead_input_schema(bool creating);

// The writable fields; status and origin by code.
struct LeadChanges {
  Change<std::string> title, trade_name, status, origin, address_city, address_state;
  Change<Uuid> owner_user_id;  // managers and admins only
};

// The fields whose change is an interaction (see the leads_track trigger).
extern const std::vector<std::string> kTrackedFields;

// POST (title required) and PATCH. owner_user_id is writable only when
// may_set_owner. Throws Error{validation} naming every bad field.
LeadChanges parse_lead(const boost::json::value& body, bool creating, bool may_set_owner);

// POST …/qualify: link an existing company, or create one from `company`
// (name required) or, with neither, from the lead's own data.
struct NewCompany {
  std::string name;
  std::optional<std::string> domain, city, state;
};
struct QualifyRequest {
  std::optional<Uuid> company_id;
  std::optional<NewCompany> company;
  std::optional<std::string> deal_title;  // default: the lead's title
};
QualifyRequest parse_qualify(const boost::json::value& body);

// POST …/disqualify: {"reason": "..."} (required).
std::string parse_disqualify(const boost::json::value& body);
schema::Schema qualify_schema();
schema::Schema disqualify_schema();

// A lead status or origin.
struct ReferenceItem {
  Uuid id;
  std::string code;
  std::string label;
  std::optional<std::string> description;
  bool is_active = true;
  int sort_order = 0;
  std::optional<int> sla_days;  // statuses only
  Timestamp created_at;
};
boost::json::object to_json(const ReferenceItem& item, bool is_status);
// The schemas of to_json(item, is_status) and of what POST (creating) and
// PATCH take: LeadStatus or LeadOrigin.
schema::Schema reference_schema(bool is_status);
schema::Schema reference_input_schema(bool is_status, bool creating);

struct ReferenceChanges {
  Change<std::string> code, label, description;
  std::optional<bool> is_active;
  std::optional<std::int64_t> sort_order;
  Change<std::int64_t> sla_days;
};
// Codes are upper case letters, digits and _; for origins sla_days is unknown.
ReferenceChanges parse_reference(const boost::json::value& body, bool creating, bool is_status);

struct Tag {
  Uuid id;
  std::string name;
  std::optional<std::string> color;
  Timestamp created_at;
};
boost::json::object to_json(const Tag& tag);
schema::Schema json_schema(std::type_identity<Tag>);
schema::Schema tag_input_schema(bool creating);

struct TagChanges {
  Change<std::string> name, color;
};
TagChanges parse_tag(const boost::json::value& body, bool creating);

// PUT /leads/{id}/tags: {"tags": ["name", ...]} or {"tag_ids": [...]}.
struct TagSet {
  std::vector<std::string> names;
  std::vector<Uuid> ids;
};
TagSet parse_tag_set(const boost::json::value& body);
schema::Schema tag_set_schema();

struct LeadContact {
  Uuid contact_id;
  std::string full_name;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<std::string> title;
  bool is_primary = false;  // the stored flag
  bool primary = false;     // the flag, else the earliest added
  Timestamp added_at;
};
boost::json::object to_json(const LeadContact& contact);
schema::Schema json_schema(std::type_identity<LeadContact>);

// Something that happened with a lead: a call or a note logged through the
// API, an e-mail or a calendar event added by their modules.
struct Activity {
  Uuid id;
  Uuid lead_id;
  std::string kind;  // email, event, call, note
  std::optional<std::string> summary;
  Timestamp occurred_at;
  std::optional<Uuid> created_by;
  Timestamp created_at;
};
boost::json::object to_json(const Activity& activity, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Activity>);

struct NewActivity {
  std::string kind;
  std::optional<std::string> summary;
  Timestamp occurred_at;
};
// {"kind", "summary"?, "occurred_at"?}: occurred_at defaults to now and may
// not be more than kActivityClockSkew after it (a logged activity happened).
inline constexpr std::chrono::minutes kActivityClockSkew{5};
NewActivity parse_activity(const boost::json::value& body, Timestamp now);
schema::Schema new_activity_schema();

struct ActivityStats {
  Uuid lead_id;
  int engagement_score = 0;
  std::optional<Timestamp> last_interaction_at, last_email_at, last_event_at;
  int total_emails = 0, total_events = 0, total_interactions = 0;
  Timestamp created_at, updated_at;
};
boost::json::object to_json(const ActivityStats& stats);
schema::Schema json_schema(std::type_identity<ActivityStats>);

// A row of the sales view: the lead with everything the team works from.
struct SalesViewRow {
  Lead lead;
  std::optional<std::string> owner_name;
  std::optional<std::string> status_label, origin_label;
  std::optional<LeadContact> primary_contact;
  std::optional<ActivityStats> stats;
  Uuid id;  // the lead's, for the page helper
};
void write_json(JsonText& out, const SalesViewRow& row);
schema::Schema json_schema(std::type_identity<SalesViewRow>);

inline constexpr std::array<Ordering, 6> kLeadOrderings{{
    {"created_at", "l.created_at", SortKeyType::timestamp},
    {"updated_at", "l.updated_at", SortKeyType::timestamp},
    {"priority", "l.priority_score", SortKeyType::integer},
    {"priority_score", "l.priority_score", SortKeyType::integer},
    {"title", "lower(l.legal_name)", SortKeyType::text},
    // Never: before every interaction.
    {"last_interaction_at", "coalesce(l.last_interaction_at, '-infinity'::timestamptz)",
     SortKeyType::timestamp},
}};

struct LeadListQuery {
  std::vector<std::string> statuses, origins, tags;  // codes, codes, names (any of)
  std::vector<Uuid> owners;
  std::optional<std::string> q;  // in the title or trade name
  std::optional<std::int64_t> priority_min, priority_max;
  std::optional<Timestamp> created_after, created_before, interaction_after, interaction_before;
  bool include_qualified = false;
  bool include_deleted = false;
  bool include_disqualified = true;
  std::optional<Uuid> visible_to;  // a sales user sees own leads only
  SortOrder order{&kLeadOrderings[0]};

  std::string fingerprint() const;
};

}  // namespace crmd::leads
