// Pipelines, their stages, deals and notes as the API shows them, and the
// bodies that make and change them. Money is exact: hundredths of the
// currency's unit ("cents") here, numeric(18,2) in the database, a decimal
// string in JSON.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/fields.hpp"
#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"
#include "domain/deals/compliance.hpp"

namespace crmd::deals {

inline constexpr std::size_t kMaxNameBytes = 255;
inline constexpr std::size_t kMaxTitleBytes = 512;
inline constexpr std::size_t kMaxLostReasonBytes = 2000;
inline constexpr std::size_t kMaxNoteBytes = 100000;
inline constexpr std::size_t kMaxCustomFields = 100;
inline constexpr std::size_t kMaxCustomFieldBytes = 32768;  // the object's JSON
inline constexpr std::array<std::string_view, 3> kStatuses{"open", "won", "lost"};
inline constexpr std::array<std::string_view, 4> kNoteEntities{"deal", "lead", "contact",
                                                               "company"};

struct Pipeline {
  Uuid id;
  std::string name;
  std::int64_t order_nr = 0;
  bool uses_probability = true;
  std::optional<std::int64_t> pipedrive_id;
  Timestamp created_at, updated_at;
};
boost::json::object to_json(const Pipeline& p);
schema::Schema json_schema(std::type_identity<Pipeline>);

struct Stage {
  Uuid id;
  Uuid pipeline_id;
  std::string name;
  std::int64_t order_nr = 0;
  std::optional<std::int64_t> probability;  // 0..100; none: 100
  bool rot_enabled = false;
  std::optional<std::int64_t> days_to_rotten;
  bool order_received = false;
  Checklist required_fields;
  std::optional<std::int64_t> pipedrive_id;
  Timestamp created_at, updated_at;
};
boost::json::object to_json(const Stage& s);
schema::Schema json_schema(std::type_identity<Stage>);

struct Deal {
  Uuid id;
  std::string title;
  std::optional<std::int64_t> value;  // cents
  std::string currency = "USD";
  std::string status = "open";
  Uuid pipeline_id, stage_id;
  std::optional<Uuid> owner_id, company_id, contact_id, lead_id, created_by;
  std::optional<std::int64_t> pipedrive_id, pipedrive_owner_id;
  std::optional<std::chrono::sys_days> expected_close_date;
  std::optional<std::int64_t> probability;
  std::optional<std::string> lost_reason;
  Timestamp add_time, update_time, stage_entered_at;
  std::optional<Timestamp> stage_change_time, won_time, lost_time, close_time, archived_at;
  boost::json::object custom_fields;
  Timestamp created_at, updated_at;
  std::optional<Timestamp> deleted_at;
  bool mirrored() const { return pipedrive_id.has_value(); }
};
boost::json::object to_json(const Deal& d, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Deal>);

// The health flags the read models and a deal's detail show (see
// actors::DealService::health_of).
schema::Schema deal_health_schema();

struct StageVisit {
  Uuid stage_id;
  std::string stage_name;
  Timestamp entered_at;
  std::optional<Timestamp> left_at;
  std::optional<Uuid> entered_by;
};
// seconds_in_stage counts to now while the visit lasts.
boost::json::object to_json(const StageVisit& v, Timestamp now);
schema::Schema json_schema(std::type_identity<StageVisit>);

struct Note {
  Uuid id;
  std::string entity_type;
  Uuid entity_id;
  std::string content, content_text;
  std::optional<Uuid> author_id;
  std::optional<std::int64_t> pipedrive_id;
  Timestamp created_at, updated_at;
};
boost::json::object to_json(const Note& n, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Note>);

// ---- bodies

struct NewPipeline {
  std::string name;
  std::int64_t order_nr = 0;
  bool uses_probability = true;
};
NewPipeline parse_new_pipeline(const boost::json::value& body);
schema::Schema new_pipeline_schema();

struct PipelineChanges {
  std::optional<std::string> name;
  std::optional<std::int64_t> order_nr;
  std::optional<bool> uses_probability;
};
PipelineChanges parse_pipeline_changes(const boost::json::value& body);
schema::Schema pipeline_changes_schema();

struct StageChanges {
  std::optional<std::string> name;
  std::optional<std::int64_t> order_nr;
  Change<std::int64_t> probability, days_to_rotten;
  std::optional<bool> rot_enabled, order_received;
  std::optional<Checklist> required_fields;
  // Whether it changes what Pipedrive owns on a mirrored stage (all but the
  // order_received flag and the checklist, which are crmd's own).
  bool touches_pipedrive() const;
};
struct NewStage {
  Uuid pipeline_id;
  StageChanges fields;  // name required
};
NewStage parse_new_stage(const boost::json::value& body);
StageChanges parse_stage_changes(const boost::json::value& body);
schema::Schema new_stage_schema();
schema::Schema stage_changes_schema();
// The stage with the changes applied.
Stage apply(Stage stage, const StageChanges& changes);

// What a deal's writer may set. In a PATCH an absent member leaves the deal
// as it is; in a POST it takes its default.
struct DealChanges {
  std::optional<std::string> title, currency, status;
  Change<std::int64_t> value, probability;
  std::optional<Uuid> pipeline_id, stage_id;
  Change<Uuid> owner_id, company_id, contact_id;
  Change<std::chrono::sys_days> expected_close_date;
  Change<std::string> lost_reason;
  // Merged into the deal's (RFC 7396: a null member removes its key).
  std::optional<boost::json::object> custom_fields;
  bool empty() const;
};
// POST: title required.
DealChanges parse_new_deal(const boost::json::value& body);
DealChanges parse_deal_changes(const boost::json::value& body);
schema::Schema new_deal_schema();
schema::Schema deal_changes_schema();

// The deal with the changes applied (stage and pipeline as given: the caller
// checks they agree). Won and lost set their times, reopening clears them;
// a new stage sets stage_change_time and stage_entered_at to now.
Deal apply(Deal deal, const DealChanges& changes, Timestamp now);
// The fields of a deal the changes touch, for the audit row.
std::vector<std::string> changed_fields(const Deal& before, const Deal& after);

// A note's body: {"content": "..."} (HTML allowed; shown as text).
std::string parse_new_note(const boost::json::value& body);
schema::Schema new_note_schema();

}  // namespace crmd::deals
