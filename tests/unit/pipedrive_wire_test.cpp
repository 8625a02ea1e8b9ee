// Pipedrive's JSON to plain structs (storage/pipedrive/wire.hpp): v1 and v2
// shapes through the same readers, malformed items, and both paginations.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/common/error.hpp"
#include "storage/pipedrive/wire.hpp"

namespace crmd::pipedrive {
namespace {

namespace json = boost::json;
using namespace std::chrono;

json::object object(std::string_view text) {
  return json::parse(text).as_object();
}

Timestamp utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  return sys_days(year(y) / mo / d) + hours(h) + minutes(mi) + seconds(s) + milliseconds(ms);
}

// The code of the Error f throws, and its field.
template <class F>
std::pair<std::string, std::string> failure_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.fields().empty() ? "" : e.fields().front().field};
  }
  return {"", ""};
}

const char* const custom_key = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

TEST(PipedriveWireTest, TimesInBothForms) {
  EXPECT_EQ(parse_time(json::value("2024-01-01 00:00:00")), utc(2024, 1, 1));
  EXPECT_EQ(parse_time(json::value("2024-03-05 14:07:09")), utc(2024, 3, 5, 14, 7, 9));
  EXPECT_EQ(parse_time(json::value("2024-01-01T00:00:00Z")), utc(2024, 1, 1));
  EXPECT_EQ(parse_time(json::value("2024-01-01T00:00:00.000Z")), utc(2024, 1, 1));
  EXPECT_EQ(parse_time(json::value("2024-01-01T10:20:30.250Z")), utc(2024, 1, 1, 10, 20, 30, 250));
  EXPECT_EQ(parse_time(json::value("2024-01-01T02:00:00+02:00")), utc(2024, 1, 1));
  // A v1 naive time and the same moment in v2 are the same Timestamp.
  EXPECT_EQ(parse_time(json::value("2025-06-30 23:59:59")),
            parse_time(json::value("2025-06-30T23:59:59.000Z")));
  EXPECT_FALSE(parse_time(json::value(nullptr)));
  EXPECT_FALSE(parse_time(json::value("")));
  EXPECT_FALSE(parse_time(json::value("yesterday")));
  EXPECT_FALSE(parse_time(json::value("2024-13-01 00:00:00")));
  EXPECT_FALSE(parse_time(json::value(1704067200)));
}

TEST(PipedriveWireTest, IdsPlainOrNested) {
  const json::value plain = 7;
  const json::value nested_user =
      json::parse(R"({"id": 7, "name": "Ann", "email": "ann@example.com",
                                                  "has_pic": 0, "active_flag": true, "value": 7})");
  const json::value nested_person = json::parse(R"({"value": 12, "name": "Bob", "email": []})");
  const json::value none = json::parse(R"({"value": null, "name": ""})");
  const json::value null = nullptr;
  EXPECT_EQ(id_of(&plain), 7);
  EXPECT_EQ(id_of(&nested_user), 7);
  EXPECT_EQ(id_of(&nested_person), 12);
  EXPECT_FALSE(id_of(&none));
  EXPECT_FALSE(id_of(&null));
  EXPECT_FALSE(id_of(nullptr));
}

TEST(PipedriveWireTest, AV1AndAV2DealReadTheSame) {
  const Deal v2 = deal_of(object(R"({
    "id": 101, "title": "Solar roof", "owner_id": 7, "person_id": 12, "org_id": 3,
    "pipeline_id": 1, "stage_id": 4, "value": 12500.5, "currency": "EUR", "status": "open",
    "is_deleted": false, "is_archived": false, "probability": 60, "lost_reason": null,
    "add_time": "2024-01-01T00:00:00.000Z", "update_time": "2024-02-03T04:05:06Z",
    "stage_change_time": null, "close_time": null, "won_time": null, "lost_time": null,
    "expected_close_date": "2024-03-31", "label_ids": [1],
    "custom_fields": {")" + std::string(custom_key) +
                                 R"(": "Order 17"}})"));
  const Deal v1 = deal_of(object(R"({
    "id": 101, "title": "Solar roof",
    "user_id": {"id": 7, "name": "Ann", "email": "ann@example.com", "has_pic": 0, "value": 7},
    "person_id": {"active_flag": true, "name": "Bob", "email": [{"value": "bob@example.com"}], "value": 12},
    "org_id": {"name": "Acme", "people_count": 1, "owner_id": 7, "value": 3},
    "pipeline_id": 1, "stage_id": 4, "value": 12500.5, "currency": "EUR", "status": "open",
    "active": true, "deleted": false, "probability": 60, "lost_reason": null,
    "add_time": "2024-01-01 00:00:00", "update_time": "2024-02-03 04:05:06",
    "stage_change_time": null, "close_time": null, "won_time": null, "lost_time": null,
    "expected_close_date": "2024-03-31", "weighted_value": 7500.3, "rotten_time": null,
    ")" + std::string(custom_key) +
                                 R"(": "Order 17"})"));
  for (const Deal* deal : {&v2, &v1}) {
    EXPECT_EQ(deal->id, 101);
    EXPECT_EQ(deal->title, "Solar roof");
    EXPECT_EQ(deal->owner_id, 7);
    EXPECT_EQ(deal->person_id, 12);
    EXPECT_EQ(deal->org_id, 3);
    EXPECT_EQ(deal->pipeline_id, 1);
    EXPECT_EQ(deal->stage_id, 4);
    EXPECT_EQ(deal->value, 12500.5);
    EXPECT_EQ(deal->currency, "EUR");
    EXPECT_EQ(deal->status, "open");
    EXPECT_FALSE(deal->deleted);
    EXPECT_FALSE(deal->archived);
    EXPECT_EQ(deal->probability, 60);
    EXPECT_FALSE(deal->lost_reason);
    EXPECT_EQ(deal->add_time, utc(2024, 1, 1));
    EXPECT_EQ(deal->update_time, utc(2024, 2, 3, 4, 5, 6));
    EXPECT_FALSE(deal->stage_change_time);
    EXPECT_EQ(deal->expected_close_date, "2024-03-31");
    ASSERT_EQ(deal->custom_fields.size(), 1u);
    EXPECT_EQ(deal->custom_fields.at(custom_key), "Order 17");
  }
}

TEST(PipedriveWireTest, ADealsDefaultsAndNulls) {
  const Deal deal = deal_of(object(R"({"id": 5, "value": null, "probability": null,
                                       "owner_id": null, "person_id": null, "org_id": null,
                                       "expected_close_date": null})"));
  EXPECT_EQ(deal.id, 5);
  EXPECT_EQ(deal.title, "");
  EXPECT_FALSE(deal.value);
  EXPECT_FALSE(deal.probability);
  EXPECT_FALSE(deal.owner_id);
  EXPECT_FALSE(deal.person_id);
  EXPECT_FALSE(deal.expected_close_date);
  EXPECT_FALSE(deal.deleted);
  EXPECT_TRUE(deal.custom_fields.empty());
  // probability 0 stays 0 (not "none").
  EXPECT_EQ(deal_of(object(R"({"id": 6, "probability": 0})")).probability, 0);
  // A v1 deal with no owner writes user_id: null, a person {"value": null}.
  const Deal v1 = deal_of(object(R"({"id": 7, "user_id": null, "person_id": {"value": null}})"));
  EXPECT_FALSE(v1.owner_id);
  EXPECT_FALSE(v1.person_id);
}

TEST(PipedriveWireTest, DeletedAndArchivedDeals) {
  EXPECT_TRUE(deal_of(object(R"({"id": 1, "status": "deleted"})")).deleted);
  EXPECT_TRUE(deal_of(object(R"({"id": 1, "status": "lost", "is_deleted": true})")).deleted);
  EXPECT_TRUE(
      deal_of(object(R"({"id": 1, "status": "open", "deleted": true, "active": false})")).deleted);
  EXPECT_TRUE(deal_of(object(R"({"id": 1, "active_flag": false})")).deleted);
  EXPECT_FALSE(
      deal_of(object(R"({"id": 1, "status": "won", "deleted": false, "active": true})")).deleted);
  const Deal archived = deal_of(object(
      R"({"id": 2, "status": "won", "is_archived": true, "archive_time": "2025-07-20T08:00:00Z"})"));
  EXPECT_TRUE(archived.archived);
  EXPECT_FALSE(archived.deleted);
  EXPECT_EQ(archived.archive_time, utc(2025, 7, 20, 8));
}

TEST(PipedriveWireTest, StagesInV1AndV2FieldNames) {
  const Stage v2 = stage_of(object(R"({"id": 4, "pipeline_id": 1, "name": "Proposal", "order_nr": 3,
      "deal_probability": 60, "is_deal_rot_enabled": true, "days_to_rotten": 14, "is_deleted": false,
      "add_time": "2024-01-01T00:00:00Z", "update_time": "2024-01-02T00:00:00Z"})"));
  const Stage v1 = stage_of(object(R"({"id": 4, "pipeline_id": 1, "name": "Proposal", "order_nr": 3,
      "deal_probability": 60, "rotten_flag": true, "rotten_days": 14, "active_flag": true,
      "add_time": "2024-01-01 00:00:00", "update_time": "2024-01-02 00:00:00",
      "pipeline_name": "Sales", "pipeline_deal_probability": true})"));
  for (const Stage* stage : {&v2, &v1}) {
    EXPECT_EQ(stage->id, 4);
    EXPECT_EQ(stage->pipeline_id, 1);
    EXPECT_EQ(stage->name, "Proposal");
    EXPECT_EQ(stage->order_nr, 3);
    EXPECT_EQ(stage->deal_probability, 60);
    EXPECT_TRUE(stage->rot_enabled);
    EXPECT_EQ(stage->days_to_rotten, 14);
    EXPECT_FALSE(stage->deleted);
    EXPECT_EQ(stage->update_time, utc(2024, 1, 2));
  }
  const Stage off = stage_of(object(
      R"({"id": 5, "pipeline_id": 1, "rotten_flag": 0, "rotten_days": null, "active_flag": false})"));
  EXPECT_FALSE(off.rot_enabled);
  EXPECT_FALSE(off.days_to_rotten);
  EXPECT_TRUE(off.deleted);
  EXPECT_FALSE(off.deal_probability);
}

TEST(PipedriveWireTest, PipelineFlags) {
  const Pipeline v2 = pipeline_of(object(R"({"id": 1, "name": "Sales", "order_nr": 2,
      "is_deal_probability_enabled": false, "is_deleted": true,
      "update_time": "2024-05-01T10:00:00Z"})"));
  EXPECT_FALSE(v2.deal_probability);
  EXPECT_TRUE(v2.deleted);
  EXPECT_EQ(v2.order_nr, 2);
  EXPECT_EQ(v2.update_time, utc(2024, 5, 1, 10));
  const Pipeline v1 =
      pipeline_of(object(R"({"id": 1, "name": "Sales", "deal_probability": 0, "active": true})"));
  EXPECT_FALSE(v1.deal_probability);
  EXPECT_FALSE(v1.deleted);
  const Pipeline v1_gone =
      pipeline_of(object(R"({"id": 2, "name": "Old", "deal_probability": true, "active": false})"));
  EXPECT_TRUE(v1_gone.deal_probability);
  EXPECT_TRUE(v1_gone.deleted);
  EXPECT_TRUE(pipeline_of(object(R"({"id": 3})")).deal_probability);  // Pipedrive's default
}

TEST(PipedriveWireTest, PersonsOrganizationsUsersNotes) {
  const Person v2 = person_of(object(R"({"id": 12, "name": "Bob", "owner_id": 7, "org_id": 3,
      "emails": [{"value": "b2@example.com", "primary": false, "label": "home"},
                 {"value": "bob@example.com", "primary": true, "label": "work"}],
      "phones": [{"value": "+49 30 1234", "primary": true, "label": "work"}],
      "is_deleted": false, "update_time": "2024-01-01T00:00:00Z"})"));
  EXPECT_EQ(v2.emails, (std::vector<std::string>{"bob@example.com", "b2@example.com"}));
  EXPECT_EQ(v2.phones, std::vector<std::string>{"+49 30 1234"});
  EXPECT_EQ(v2.org_id, 3);
  EXPECT_EQ(v2.owner_id, 7);
  const Person v1 = person_of(object(R"({"id": 12, "name": "Bob",
      "owner_id": {"id": 7, "name": "Ann", "value": 7}, "org_id": {"name": "Acme", "value": 3},
      "email": [{"value": "bob@example.com", "primary": true}], "phone": [{"value": "", "primary": true}],
      "active_flag": false})"));
  EXPECT_EQ(v1.emails, std::vector<std::string>{"bob@example.com"});
  EXPECT_TRUE(v1.phones.empty());
  EXPECT_EQ(v1.org_id, 3);
  EXPECT_EQ(v1.owner_id, 7);
  EXPECT_TRUE(v1.deleted);

  const Organization org = organization_of(object(
      R"({"id": 3, "name": "Acme", "owner_id": {"id": 7, "value": 7}, "website": "https://acme.example"})"));
  EXPECT_EQ(org.owner_id, 7);
  EXPECT_EQ(org.website, "https://acme.example");

  const User user = user_of(object(R"({"id": 7, "name": "Ann", "email": "ann@example.com",
      "active_flag": false, "access": [{"app": "sales", "admin": true}], "is_admin": 1})"));
  EXPECT_EQ(user.id, 7);
  EXPECT_EQ(user.email, "ann@example.com");
  EXPECT_FALSE(user.active);

  const Note note = note_of(object(R"({"id": 55, "content": "<p>Called</p>", "deal_id": 101,
      "person_id": null, "org_id": 3, "user_id": 7, "add_time": "2024-01-01 10:00:00",
      "update_time": "2024-01-02 11:00:00", "active_flag": true,
      "deal": {"title": "Solar roof"}, "user": {"name": "Ann"}})"));
  EXPECT_EQ(note.content, "<p>Called</p>");
  EXPECT_EQ(note.deal_id, 101);
  EXPECT_FALSE(note.person_id);
  EXPECT_EQ(note.org_id, 3);
  EXPECT_EQ(note.user_id, 7);
  EXPECT_EQ(note.update_time, utc(2024, 1, 2, 11));
  EXPECT_TRUE(note.active);
}

TEST(PipedriveWireTest, AMalformedItemNamesItselfAndItsField) {
  EXPECT_EQ(failure_of([] { deal_of(object(R"({"title": "no id"})")); }),
            (std::pair<std::string, std::string>{"pipedrive_malformed", "id"}));
  EXPECT_EQ(failure_of([] { deal_of(object(R"({"id": "12"})")); }).second, "id");
  EXPECT_EQ(failure_of([] { deal_of(object(R"({"id": 12, "stage_id": "four"})")); }).second,
            "stage_id");
  EXPECT_EQ(failure_of([] { deal_of(object(R"({"id": 12, "value": "100"})")); }).second, "value");
  EXPECT_EQ(failure_of([] { deal_of(object(R"({"id": 12, "update_time": "soon"})")); }).second,
            "update_time");
  EXPECT_EQ(failure_of([] {
              deal_of(object(R"({"id": 12, "expected_close_date": "31/03/2024"})"));
            }).second,
            "expected_close_date");
  EXPECT_EQ(failure_of([] { deal_of(object(R"({"id": 12, "owner_id": "Ann"})")); }).second,
            "owner_id");
  EXPECT_EQ(
      failure_of([] { stage_of(object(R"({"id": 4, "is_deal_rot_enabled": "yes"})")); }).second,
      "is_deal_rot_enabled");
  try {
    deal_of(object(R"({"id": 12, "stage_id": "four"})"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.detail(), "deal 12: stage_id: not an integer");
  }
}

TEST(PipedriveWireTest, APageSkipsABadItemAndSaysWhy) {
  const auto page = parse_page<Deal>(R"({"success": true, "data": [
      {"id": 1, "title": "Good", "update_time": "2024-01-01T00:00:00Z"},
      {"id": 2, "title": "Bad", "stage_id": "four"},
      {"title": "No id"},
      "not an object",
      {"id": 5, "title": "Also good"}],
      "additional_data": {"next_cursor": "eyJpZCI6NX0"}})");
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, 1);
  EXPECT_EQ(page.items[1].id, 5);
  ASSERT_EQ(page.problems.size(), 3u);
  EXPECT_EQ(page.problems[0], "deal 2: stage_id: not an integer");
  EXPECT_EQ(page.problems[1], "item 2: deal: id: missing");
  EXPECT_EQ(page.problems[2], "item 3: not an object");
  EXPECT_EQ(page.next_cursor, "eyJpZCI6NX0");
  EXPECT_TRUE(page.more());
  // The id listing keeps a deal whose other fields are malformed.
  const auto ids =
      parse_id_page(R"({"success": true, "data": [{"id": 1}, {"id": 2, "stage_id": "x"},
      {"title": "none"}], "additional_data": {"next_cursor": null}})");
  EXPECT_EQ(ids.items, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(ids.problems.size(), 1u);
  EXPECT_FALSE(ids.more());
}

TEST(PipedriveWireTest, TheLastV2PageHasANullOrNoCursor) {
  const auto null_cursor = parse_page<Pipeline>(
      R"({"success": true, "data": [{"id": 1, "name": "Sales"}], "additional_data": {"next_cursor": null}})");
  EXPECT_EQ(null_cursor.items.size(), 1u);
  EXPECT_FALSE(null_cursor.next_cursor);
  EXPECT_FALSE(null_cursor.more());
  const auto absent = parse_page<Pipeline>(
      R"({"success": true, "data": [{"id": 1, "name": "Sales"}], "additional_data": {}})");
  EXPECT_FALSE(absent.next_cursor);
  const auto no_additional = parse_page<Pipeline>(R"({"success": true, "data": []})");
  EXPECT_FALSE(no_additional.more());
  EXPECT_TRUE(no_additional.items.empty());
  EXPECT_EQ(failure_of([] {
              parse_page<Pipeline>(
                  R"({"success": true, "data": [], "additional_data": {"next_cursor": 5}})");
            }).first,
            "pipedrive_malformed");
}

TEST(PipedriveWireTest, V1Pagination) {
  const auto more = parse_page<Note>(R"({"success": true,
      "data": [{"id": 1, "content": "a"}, {"id": 2, "content": "b"}],
      "additional_data": {"pagination": {"start": 0, "limit": 2, "more_items_in_collection": true,
                                         "next_start": 2}}})");
  EXPECT_EQ(more.items.size(), 2u);
  EXPECT_EQ(more.next_start, 2);
  EXPECT_FALSE(more.next_cursor);
  const auto last = parse_page<Note>(R"({"success": true, "data": [{"id": 3, "content": "c"}],
      "additional_data": {"pagination": {"start": 2, "limit": 2, "more_items_in_collection": false}}})");
  EXPECT_FALSE(last.next_start);
  EXPECT_FALSE(last.more());
  // v1 writes data: null when there is nothing.
  const auto empty = parse_page<Note>(R"({"success": true, "data": null,
      "additional_data": {"pagination": {"start": 0, "limit": 100, "more_items_in_collection": false}}})");
  EXPECT_TRUE(empty.items.empty());
  EXPECT_FALSE(empty.more());
}

TEST(PipedriveWireTest, ErrorEnvelopes) {
  const std::string body = R"({"success": false, "error": "unauthorized access", "errorCode": 401,
                               "error_info": "Please check developers.pipedrive.com",
                               "data": null, "additional_data": null})";
  const auto error = api_error_of(body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error, "unauthorized access");
  EXPECT_EQ(error->error_info, "Please check developers.pipedrive.com");
  EXPECT_EQ(error->code, "401");
  const auto coded = api_error_of(
      R"({"success": false, "error": "Validation failed", "code": "ERR_SCHEMA_VALIDATION_FAILED"})");
  ASSERT_TRUE(coded);
  EXPECT_EQ(coded->code, "ERR_SCHEMA_VALIDATION_FAILED");
  EXPECT_FALSE(api_error_of(R"({"success": true, "data": []})"));
  EXPECT_FALSE(api_error_of("<html>Bad gateway</html>"));
  EXPECT_EQ(failure_of([&] { parse_page<Deal>(body); }).first, "pipedrive_error");
  EXPECT_EQ(failure_of([] { parse_page<Deal>("<html>"); }).first, "pipedrive_malformed");
  EXPECT_EQ(failure_of([] { parse_page<Deal>(R"({"success": true, "data": {"id": 1}})"); }).first,
            "pipedrive_malformed");
}

TEST(PipedriveWireTest, ASingleDeal) {
  const Deal deal = parse_single<Deal>(
      R"({"success": true, "data": {"id": 9, "title": "Patched", "stage_id": 3}, "additional_data": null})");
  EXPECT_EQ(deal.id, 9);
  EXPECT_EQ(deal.stage_id, 3);
  EXPECT_EQ(failure_of([] { parse_single<Deal>(R"({"success": true, "data": null})"); }).first,
            "pipedrive_malformed");
}

TEST(PipedriveWireTest, CustomFieldKeysAndDates) {
  EXPECT_TRUE(is_custom_field_key(custom_key));
  EXPECT_FALSE(is_custom_field_key("title"));
  EXPECT_FALSE(is_custom_field_key("A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"));
  EXPECT_FALSE(is_custom_field_key("a1b2c3d4e5f60718293a4b5c6d7e8f901234567"));
  EXPECT_TRUE(is_date("2024-02-29"));
  EXPECT_FALSE(is_date("2023-02-29"));
  EXPECT_FALSE(is_date("2024-2-29"));
}

}  // namespace
}  // namespace crmd::pipedrive
