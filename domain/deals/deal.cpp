#include "domain/deals/deal.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "domain/common/date.hpp"
#include "domain/common/json_of.hpp"
#include "domain/deals/money.hpp"

namespace crmd::deals {
namespace json = boost::json;

namespace {

json::value json_of_date(const std::optional<std::chrono::sys_days>& d,
                         const json::storage_ptr& sp) {
  return d ? json::value(format_date(*d), sp) : json::value(nullptr, sp);
}

json::value json_of_money(const std::optional<std::int64_t>& cents, const json::storage_ptr& sp) {
  return cents ? json::value(format_money(*cents), sp) : json::value(nullptr, sp);
}

json::value json_of_number(const std::optional<std::int64_t>& n, const json::storage_ptr& sp) {
  return n ? json::value(*n, sp) : json::value(nullptr, sp);
}

// value: a decimal string ("1200.50") or a JSON number; null clears it.
void read_value(const json::value& body, FieldReader& r, Change<std::int64_t>& out) {
  const auto* v = body.is_object() ? body.get_object().if_contains("value") : nullptr;
  if (!v) return;
  if (v->is_null()) {
    out.emplace(std::nullopt);
    return;
  }
  std::optional<std::int64_t> cents;
  if (v->is_string())
    cents = parse_money(v->get_string());
  else if (v->is_int64())
    cents = money_of_double(static_cast<double>(v->get_int64()));
  else if (v->is_uint64())
    cents = money_of_double(static_cast<double>(v->get_uint64()));
  else if (v->is_double())
    cents = money_of_double(v->get_double());
  if (!cents)
    r.fail("value", "expected a decimal amount with at most 2 decimals, e.g. \"1200.50\"");
  else
    out.emplace(cents);
}

void read_date(const json::value& body, FieldReader& r, std::string_view name,
               Change<std::chrono::sys_days>& out) {
  Change<std::string> text;
  r.change(name, text, 10);
  if (!text) return;
  if (!*text) {
    out.emplace(std::nullopt);
    return;
  }
  auto d = parse_date(**text);
  if (!d)
    r.fail(std::string(name), "expected a date, YYYY-MM-DD");
  else
    out.emplace(*d);
  (void)body;
}

std::optional<std::string> read_currency(FieldReader& r) {
  auto c = r.string("currency", false, 3);
  if (c && !valid_currency(*c)) r.fail("currency", "expected an ISO 4217 code, e.g. EUR");
  return c;
}

std::optional<std::string> read_status(FieldReader& r) {
  auto s = r.string("status", false, 8);
  if (s && std::find(kStatuses.begin(), kStatuses.end(), *s) == kStatuses.end())
    r.fail("status", "expected open, won or lost");
  return s;
}

std::optional<json::object> read_custom_fields(const json::value& body, FieldReader& r) {
  const auto* v = body.is_object() ? body.get_object().if_contains("custom_fields") : nullptr;
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object()) {
    r.fail("custom_fields", "expected an object");
    return std::nullopt;
  }
  const auto& o = v->get_object();
  if (o.size() > kMaxCustomFields || json::serialize(o).size() > kMaxCustomFieldBytes) {
    r.fail("custom_fields", "at most " + std::to_string(kMaxCustomFields) + " fields and " +
                                std::to_string(kMaxCustomFieldBytes) + " bytes");
    return std::nullopt;
  }
  for (const auto& [key, value] : o)
    if (key.empty() || key.size() > 64) {
      r.fail("custom_fields", "keys are 1 to 64 bytes");
      return std::nullopt;
    }
  return o;
}

void read_deal(const json::value& body, FieldReader& r, DealChanges& c, bool creating) {
  c.title = r.string("title", creating, kMaxTitleBytes);
  if (c.title && c.title->empty()) r.fail("title", "must not be blank");
  read_value(body, r, c.value);
  c.currency = read_currency(r);
  c.status = read_status(r);
  r.change("probability", c.probability, 0, 100);
  c.pipeline_id = r.uuid("pipeline_id", false);
  c.stage_id = r.uuid("stage_id", false);
  r.change("owner_id", c.owner_id);
  r.change("company_id", c.company_id);
  r.change("contact_id", c.contact_id);
  read_date(body, r, "expected_close_date", c.expected_close_date);
  r.change("lost_reason", c.lost_reason, kMaxLostReasonBytes);
  c.custom_fields = read_custom_fields(body, r);
  r.finish();
}

FieldReader deal_reader(const json::value& body) {
  return FieldReader(body, {"title", "value", "currency", "status", "probability", "pipeline_id",
                            "stage_id", "owner_id", "company_id", "contact_id",
                            "expected_close_date", "lost_reason", "custom_fields"});
}

void read_stage(FieldReader& r, const json::value& body, StageChanges& c, bool creating) {
  c.name = r.string("name", creating, kMaxNameBytes);
  if (c.name && c.name->empty()) r.fail("name", "must not be blank");
  c.order_nr = r.integer("order_nr", false, 0, 100000);
  r.change("probability", c.probability, 0, 100);
  r.change("days_to_rotten", c.days_to_rotten, 1, 3650);
  c.rot_enabled = r.boolean("rot_enabled");
  c.order_received = r.boolean("order_received");
  if (const auto* v = body.get_object().if_contains("required_fields"); v && !v->is_null()) {
    try {
      c.required_fields = parse_checklist(*v, "required_fields");
    } catch (const Error& e) {
      for (const auto& f : e.fields()) r.fail(f.field, f.message);
      if (e.fields().empty()) r.fail("required_fields", e.detail());
    }
  }
}

schema::Schema date_schema() {
  return schema::described(schema::string(10), "YYYY-MM-DD");
}

schema::Schema checklist_schema() {
  return schema::described(schema::array(schema::string(80), 50),
                           "deal fields (title, value, currency, expected_close_date, contact_id, "
                           "company_id, owner_id, probability, lost_reason) or "
                           "custom_fields.<key>");
}

schema::Object stage_fields(schema::Object o) {
  using namespace schema;
  return o.optional("order_nr", integer(0, 100000))
      .optional("probability", nullable(integer(0, 100)))
      .optional("rot_enabled", boolean())
      .optional("days_to_rotten", nullable(integer(1, 3650)))
      .optional("order_received", boolean())
      .optional("required_fields", checklist_schema());
}

schema::Object deal_fields(schema::Object o) {
  using namespace schema;
  return o.optional("value", nullable(money_schema()))
      .optional("currency", string(3), "ISO 4217; default USD")
      .optional("status", one_of_strings({"open", "won", "lost"}))
      .optional("probability", nullable(integer(0, 100)))
      .optional("pipeline_id", uuid(), "default: CRMD_DEFAULT_PIPELINE")
      .optional("stage_id", uuid(), "default: the pipeline's first stage")
      .optional("owner_id", nullable(uuid()), "default: the caller")
      .optional("company_id", nullable(uuid()))
      .optional("contact_id", nullable(uuid()))
      .optional("expected_close_date", nullable(date_schema()))
      .optional("lost_reason", nullable(string(kMaxLostReasonBytes)))
      .optional("custom_fields", any_object(), "merged: a null member removes its key");
}

template <class T>
bool differs(const T& a, const T& b) {
  return !(a == b);
}

}  // namespace

// ---- JSON

json::object to_json(const Pipeline& p) {
  json::object o;
  o["id"] = p.id.str();
  o["name"] = p.name;
  o["order_nr"] = p.order_nr;
  o["uses_probability"] = p.uses_probability;
  o["pipedrive_id"] = json_of_number(p.pipedrive_id, {});
  o["created_at"] = json_of(p.created_at);
  o["updated_at"] = json_of(p.updated_at);
  return o;
}

schema::Schema json_schema(std::type_identity<Pipeline>) {
  using namespace schema;
  return Object("Pipeline")
      .field("id", uuid())
      .field("name", string(kMaxNameBytes))
      .field("order_nr", integer())
      .field("uses_probability", boolean())
      .field("pipedrive_id", nullable(integer()), "set when mirrored from Pipedrive")
      .field("created_at", timestamp())
      .field("updated_at", timestamp());
}

json::object to_json(const Stage& s) {
  json::object o;
  o["id"] = s.id.str();
  o["pipeline_id"] = s.pipeline_id.str();
  o["name"] = s.name;
  o["order_nr"] = s.order_nr;
  o["probability"] = json_of_number(s.probability, {});
  o["rot_enabled"] = s.rot_enabled;
  o["days_to_rotten"] = json_of_number(s.days_to_rotten, {});
  o["order_received"] = s.order_received;
  o["required_fields"] = to_json(s.required_fields);
  o["pipedrive_id"] = json_of_number(s.pipedrive_id, {});
  o["created_at"] = json_of(s.created_at);
  o["updated_at"] = json_of(s.updated_at);
  return o;
}

schema::Schema json_schema(std::type_identity<Stage>) {
  using namespace schema;
  return Object("Stage")
      .field("id", uuid())
      .field("pipeline_id", uuid())
      .field("name", string(kMaxNameBytes))
      .field("order_nr", integer())
      .field("probability", nullable(integer(0, 100)), "none: 100")
      .field("rot_enabled", boolean())
      .field("days_to_rotten", nullable(integer(1)))
      .field("order_received", boolean())
      .field("required_fields", checklist_schema())
      .field("pipedrive_id", nullable(integer()))
      .field("created_at", timestamp())
      .field("updated_at", timestamp());
}

json::object to_json(const Deal& d, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = json_of(d.id, sp);
  o["title"] = json_of(d.title, sp);
  o["value"] = json_of_money(d.value, sp);
  o["currency"] = json_of(d.currency, sp);
  o["status"] = json_of(d.status, sp);
  o["pipeline_id"] = json_of(d.pipeline_id, sp);
  o["stage_id"] = json_of(d.stage_id, sp);
  o["owner_id"] = json_of(d.owner_id, sp);
  o["company_id"] = json_of(d.company_id, sp);
  o["contact_id"] = json_of(d.contact_id, sp);
  o["lead_id"] = json_of(d.lead_id, sp);
  o["expected_close_date"] = json_of_date(d.expected_close_date, sp);
  o["probability"] = json_of_number(d.probability, sp);
  o["lost_reason"] = json_of(d.lost_reason, sp);
  o["add_time"] = json_of(d.add_time, sp);
  o["update_time"] = json_of(d.update_time, sp);
  o["stage_change_time"] = json_of(d.stage_change_time, sp);
  o["stage_entered_at"] = json_of(d.stage_entered_at, sp);
  o["won_time"] = json_of(d.won_time, sp);
  o["lost_time"] = json_of(d.lost_time, sp);
  o["close_time"] = json_of(d.close_time, sp);
  o["archived_at"] = json_of(d.archived_at, sp);
  o["custom_fields"] = json::value(d.custom_fields, sp);
  o["pipedrive_id"] = json_of_number(d.pipedrive_id, sp);
  o["pipedrive_owner_id"] = json_of_number(d.pipedrive_owner_id, sp);
  o["managed_by"] = d.mirrored() ? "pipedrive" : "crmd";
  o["created_by"] = json_of(d.created_by, sp);
  o["created_at"] = json_of(d.created_at, sp);
  o["updated_at"] = json_of(d.updated_at, sp);
  o["deleted_at"] = json_of(d.deleted_at, sp);
  return o;
}

schema::Schema json_schema(std::type_identity<Deal>) {
  using namespace schema;
  return Object("Deal")
      .field("id", uuid())
      .field("title", string(kMaxTitleBytes))
      .field("value", nullable(money_schema()))
      .field("currency", string(3))
      .field("status", one_of_strings({"open", "won", "lost"}))
      .field("pipeline_id", uuid())
      .field("stage_id", uuid())
      .field("owner_id", nullable(uuid()))
      .field("company_id", nullable(uuid()))
      .field("contact_id", nullable(uuid()))
      .field("lead_id", nullable(uuid()), "the lead it was qualified from")
      .field("expected_close_date", nullable(date_schema()))
      .field("probability", nullable(integer(0, 100)), "none: the stage's")
      .field("lost_reason", nullable(string()))
      .field("add_time", timestamp())
      .field("update_time", timestamp(), "the last change (Pipedrive's when mirrored)")
      .field("stage_change_time", nullable(timestamp()))
      .field("stage_entered_at", timestamp())
      .field("won_time", nullable(timestamp()))
      .field("lost_time", nullable(timestamp()))
      .field("close_time", nullable(timestamp()))
      .field("archived_at", nullable(timestamp()))
      .field("custom_fields", any_object())
      .field("pipedrive_id", nullable(integer()))
      .field("pipedrive_owner_id", nullable(integer()))
      .field("managed_by", one_of_strings({"crmd", "pipedrive"}))
      .field("created_by", nullable(uuid()))
      .field("created_at", timestamp())
      .field("updated_at", timestamp())
      .field("deleted_at", nullable(timestamp()));
}

schema::Schema deal_health_schema() {
  using namespace schema;
  return Object("DealHealth")
      .field("days_in_stage", integer(0))
      .field("rotten", boolean(), "rot on for the stage, open, no update for its days")
      .field("stuck",
             nullable(Object("StuckVerdict")
                          .field("days_in_stage", integer(0))
                          .field("threshold_days", integer(0))
                          .field("rule", one_of_strings({"stage_stuck_days", "stage_days_to_rotten",
                                                         "default_stuck_days"}))))
      .field("overdue_days", nullable(integer(1)), "days past the expected close date")
      .field("probability", integer(0, 100), "the deal's, else the stage's, else 100")
      .field("weighted_value", nullable(money_schema()));
}

json::object to_json(const StageVisit& v, Timestamp now) {
  json::object o;
  o["stage_id"] = v.stage_id.str();
  o["stage_name"] = v.stage_name;
  o["entered_at"] = json_of(v.entered_at);
  o["left_at"] = json_of(v.left_at);
  o["entered_by"] = json_of(v.entered_by);
  const auto end = v.left_at.value_or(now);
  o["seconds_in_stage"] = std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::seconds>(end - v.entered_at).count());
  return o;
}

schema::Schema json_schema(std::type_identity<StageVisit>) {
  using namespace schema;
  return Object("StageVisit")
      .field("stage_id", uuid())
      .field("stage_name", string())
      .field("entered_at", timestamp())
      .field("left_at", nullable(timestamp()), "none: the deal is in it")
      .field("entered_by", nullable(uuid()))
      .field("seconds_in_stage", integer(0), "to now while it lasts");
}

json::object to_json(const Note& n, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = json_of(n.id, sp);
  o["entity_type"] = json_of(n.entity_type, sp);
  o["entity_id"] = json_of(n.entity_id, sp);
  o["content"] = json_of(n.content, sp);
  o["text"] = json_of(n.content_text, sp);
  o["author_id"] = json_of(n.author_id, sp);
  o["pipedrive_id"] = json_of_number(n.pipedrive_id, sp);
  o["created_at"] = json_of(n.created_at, sp);
  o["updated_at"] = json_of(n.updated_at, sp);
  return o;
}

schema::Schema json_schema(std::type_identity<Note>) {
  using namespace schema;
  return Object("Note")
      .field("id", uuid())
      .field("entity_type", one_of_strings({"deal", "lead", "contact", "company"}))
      .field("entity_id", uuid())
      .field("content", string(kMaxNoteBytes), "as written (HTML allowed)")
      .field("text", string(), "the content as plain text")
      .field("author_id", nullable(uuid()))
      .field("pipedrive_id", nullable(integer()))
      .field("created_at", timestamp())
      .field("updated_at", timestamp());
}

// ---- pipelines

NewPipeline parse_new_pipeline(const json::value& body) {
  FieldReader r(body, {"name", "order_nr", "uses_probability"});
  NewPipeline p;
  auto name = r.string("name", true, kMaxNameBytes);
  if (name && name->empty()) r.fail("name", "must not be blank");
  p.order_nr = r.integer("order_nr", false, 0, 100000).value_or(0);
  p.uses_probability = r.boolean("uses_probability").value_or(true);
  r.finish();
  p.name = std::move(*name);
  return p;
}

schema::Schema new_pipeline_schema() {
  using namespace schema;
  return Object("NewPipeline")
      .field("name", string(kMaxNameBytes))
      .optional("order_nr", integer(0, 100000))
      .optional("uses_probability", boolean(), "default true");
}

PipelineChanges parse_pipeline_changes(const json::value& body) {
  FieldReader r(body, {"name", "order_nr", "uses_probability"});
  PipelineChanges c;
  c.name = r.string("name", false, kMaxNameBytes);
  if (c.name && c.name->empty()) r.fail("name", "must not be blank");
  c.order_nr = r.integer("order_nr", false, 0, 100000);
  c.uses_probability = r.boolean("uses_probability");
  r.finish();
  return c;
}

schema::Schema pipeline_changes_schema() {
  using namespace schema;
  return Object("PipelineChanges")
      .optional("name", string(kMaxNameBytes))
      .optional("order_nr", integer(0, 100000))
      .optional("uses_probability", boolean());
}

// ---- stages

bool StageChanges::touches_pipedrive() const {
  return name || order_nr || probability || days_to_rotten || rot_enabled;
}

NewStage parse_new_stage(const json::value& body) {
  FieldReader r(body, {"pipeline_id", "name", "order_nr", "probability", "rot_enabled",
                       "days_to_rotten", "order_received", "required_fields"});
  NewStage s;
  auto pipeline = r.uuid("pipeline_id", true);
  read_stage(r, body, s.fields, true);
  r.finish();
  s.pipeline_id = *pipeline;
  return s;
}

StageChanges parse_stage_changes(const json::value& body) {
  FieldReader r(body, {"name", "order_nr", "probability", "rot_enabled", "days_to_rotten",
                       "order_received", "required_fields"});
  StageChanges c;
  read_stage(r, body, c, false);
  r.finish();
  return c;
}

schema::Schema new_stage_schema() {
  using namespace schema;
  return stage_fields(
      Object("NewStage").field("pipeline_id", uuid()).field("name", string(kMaxNameBytes)));
}

schema::Schema stage_changes_schema() {
  using namespace schema;
  return stage_fields(Object("StageChanges").optional("name", string(kMaxNameBytes)));
}

Stage apply(Stage s, const StageChanges& c) {
  if (c.name) s.name = *c.name;
  if (c.order_nr) s.order_nr = *c.order_nr;
  if (c.probability) s.probability = *c.probability;
  if (c.days_to_rotten) s.days_to_rotten = *c.days_to_rotten;
  if (c.rot_enabled) s.rot_enabled = *c.rot_enabled;
  if (c.order_received) s.order_received = *c.order_received;
  if (c.required_fields) s.required_fields = *c.required_fields;
  return s;
}

// ---- deals

bool DealChanges::empty() const {
  return !title && !currency && !status && !value && !probability && !pipeline_id && !stage_id &&
         !owner_id && !company_id && !contact_id && !expected_close_date && !lost_reason &&
         !custom_fields;
}

DealChanges parse_new_deal(const json::value& body) {
  auto r = deal_reader(body);
  DealChanges c;
  read_deal(body, r, c, true);
  return c;
}

DealChanges parse_deal_changes(const json::value& body) {
  auto r = deal_reader(body);
  DealChanges c;
  read_deal(body, r, c, false);
  return c;
}

schema::Schema new_deal_schema() {
  return deal_fields(schema::Object("NewDeal").field("title", schema::string(kMaxTitleBytes)));
}

schema::Schema deal_changes_schema() {
  return deal_fields(
      schema::Object("DealChanges").optional("title", schema::string(kMaxTitleBytes)));
}

Deal apply(Deal d, const DealChanges& c, Timestamp now) {
  if (c.title) d.title = *c.title;
  if (c.value) d.value = *c.value;
  if (c.currency) d.currency = *c.currency;
  if (c.probability) d.probability = *c.probability;
  if (c.pipeline_id) d.pipeline_id = *c.pipeline_id;
  if (c.owner_id) d.owner_id = *c.owner_id;
  if (c.company_id) d.company_id = *c.company_id;
  if (c.contact_id) d.contact_id = *c.contact_id;
  if (c.expected_close_date) d.expected_close_date = *c.expected_close_date;
  if (c.lost_reason) d.lost_reason = *c.lost_reason;
  if (c.custom_fields)
    for (const auto& [key, value] : *c.custom_fields) {
      if (value.is_null())
        d.custom_fields.erase(key);
      else
        d.custom_fields[key] = value;
    }
  if (c.stage_id && *c.stage_id != d.stage_id) {
    d.stage_id = *c.stage_id;
    d.stage_change_time = d.stage_entered_at = now;
  }
  if (c.status && *c.status != d.status) {
    d.status = *c.status;
    d.won_time = d.lost_time = d.close_time = std::nullopt;
    if (d.status == "won") d.won_time = d.close_time = now;
    if (d.status == "lost") d.lost_time = d.close_time = now;
  }
  d.update_time = now;
  return d;
}

std::vector<std::string> changed_fields(const Deal& a, const Deal& b) {
  std::vector<std::string> out;
  const auto note = [&out](bool changed, const char* name) {
    if (changed) out.emplace_back(name);
  };
  note(differs(a.title, b.title), "title");
  note(differs(a.value, b.value), "value");
  note(differs(a.currency, b.currency), "currency");
  note(differs(a.status, b.status), "status");
  note(differs(a.pipeline_id, b.pipeline_id), "pipeline_id");
  note(differs(a.stage_id, b.stage_id), "stage_id");
  note(differs(a.owner_id, b.owner_id), "owner_id");
  note(differs(a.company_id, b.company_id), "company_id");
  note(differs(a.contact_id, b.contact_id), "contact_id");
  note(differs(a.expected_close_date, b.expected_close_date), "expected_close_date");
  note(differs(a.probability, b.probability), "probability");
  note(differs(a.lost_reason, b.lost_reason), "lost_reason");
  note(differs(a.custom_fields, b.custom_fields), "custom_fields");
  note(differs(a.archived_at, b.archived_at), "archived_at");
  return out;
}

// ---- notes

std::string parse_new_note(const json::value& body) {
  FieldReader r(body, {"content"});
  auto content = r.string("content", true, kMaxNoteBytes, false);
  if (content && content->find_first_not_of(" \t\r\n") == std::string::npos)
    r.fail("content", "must not be blank");
  r.finish();
  return std::move(*content);
}

schema::Schema new_note_schema() {
  using namespace schema;
  return Object("NewNote").field("content", string(kMaxNoteBytes), "HTML allowed");
}

}  // namespace crmd::deals
