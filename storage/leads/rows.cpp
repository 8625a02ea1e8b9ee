#include "storage/leads/rows.hpp"

namespace crmd::storage::lead_rows {
using leads::Lead;

Lead lead_from(const pg::Row& r, int at) {
  Lead l;
  l.id = r.get<Uuid>(at + 0);
  l.title = r.get<std::string>(at + 1);
  l.trade_name = r.get<std::optional<std::string>>(at + 2);
  l.status_id = r.get<std::optional<Uuid>>(at + 3);
  l.status = r.get<std::optional<std::string>>(at + 4);
  l.origin_id = r.get<std::optional<Uuid>>(at + 5);
  l.origin = r.get<std::optional<std::string>>(at + 6);
  l.owner_user_id = r.get<std::optional<Uuid>>(at + 7);
  l.qualified_company_id = r.get<std::optional<Uuid>>(at + 8);
  l.qualified_master_deal_id = r.get<std::optional<Uuid>>(at + 9);
  l.address_city = r.get<std::optional<std::string>>(at + 10);
  l.address_state = r.get<std::optional<std::string>>(at + 11);
  l.last_interaction_at = r.get<std::optional<Timestamp>>(at + 12);
  l.priority_score = r.get<std::int32_t>(at + 13);
  l.disqualified_at = r.get<std::optional<Timestamp>>(at + 14);
  l.disqualification_reason = r.get<std::optional<std::string>>(at + 15);
  l.qualified_at = r.get<std::optional<Timestamp>>(at + 16);
  l.sla_breached_at = r.get<std::optional<Timestamp>>(at + 17);
  l.created_at = r.get<Timestamp>(at + 18);
  l.updated_at = r.get<Timestamp>(at + 19);
  l.deleted_at = r.get<std::optional<Timestamp>>(at + 20);
  l.tags = r.get<std::vector<std::string>>(at + 21);  // sorted by the trigger
  return l;
}

leads::PriorityInputs inputs_from(const pg::Row& row) {
  leads::PriorityInputs in;
  in.status = row.get<std::string>(0);
  in.origin = row.get<std::string>(1);
  in.age_days = row.get<double>(2);
  in.days_since_interaction = row.get<std::optional<double>>(3);
  in.engagement = row.get<std::int32_t>(4);
  in.tags = row.get<std::vector<std::string>>(5);
  in.disqualified = row.get<bool>(6);
  return in;
}

leads::LeadContact contact_from(const pg::Row& r, int at) {
  leads::LeadContact c;
  c.contact_id = r.get<Uuid>(at);
  c.full_name = r.get<std::string>(at + 1);
  c.email = r.get<std::optional<std::string>>(at + 2);
  c.phone = r.get<std::optional<std::string>>(at + 3);
  c.title = r.get<std::optional<std::string>>(at + 4);
  c.is_primary = r.get<bool>(at + 5);
  c.primary = c.is_primary;
  c.added_at = r.get<Timestamp>(at + 6);
  return c;
}

leads::ActivityStats stats_from(const pg::Row& r, int at) {
  leads::ActivityStats s;
  s.lead_id = r.get<Uuid>(at);
  s.engagement_score = r.get<std::int32_t>(at + 1);
  s.last_interaction_at = r.get<std::optional<Timestamp>>(at + 2);
  s.last_email_at = r.get<std::optional<Timestamp>>(at + 3);
  s.last_event_at = r.get<std::optional<Timestamp>>(at + 4);
  s.total_emails = r.get<std::int32_t>(at + 5);
  s.total_events = r.get<std::int32_t>(at + 6);
  s.total_interactions = r.get<std::int32_t>(at + 7);
  s.created_at = r.get<Timestamp>(at + 8);
  s.updated_at = r.get<Timestamp>(at + 9);
  return s;
}

}  // namespace crmd::storage::lead_rows
