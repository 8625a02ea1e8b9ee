#include "domain/leads/lead.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>

#include "domain/common/crypto.hpp"
#include "domain/common/json_members.hpp"
#include "domain/contacts/list_query.hpp"

namespace crmd::leads {
namespace {

constexpr std::size_t kMaxText = 500;

bool valid_code(const std::string& code) {
  if (code.empty() || code.size() > 64) return false;
  for (char c : code)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

const std::vector<std::string> kTrackedFields{"owner_user_id",
                                              "status",
                                              "origin",
                                              "title",
                                              "trade_name",
                                              "priority_score",
                                              "qualified_company_id",
                                              "qualified_master_deal_id",
                                              "address_city",
                                              "address_state"};

// The members of a lead's JSON, in order (see json_members.hpp).
constexpr auto kLeadMembers = [](const Lead& l, auto&& member) {
  member("id", l.id);
  member("title", l.title);
  member("trade_name", l.trade_name);
  member("status", l.status);
  member("status_id", l.status_id);
  member("origin", l.origin);
  member("origin_id", l.origin_id);
  member("owner_user_id", l.owner_user_id);
  member("qualified_company_id", l.qualified_company_id);
  member("qualified_master_deal_id", l.qualified_master_deal_id);
  member("address_city", l.address_city);
  member("address_state", l.address_state);
  member("last_interaction_at", l.last_interaction_at);
  member("priority_score", l.priority_score);
  member("disqualified_at", l.disqualified_at);
  member("disqualification_reason", l.disqualification_reason);
  member("qualified_at", l.qualified_at);
  member("sla_breached_at", l.sla_breached_at);
  member("tags", l.tags);
  member("created_at", l.created_at);
  member("updated_at", l.updated_at);
  member("deleted_at", l.deleted_at);
};

boost::json::object to_json(const Lead& l, const boost::json::storage_ptr& sp) {
  return tree_of_members(l, kLeadMembers, sp);
}

void write_json(JsonText& out, const Lead& l) {
  write_members(out, l, kLeadMembers);
}

LeadChanges parse_lead(const boost::json::value& body, bool creating, bool may_set_owner) {
  FieldReader r(body, {"title", "trade_name", "status", "origin", "address_city", "address_state",
                       "owner_user_id"});
  LeadChanges c;
  r.change("title", c.title, kMaxText);
  if ((creating || c.title) && !(c.title && *c.title)) r.fail("title", "is required");
  r.change("trade_name", c.trade_name, kMaxText);
  r.change("status", c.status, 64);
  r.change("origin", c.origin, 64);
  r.change("address_city", c.address_city, 100);
  r.change("address_state", c.address_state, 100);
  if (may_set_owner)
    r.change("owner_user_id", c.owner_user_id);
  else if (r.has("owner_user_id"))
    r.fail("owner_user_id", "unknown or read-only field");
  r.finish();
  return c;
}

QualifyRequest parse_qualify(const boost::json::value& body) {
  QualifyRequest q;
  FieldReader r(body, {"company_id", "company", "deal_title"});
  q.company_id = r.uuid("company_id", false);
  q.deal_title = r.string("deal_title", false, kMaxText);
  if (r.has("company") && body.as_object().at("company").is_object()) {
    const auto& company = body.as_object().at("company");
    FieldReader c(company, {"name", "domain", "city", "state"});
    NewCompany created;
    created.name = c.string("name", true, kMaxText).value_or("");
    created.domain = c.string("domain", false, 253);
    created.city = c.string("city", false, 100);
    created.state = c.string("state", false, 100);
    c.finish();
    q.company = std::move(created);
  } else if (r.has("company") && !body.as_object().at("company").is_null()) {
    r.fail("company", "expected an object");
  }
  if (q.company_id && q.company) r.fail("company", "give company_id or company, not both");
  r.finish();
  return q;
}

std::string parse_disqualify(const boost::json::value& body) {
  FieldReader r(body, {"reason"});
  auto reason = r.string("reason", true, 2000);
  r.finish();
  return *reason;
}

boost::json::object to_json(const ReferenceItem& item, bool is_status) {
  boost::json::object o{{"id", json_of(item.id)},
                        {"code", item.code},
                        {"label", item.label},
                        {"description", json_of(item.description)},
                        {"is_active", item.is_active},
                        {"sort_order", item.sort_order},
                        {"created_at", json_of(item.created_at)}};
  if (is_status)
    o["sla_days"] = item.sla_days ? boost::json::value(*item.sla_days) : boost::json::value();
  return o;
}

ReferenceChanges parse_reference(const boost::json::value& body, bool creating, bool is_status) {
  FieldReader r(body,
                is_status
                    ? std::initializer_list<std::string_view>{"code", "label", "description",
                                                              "is_active", "sort_order", "sla_days"}
                    : std::initializer_list<std::string_view>{"code", "label", "description",
                                                              "is_active", "sort_order"});
  ReferenceChanges c;
  r.change("code", c.code, 64);
  if (c.code && *c.code && !valid_code(**c.code))
    r.fail("code", "upper case letters, digits and _ only");
  if ((creating || c.code) && !(c.code && *c.code)) r.fail("code", "is required");
  r.change("label", c.label, 200);
  if ((creating || c.label) && !(c.label && *c.label)) r.fail("label", "is required");
  r.change("description", c.description, 2000);
  c.is_active = r.boolean("is_active");
  c.sort_order = r.integer("sort_order", false, -1000000, 1000000);
  if (is_status) r.change("sla_days", c.sla_days, 1, 3650);
  r.finish();
  return c;
}

boost::json::object to_json(const Tag& tag) {
  return {{"id", json_of(tag.id)},
          {"name", tag.name},
          {"color", json_of(tag.color)},
          {"created_at", json_of(tag.created_at)}};
}

TagChanges parse_tag(const boost::json::value& body, bool creating) {
  FieldReader r(body, {"name", "color"});
  TagChanges c;
  r.change("name", c.name, 100);
  if ((creating || c.name) && !(c.name && *c.name)) r.fail("name", "is required");
  r.change("color", c.color, 32);
  r.finish();
  return c;
}

boost::json::object to_json(const Activity& a, const boost::json::storage_ptr& sp) {
  return boost::json::object({{"id", json_of(a.id, sp)},
                              {"lead_id", json_of(a.lead_id, sp)},
                              {"kind", json_of(a.kind, sp)},
                              {"summary", json_of(a.summary, sp)},
                              {"occurred_at", json_of(a.occurred_at, sp)},
                              {"created_by", json_of(a.created_by, sp)},
                              {"created_at", json_of(a.created_at, sp)}},
                             sp);
}

NewActivity parse_activity(const boost::json::value& body, Timestamp now) {
  static constexpr std::array<std::string_view, 4> kKinds{"call", "note", "email", "event"};
  FieldReader r(body, {"kind", "summary", "occurred_at"});
  NewActivity activity;
  if (auto kind = r.string("kind", true, 16)) {
    if (std::find(kKinds.begin(), kKinds.end(), *kind) == kKinds.end())
      r.fail("kind", "expected one of call, note, email, event");
    activity.kind = std::move(*kind);
  }
  activity.summary = r.string("summary", false, 2000);
  activity.occurred_at = now;
  if (auto text = r.string("occurred_at", false, 64)) {
    const auto at = parse_timestamp(*text);
    if (!at)
      r.fail("occurred_at", "expected an RFC 3339 timestamp");
    else if (*at > now + kActivityClockSkew)
      r.fail("occurred_at", "is in the future");
    else
      activity.occurred_at = *at;
  }
  r.finish();
  return activity;
}

TagSet parse_tag_set(const boost::json::value& body) {
  FieldReader r(body, {"tags", "tag_ids"});
  TagSet set;
  set.names = r.strings("tags", false, 100, 100).value_or(std::vector<std::string>{});
  if (auto ids = r.strings("tag_ids", false, 100, 64)) {
    for (const auto& text : *ids) {
      auto id = Uuid::parse(text);
      if (!id) {
        r.fail("tag_ids", "expected UUIDs");
        break;
      }
      set.ids.push_back(*id);
    }
  }
  if (!r.has("tags") && !r.has("tag_ids")) r.fail("tags", "is required");
  r.finish();
  return set;
}

boost::json::object to_json(const LeadContact& c) {
  return {{"contact_id", json_of(c.contact_id)}, {"full_name", c.full_name},
          {"email", json_of(c.email)},           {"phone", json_of(c.phone)},
          {"title", json_of(c.title)},           {"is_primary", c.primary},
          {"added_at", json_of(c.added_at)}};
}

boost::json::object to_json(const ActivityStats& s) {
  return {{"lead_id", json_of(s.lead_id)},
          {"engagement_score", s.engagement_score},
          {"last_interaction_at", json_of(s.last_interaction_at)},
          {"last_email_at", json_of(s.last_email_at)},
          {"last_event_at", json_of(s.last_event_at)},
          {"total_emails", s.total_emails},
          {"total_events", s.total_events},
          {"total_interactions", s.total_interactions},
          {"created_at", json_of(s.created_at)},
          {"updated_at", json_of(s.updated_at)}};
}

// Only what the working list shows: no qualification, disqualification or
// deletion fields (always null in the view), no repeated ids. Written as
// text, as it is the hottest answer of the leads API.
void write_json(JsonText& out, const SalesViewRow& row) {
  const auto& l = row.lead;
  out.begin_object();
  out.member("id", l.id);
  out.member("title", l.title);
  out.member("trade_name", l.trade_name);
  out.member("status", l.status);
  out.member("status_label", row.status_label);
  out.member("origin", l.origin);
  out.member("origin_label", row.origin_label);
  out.key("owner");
  if (l.owner_user_id) {
    out.begin_object();
    out.member("id", *l.owner_user_id);
    out.member("name", row.owner_name);
    out.end_object();
  } else {
    out.value(nullptr);
  }
  out.member("address_city", l.address_city);
  out.member("address_state", l.address_state);
  out.member("last_interaction_at", l.last_interaction_at);
  out.member("priority_score", l.priority_score);
  out.member("sla_breached_at", l.sla_breached_at);
  out.member("tags", l.tags);
  out.member("created_at", l.created_at);
  out.member("updated_at", l.updated_at);
  out.key("primary_contact");
  if (row.primary_contact) {
    const auto& c = *row.primary_contact;
    out.begin_object();
    out.member("contact_id", c.contact_id);
    out.member("full_name", c.full_name);
    out.member("email", c.email);
    out.member("phone", c.phone);
    out.member("title", c.title);
    out.member("is_primary", true);
    out.end_object();
  } else {
    out.value(nullptr);
  }
  out.key("activity");
  if (row.stats) {
    const auto& s = *row.stats;
    out.begin_object();
    out.member("engagement_score", s.engagement_score);
    out.member("last_interaction_at", s.last_interaction_at);
    out.member("last_email_at", s.last_email_at);
    out.member("last_event_at", s.last_event_at);
    out.member("total_emails", s.total_emails);
    out.member("total_events", s.total_events);
    out.member("total_interactions", s.total_interactions);
    out.end_object();
  } else {
    out.value(nullptr);
  }
  out.end_object();
}

std::string LeadListQuery::fingerprint() const {
  using contacts::Fingerprint;
  const auto number = [](const std::optional<std::int64_t>& v) {
    return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
  };
  return Fingerprint()
      .add("status", statuses)
      .add("origin", origins)
      .add("tag", tags)
      .add("owner", owners)
      .add("q", q)
      .add("priority_min", number(priority_min))
      .add("priority_max", number(priority_max))
      .add("created_after", created_after)
      .add("created_before", created_before)
      .add("interaction_after", interaction_after)
      .add("interaction_before", interaction_before)
      .add("include_qualified", include_qualified)
      .add("include_deleted", include_deleted)
      .add("include_disqualified", include_disqualified)
      .add("visible_to", visible_to ? std::vector<Uuid>{*visible_to} : std::vector<Uuid>{})
      .add(order)
      .digest();
}

namespace {

schema::Schema lead_contact_schema(bool in_view) {
  using namespace schema;
  Object o(in_view ? "" : "LeadContact");
  o.field("contact_id", uuid())
      .field("full_name", string())
      .field("email", nullable(string()))
      .field("phone", nullable(string()))
      .field("title", nullable(string()))
      .field("is_primary", boolean(), "the primary contact: marked so, else the earliest added");
  if (!in_view) o.field("added_at", timestamp());
  return o;
}

}  // namespace

schema::Schema json_schema(std::type_identity<Lead>) {
  using namespace schema;
  const auto text = [] { return nullable(string()); };
  return Object("Lead")
      .field("id", uuid())
      .field("title", string())
      .field("trade_name", text())
      .field("status", text(), "the status's code")
      .field("status_id", nullable(uuid()))
      .field("origin", text(), "the origin's code")
      .field("origin_id", nullable(uuid()))
      .field("owner_user_id", nullable(uuid()))
      .field("qualified_company_id", nullable(uuid()))
      .field("qualified_master_deal_id", nullable(uuid()))
      .field("address_city", text())
      .field("address_state", text())
      .field("last_interaction_at", nullable(timestamp()))
      .field("priority_score", integer(0, 100))
      .field("disqualified_at", nullable(timestamp()))
      .field("disqualification_reason", text())
      .field("qualified_at", nullable(timestamp()))
      .field("sla_breached_at", nullable(timestamp()))
      .field("tags", array(string()), "tag names, sorted")
      .field("created_at", timestamp())
      .field("updated_at", timestamp())
      .field("deleted_at", nullable(timestamp()));
}

schema::Schema lead_input_schema(bool creating) {
  using namespace schema;
  Object o(creating ? "NewLead" : "LeadChanges");
  if (creating)
    o.field("title", string(kMaxText));
  else
    o.optional("title", string(kMaxText));
  return o.optional("trade_name", nullable(string(kMaxText)))
      .optional("status", nullable(string(64)), "a status code")
      .optional("origin", nullable(string(64)), "an origin code")
      .optional("address_city", nullable(string(100)))
      .optional("address_state", nullable(string(100)))
      .optional("owner_user_id", nullable(uuid()), "managers and admins only");
}

schema::Schema qualify_schema() {
  using namespace schema;
  return Object("Qualification")
      .describe("Links an existing company, or creates one; the body may be empty.")
      .optional("company_id", uuid())
      .optional("company", nullable(Object()
                                        .field("name", string(kMaxText))
                                        .optional("domain", string(253))
                                        .optional("city", string(100))
                                        .optional("state", string(100))))
      .optional("deal_title", string(kMaxText), "default: the lead's title");
}

schema::Schema disqualify_schema() {
  using namespace schema;
  return Object("Disqualification").field("reason", string(2000));
}

schema::Schema reference_schema(bool is_status) {
  using namespace schema;
  Object o(is_status ? "LeadStatus" : "LeadOrigin");
  o.field("id", uuid())
      .field("code", string())
      .field("label", string())
      .field("description", nullable(string()))
      .field("is_active", boolean())
      .field("sort_order", integer())
      .field("created_at", timestamp());
  if (is_status) o.field("sla_days", nullable(integer(1)), "days without interaction allowed");
  return o;
}

schema::Schema reference_input_schema(bool is_status, bool creating) {
  using namespace schema;
  Object o(std::string(is_status ? "LeadStatus" : "LeadOrigin") + (creating ? "Input" : "Changes"));
  const auto code = described(string(64), "upper case letters, digits and _");
  if (creating)
    o.field("code", code).field("label", string(200));
  else
    o.optional("code", code).optional("label", string(200));
  o.optional("description", nullable(string(2000)))
      .optional("is_active", boolean())
      .optional("sort_order", integer(-1000000, 1000000));
  if (is_status) o.optional("sla_days", nullable(integer(1, 3650)));
  return o;
}

schema::Schema json_schema(std::type_identity<Tag>) {
  using namespace schema;
  return Object("Tag")
      .field("id", uuid())
      .field("name", string())
      .field("color", nullable(string()))
      .field("created_at", timestamp());
}

schema::Schema tag_input_schema(bool creating) {
  using namespace schema;
  Object o(creating ? "NewTag" : "TagChanges");
  if (creating)
    o.field("name", string(100));
  else
    o.optional("name", string(100));
  return o.optional("color", nullable(string(32)));
}

schema::Schema tag_set_schema() {
  using namespace schema;
  return Object("LeadTagSet")
      .describe("The lead's tags, replaced: by name (created when new) or by id.")
      .optional("tags", array(string(100), 100))
      .optional("tag_ids", array(uuid(), 100));
}

schema::Schema json_schema(std::type_identity<LeadContact>) {
  return lead_contact_schema(false);
}

schema::Schema json_schema(std::type_identity<Activity>) {
  using namespace schema;
  return Object("Activity")
      .field("id", uuid())
      .field("lead_id", uuid())
      .field("kind", one_of_strings({"email", "event", "call", "note"}))
      .field("summary", nullable(string()))
      .field("occurred_at", timestamp())
      .field("created_by", nullable(uuid()))
      .field("created_at", timestamp());
}

schema::Schema new_activity_schema() {
  using namespace schema;
  return Object("NewActivity")
      .field("kind", one_of_strings({"call", "note", "email", "event"}))
      .optional("summary", string(2000))
      .optional("occurred_at", timestamp(), "default now; not in the future");
}

schema::Schema json_schema(std::type_identity<ActivityStats>) {
  using namespace schema;
  return Object("ActivityStats")
      .field("lead_id", uuid())
      .field("engagement_score", integer())
      .field("last_interaction_at", nullable(timestamp()))
      .field("last_email_at", nullable(timestamp()))
      .field("last_event_at", nullable(timestamp()))
      .field("total_emails", integer(0))
      .field("total_events", integer(0))
      .field("total_interactions", integer(0))
      .field("created_at", timestamp())
      .field("updated_at", timestamp());
}

schema::Schema json_schema(std::type_identity<SalesViewRow>) {
  using namespace schema;
  const auto text = [] { return nullable(string()); };
  const Schema owner = Object().field("id", uuid()).field("name", nullable(string()));
  const Schema activity = Object()
                              .field("engagement_score", integer())
                              .field("last_interaction_at", nullable(timestamp()))
                              .field("last_email_at", nullable(timestamp()))
                              .field("last_event_at", nullable(timestamp()))
                              .field("total_emails", integer(0))
                              .field("total_events", integer(0))
                              .field("total_interactions", integer(0));
  return Object("SalesViewRow")
      .field("id", uuid())
      .field("title", string())
      .field("trade_name", text())
      .field("status", text())
      .field("status_label", text())
      .field("origin", text())
      .field("origin_label", text())
      .field("owner", nullable(owner))
      .field("address_city", text())
      .field("address_state", text())
      .field("last_interaction_at", nullable(timestamp()))
      .field("priority_score", integer(0, 100))
      .field("sla_breached_at", nullable(timestamp()))
      .field("tags", array(string()))
      .field("created_at", timestamp())
      .field("updated_at", timestamp())
      .field("primary_contact", nullable(lead_contact_schema(true)))
      .field("activity", nullable(activity));
}

}  // namespace crmd::leads
