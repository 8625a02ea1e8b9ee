#include "storage/deals/rows.hpp"

#include "domain/common/date.hpp"

namespace crmd::storage {

deals::Deal deal_from(const pg::Row& r, int at) {
  deals::Deal d;
  d.id = r.get<Uuid>(at);
  d.title = r.get<std::string>(at + 1);
  d.value = r.get<std::optional<std::int64_t>>(at + 2);
  d.currency = r.get<std::string>(at + 3);
  d.status = r.get<std::string>(at + 4);
  d.pipeline_id = r.get<Uuid>(at + 5);
  d.stage_id = r.get<Uuid>(at + 6);
  d.owner_id = r.get<std::optional<Uuid>>(at + 7);
  d.company_id = r.get<std::optional<Uuid>>(at + 8);
  d.contact_id = r.get<std::optional<Uuid>>(at + 9);
  d.lead_id = r.get<std::optional<Uuid>>(at + 10);
  d.created_by = r.get<std::optional<Uuid>>(at + 11);
  d.pipedrive_id = r.get<std::optional<std::int64_t>>(at + 12);
  d.pipedrive_owner_id = r.get<std::optional<std::int64_t>>(at + 13);
  if (auto date = r.get<std::optional<std::string>>(at + 14))
    d.expected_close_date = parse_date(*date);
  d.probability = r.get<std::optional<std::int64_t>>(at + 15);
  d.lost_reason = r.get<std::optional<std::string>>(at + 16);
  d.add_time = r.get<Timestamp>(at + 17);
  d.update_time = r.get<Timestamp>(at + 18);
  d.stage_entered_at = r.get<Timestamp>(at + 19);
  d.stage_change_time = r.get<std::optional<Timestamp>>(at + 20);
  d.won_time = r.get<std::optional<Timestamp>>(at + 21);
  d.lost_time = r.get<std::optional<Timestamp>>(at + 22);
  d.close_time = r.get<std::optional<Timestamp>>(at + 23);
  d.archived_at = r.get<std::optional<Timestamp>>(at + 24);
  if (auto fields = r.get<boost::json::value>(at + 25); fields.is_object())
    d.custom_fields = std::move(fields.get_object());
  d.created_at = r.get<Timestamp>(at + 26);
  d.updated_at = r.get<Timestamp>(at + 27);
  d.deleted_at = r.get<std::optional<Timestamp>>(at + 28);
  return d;
}

deals::Stage stage_from(const pg::Row& r) {
  deals::Stage s;
  s.id = r.get<Uuid>(0);
  s.pipeline_id = r.get<Uuid>(1);
  s.name = r.get<std::string>(2);
  s.order_nr = r.get<std::int64_t>(3);
  s.probability = r.get<std::optional<std::int64_t>>(4);
  s.rot_enabled = r.get<bool>(5);
  s.days_to_rotten = r.get<std::optional<std::int64_t>>(6);
  s.order_received = r.get<bool>(7);
  // Written through parse_checklist only; a hand-edited row that is not a
  // checklist any more reads as none rather than failing every read.
  try {
    s.required_fields = deals::parse_checklist(r.get<boost::json::value>(8), "required_fields");
  } catch (const Error&) {
  }
  s.pipedrive_id = r.get<std::optional<std::int64_t>>(9);
  s.created_at = r.get<Timestamp>(10);
  s.updated_at = r.get<Timestamp>(11);
  return s;
}

deals::Pipeline pipeline_from(const pg::Row& r) {
  deals::Pipeline p;
  p.id = r.get<Uuid>(0);
  p.name = r.get<std::string>(1);
  p.order_nr = r.get<std::int64_t>(2);
  p.uses_probability = r.get<bool>(3);
  p.pipedrive_id = r.get<std::optional<std::int64_t>>(4);
  p.created_at = r.get<Timestamp>(5);
  p.updated_at = r.get<Timestamp>(6);
  return p;
}

deals::Note note_from(const pg::Row& r) {
  deals::Note n;
  n.id = r.get<Uuid>(0);
  n.entity_type = r.get<std::string>(1);
  n.entity_id = r.get<Uuid>(2);
  n.content = r.get<std::string>(3);
  n.content_text = r.get<std::string>(4);
  n.author_id = r.get<std::optional<Uuid>>(5);
  n.pipedrive_id = r.get<std::optional<std::int64_t>>(6);
  n.created_at = r.get<Timestamp>(7);
  n.updated_at = r.get<Timestamp>(8);
  return n;
}

}  // namespace crmd::storage
