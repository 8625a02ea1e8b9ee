#include "domain/leads/lead.hpp"

#include <boost/json/array.hpp>

#include "domain/common/crypto.hpp"
#include "domain/contacts/list_query.hpp"

namespace crmd::leads {
namespace {

constexpr std::size_t kMaxText = 500;

boost::json::value optional_json(const std::optional<std::string>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

boost::json::value optional_json(const std::optional<Uuid>& v) {
  return v ? boost::json::value(v->str()) : boost::json::value(nullptr);
}

boost::json::value optional_json(const std::optional<Timestamp>& v) {
  return v ? boost::json::value(format_rfc3339(*v)) : boost::json::value(nullptr);
}

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

boost::json::object to_json(const Lead& l) {
  boost::json::array tags;
  for (const auto& t : l.tags) tags.emplace_back(t);
  return {{"id", l.id.str()},
          {"title", l.title},
          {"trade_name", optional_json(l.trade_name)},
          {"status", optional_json(l.status)},
          {"status_id", optional_json(l.status_id)},
          {"origin", optional_json(l.origin)},
          {"origin_id", optional_json(l.origin_id)},
          {"owner_user_id", optional_json(l.owner_user_id)},
          {"qualified_company_id", optional_json(l.qualified_company_id)},
          {"qualified_master_deal_id", optional_json(l.qualified_master_deal_id)},
          {"address_city", optional_json(l.address_city)},
          {"address_state", optional_json(l.address_state)},
          {"last_interaction_at", optional_json(l.last_interaction_at)},
          {"priority_score", l.priority_score},
          {"disqualified_at", optional_json(l.disqualified_at)},
          {"disqualification_reason", optional_json(l.disqualification_reason)},
          {"qualified_at", optional_json(l.qualified_at)},
          {"sla_breached_at", optional_json(l.sla_breached_at)},
          {"tags", std::move(tags)},
          {"created_at", format_rfc3339(l.created_at)},
          {"updated_at", format_rfc3339(l.updated_at)},
          {"deleted_at", optional_json(l.deleted_at)}};
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
  boost::json::object o{{"id", item.id.str()},
                        {"code", item.code},
                        {"label", item.label},
                        {"description", optional_json(item.description)},
                        {"is_active", item.is_active},
                        {"sort_order", item.sort_order},
                        {"created_at", format_rfc3339(item.created_at)}};
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
  return {{"id", tag.id.str()},
          {"name", tag.name},
          {"color", optional_json(tag.color)},
          {"created_at", format_rfc3339(tag.created_at)}};
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
  return {{"contact_id", c.contact_id.str()},      {"full_name", c.full_name},
          {"email", optional_json(c.email)},       {"phone", optional_json(c.phone)},
          {"title", optional_json(c.title)},       {"is_primary", c.primary},
          {"added_at", format_rfc3339(c.added_at)}};
}

boost::json::object to_json(const ActivityStats& s) {
  return {{"lead_id", s.lead_id.str()},
          {"engagement_score", s.engagement_score},
          {"last_interaction_at", optional_json(s.last_interaction_at)},
          {"last_email_at", optional_json(s.last_email_at)},
          {"last_event_at", optional_json(s.last_event_at)},
          {"total_emails", s.total_emails},
          {"total_events", s.total_events},
          {"total_interactions", s.total_interactions},
          {"created_at", format_rfc3339(s.created_at)},
          {"updated_at", format_rfc3339(s.updated_at)}};
}

// Only what the working list shows: no qualification, disqualification or
// deletion fields (always null in the view), no repeated ids. Built with
// its size known, as it is the hottest answer of the leads API.
boost::json::object to_json(const SalesViewRow& row) {
  const auto& l = row.lead;
  boost::json::array tags;
  tags.reserve(l.tags.size());
  for (const auto& t : l.tags) tags.emplace_back(t);
  boost::json::object o(20);
  o.emplace("id", l.id.str());
  o.emplace("title", l.title);
  o.emplace("trade_name", optional_json(l.trade_name));
  o.emplace("status", optional_json(l.status));
  o.emplace("status_label", optional_json(row.status_label));
  o.emplace("origin", optional_json(l.origin));
  o.emplace("origin_label", optional_json(row.origin_label));
  if (l.owner_user_id) {
    boost::json::object owner(2);
    owner.emplace("id", l.owner_user_id->str());
    owner.emplace("name", optional_json(row.owner_name));
    o.emplace("owner", std::move(owner));
  } else {
    o.emplace("owner", nullptr);
  }
  o.emplace("address_city", optional_json(l.address_city));
  o.emplace("address_state", optional_json(l.address_state));
  o.emplace("last_interaction_at", optional_json(l.last_interaction_at));
  o.emplace("priority_score", l.priority_score);
  o.emplace("sla_breached_at", optional_json(l.sla_breached_at));
  o.emplace("tags", std::move(tags));
  o.emplace("created_at", format_rfc3339(l.created_at));
  o.emplace("updated_at", format_rfc3339(l.updated_at));
  if (row.primary_contact) {
    const auto& c = *row.primary_contact;
    boost::json::object contact(6);
    contact.emplace("contact_id", c.contact_id.str());
    contact.emplace("full_name", c.full_name);
    contact.emplace("email", optional_json(c.email));
    contact.emplace("phone", optional_json(c.phone));
    contact.emplace("title", optional_json(c.title));
    contact.emplace("is_primary", true);
    o.emplace("primary_contact", std::move(contact));
  } else {
    o.emplace("primary_contact", nullptr);
  }
  if (row.stats) {
    const auto& s = *row.stats;
    boost::json::object activity(7);
    activity.emplace("engagement_score", s.engagement_score);
    activity.emplace("last_interaction_at", optional_json(s.last_interaction_at));
    activity.emplace("last_email_at", optional_json(s.last_email_at));
    activity.emplace("last_event_at", optional_json(s.last_event_at));
    activity.emplace("total_emails", s.total_emails);
    activity.emplace("total_events", s.total_events);
    activity.emplace("total_interactions", s.total_interactions);
    o.emplace("activity", std::move(activity));
  } else {
    o.emplace("activity", nullptr);
  }
  return o;
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
      .add("ordering", std::optional<std::string>(std::to_string(static_cast<int>(order)) +
                                                  (descending ? "-" : "+")))
      .digest();
}

std::optional<std::pair<LeadOrder, bool>> parse_lead_ordering(std::string_view text) {
  const bool descending = text.starts_with('-');
  if (descending) text.remove_prefix(1);
  if (text == "created_at") return std::pair{LeadOrder::created_at, descending};
  if (text == "updated_at") return std::pair{LeadOrder::updated_at, descending};
  if (text == "priority" || text == "priority_score")
    return std::pair{LeadOrder::priority, descending};
  if (text == "title") return std::pair{LeadOrder::title, descending};
  if (text == "last_interaction_at") return std::pair{LeadOrder::last_interaction, descending};
  return std::nullopt;
}

}  // namespace crmd::leads
