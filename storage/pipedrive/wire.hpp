// Pipedrive's JSON as plain structs: pure translation, no I/O. Tolerant of
// both API generations, since the gateway reads v2 for pipelines, stages,
// deals, persons and organizations and v1 for users and notes (and a v1
// shape may still come back from an older account or a proxy):
//
// - times: v1 "YYYY-MM-DD HH:MM:SS" (naive, UTC) and v2 RFC 3339, with or
//   without a fraction;
// - ids: a plain integer (v2 owner_id: 7) or v1's nested object
//   ({"id": 7, "name": ..., "value": 7}; {"value": 12, "name": ...});
// - renamed fields: v1 user_id / v2 owner_id, v1 rotten_flag / v2
//   is_deal_rot_enabled, v1 deleted, active_flag, active / v2 is_deleted...
//
// A field that is absent or null reads as its default; a field that is
// present with the wrong type is an Error naming the item and the field.
// In a page such an item is skipped and described in Page::problems (the
// rest of the page is kept); the envelope itself failing to read is an Error.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/time.hpp"

namespace crmd::pipedrive {

struct User {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> email;
  bool active = true;  // v1 active_flag
};

struct Pipeline {
  std::int64_t id = 0;
  std::string name;
  int order_nr = 0;
  bool deal_probability = true;  // v2 is_deal_probability_enabled, v1 deal_probability
  bool deleted = false;          // v2 is_deleted, v1 active == false
  std::optional<Timestamp> add_time, update_time;
};

struct Stage {
  std::int64_t id = 0;
  std::int64_t pipeline_id = 0;
  std::string name;
  int order_nr = 0;
  std::optional<int> deal_probability;  // percent
  bool rot_enabled = false;             // v2 is_deal_rot_enabled, v1 rotten_flag
  std::optional<int> days_to_rotten;    // v2 days_to_rotten, v1 rotten_days
  bool deleted = false;                 // v2 is_deleted, v1 active_flag == false
  std::optional<Timestamp> add_time, update_time;
};

struct Organization {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> website;
  std::optional<std::int64_t> owner_id;
  bool deleted = false;
  std::optional<Timestamp> add_time, update_time;
};

struct Person {
  std::int64_t id = 0;
  std::string name;
  std::vector<std::string> emails;  // v2 emails[].value, v1 email[].value; primary first
  std::vector<std::string> phones;  // v2 phones[].value, v1 phone[].value; primary first
  std::optional<std::int64_t> org_id, owner_id;
  bool deleted = false;
  std::optional<Timestamp> add_time, update_time;
};

struct Deal {
  std::int64_t id = 0;
  std::string title;
  std::optional<std::int64_t> owner_id, person_id, org_id;  // owner: v2 owner_id, v1 user_id
  std::int64_t pipeline_id = 0, stage_id = 0;
  std::optional<double> value;
  std::string currency;
  std::string status;  // open|won|lost|deleted, as Pipedrive wrote it
  // status "deleted", v2 is_deleted, v1 deleted (else v1 active_flag/active false).
  bool deleted = false;
  bool archived = false;  // is_archived
  std::optional<int> probability;
  std::optional<std::string> lost_reason;
  std::optional<Timestamp> add_time, update_time, stage_change_time, close_time, won_time,
      lost_time, archive_time;
  std::optional<std::string> expected_close_date;  // YYYY-MM-DD
  // v2 custom_fields, plus v1's top-level 40-hex-character keys.
  boost::json::object custom_fields;
};

struct Note {
  std::int64_t id = 0;
  std::string content;  // HTML, as Pipedrive keeps it
  std::optional<std::int64_t> deal_id, person_id, org_id, user_id;
  std::optional<Timestamp> add_time, update_time;
  bool active = true;  // active_flag
};

template <class T>
struct Page {
  std::vector<T> items;
  // v2: additional_data.next_cursor; null, "" or absent on the last page.
  std::optional<std::string> next_cursor;
  // v1: additional_data.pagination.next_start while more_items_in_collection.
  std::optional<std::int64_t> next_start;
  // One line per item that could not be read and was left out
  // ("deal 12: stage_id: not an integer", "item 3: id: missing").
  std::vector<std::string> problems;

  // True when a further page exists (either kind of pagination).
  bool more() const { return next_cursor.has_value() || next_start.has_value(); }
};

// A failed answer's envelope: {success: false, error, error_info, code?}.
struct ApiError {
  std::string error, error_info;
  std::optional<std::string> code;  // errorCode or code, as text, when given
};

// --- pieces ----------------------------------------------------------------

// v1 naive "YYYY-MM-DD HH:MM:SS" (UTC) or RFC 3339 with or without a
// fraction. null, "" and anything not a time string: nullopt.
std::optional<Timestamp> parse_time(const boost::json::value& value);
std::optional<Timestamp> parse_time(std::string_view text);
// An id as an integer, or v1's nested {"value": n} / {"id": n}; null,
// absent or anything else: nullopt.
std::optional<std::int64_t> id_of(const boost::json::value* value);
// A custom-field key: 40 lower-case hex characters.
bool is_custom_field_key(std::string_view key);
// "2026-05-31" (a valid date, exactly that form).
bool is_date(std::string_view text);

// --- items -----------------------------------------------------------------
// Each throws Error(unavailable, "pipedrive_malformed", "<kind> <id>: <field>:
// <what>") with the field in Error::fields() when the item cannot be read.
User user_of(const boost::json::object& item);
Pipeline pipeline_of(const boost::json::object& item);
Stage stage_of(const boost::json::object& item);
Organization organization_of(const boost::json::object& item);
Person person_of(const boost::json::object& item);
Deal deal_of(const boost::json::object& item);
Note note_of(const boost::json::object& item);

// The reader of T's items (user_of for User, ...), for generic code.
template <class T>
T item_of(const boost::json::object& item);
template <>
User item_of<User>(const boost::json::object& item);
template <>
Pipeline item_of<Pipeline>(const boost::json::object& item);
template <>
Stage item_of<Stage>(const boost::json::object& item);
template <>
Organization item_of<Organization>(const boost::json::object& item);
template <>
Person item_of<Person>(const boost::json::object& item);
template <>
Deal item_of<Deal>(const boost::json::object& item);
template <>
Note item_of<Note>(const boost::json::object& item);

// --- envelopes --------------------------------------------------------------

// The error envelope of body, when it is one (success false or an "error"
// beside no data); nullopt for anything else.
std::optional<ApiError> api_error_of(std::string_view body);

// A list answer: {success, data: [...] | null, additional_data}. Throws
// Error(unavailable, "pipedrive_error") for an error envelope (success
// false) and Error(unavailable, "pipedrive_malformed") for a body that is no
// envelope (not JSON, data not a list, a cursor that is not a string);
// items that cannot be read go to problems. Instantiated for the seven
// item types above.
template <class T>
Page<T> parse_page(std::string_view body);

// A list answer read for the ids of its items only (a full-id listing for
// reconciliation): an item whose other fields are malformed still counts;
// one without a readable id goes to problems.
Page<std::int64_t> parse_id_page(std::string_view body);

// A single-item answer: {success, data: {...}}; errors as parse_page, and an
// unreadable item is an Error too.
template <class T>
T parse_single(std::string_view body);

}  // namespace crmd::pipedrive
