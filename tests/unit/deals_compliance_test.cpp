#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "domain/common/error.hpp"
#include "domain/deals/compliance.hpp"

namespace crmd::deals {
namespace {

std::vector<FieldError> errors_of(std::string_view json) {
  try {
    parse_checklist(boost::json::parse(json), "required_fields");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::validation);
    EXPECT_EQ(e.code(), "validation_failed");
    return e.fields();
  }
  ADD_FAILURE() << json << " was accepted";
  return {};
}

TEST(Checklist, ParsesDealAndCustomFieldsAndWritesThemBack) {
  const auto c = parse_checklist(
      boost::json::parse(R"(["title","value","custom_fields.a1b2_C3","lost_reason"])"), "f");
  EXPECT_EQ(c.fields,
            (std::vector<std::string>{"title", "value", "custom_fields.a1b2_C3", "lost_reason"}));
  EXPECT_EQ(boost::json::value(to_json(c)),
            boost::json::parse(R"(["title","value","custom_fields.a1b2_C3","lost_reason"])"));
}

TEST(Checklist, NamesTheBadItem) {
  auto errors = errors_of(R"(["title","titel",3,"title"])");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "required_fields[1]");
  EXPECT_EQ(errors[1].field, "required_fields[2]");
  EXPECT_EQ(errors[2].field, "required_fields[3]");
  EXPECT_EQ(errors[2].message, "duplicate");
}

TEST(Checklist, RefusesBadCustomKeys) {
  EXPECT_EQ(errors_of(R"(["custom_fields."])")[0].field, "required_fields[0]");
  EXPECT_EQ(errors_of(R"(["custom_fields.a-b"])")[0].field, "required_fields[0]");
  EXPECT_EQ(errors_of(R"(["custom_fields.a.b"])")[0].field, "required_fields[0]");
  EXPECT_EQ(errors_of("[\"custom_fields." + std::string(65, 'k') + "\"]")[0].field,
            "required_fields[0]");
  EXPECT_NO_THROW(
      parse_checklist(boost::json::parse("[\"custom_fields." + std::string(64, 'k') + "\"]"), "f"));
}

TEST(Checklist, RefusesNonArraysAndTooManyFields) {
  EXPECT_EQ(errors_of(R"({"title":true})")[0].field, "required_fields");
  EXPECT_EQ(errors_of("null")[0].field, "required_fields");
  boost::json::array many;
  for (int i = 0; i < 51; ++i) many.emplace_back("custom_fields.k" + std::to_string(i));
  EXPECT_THROW(parse_checklist(many, "f"), Error);
  many.pop_back();
  EXPECT_EQ(parse_checklist(many, "f").fields.size(), 50u);
}

TEST(Checklist, MissingWhenAbsentNullOrBlank) {
  const auto c = parse_checklist(
      boost::json::parse(R"(["title","currency","contact_id","lost_reason","owner_id"])"), "f");
  const auto deal =
      boost::json::parse(R"({"title":"  \t","currency":"USD","contact_id":null,"owner_id":"u1"})")
          .as_object();
  EXPECT_EQ(missing_fields(c, deal),
            (std::vector<std::string>{"title", "contact_id", "lost_reason"}));
}

TEST(Checklist, ZeroIsAValue) {
  const auto c = parse_checklist(boost::json::parse(R"(["value","probability"])"), "f");
  EXPECT_TRUE(
      missing_fields(c, boost::json::parse(R"({"value":"0.00","probability":0})").as_object())
          .empty());
}

TEST(Checklist, CustomFieldsAreLookedUpInTheirObject) {
  const auto c = parse_checklist(
      boost::json::parse(R"(["custom_fields.po","custom_fields.nf","custom_fields.amt",
                             "custom_fields.addr","custom_fields.gone"])"),
      "f");
  const auto deal = boost::json::parse(R"({"po":"top level does not count","custom_fields":{
      "po":"PO-1","nf":" ","amt":{"value":0,"currency":"USD"},"addr":{"value":null}}})")
                        .as_object();
  EXPECT_EQ(
      missing_fields(c, deal),
      (std::vector<std::string>{"custom_fields.nf", "custom_fields.addr", "custom_fields.gone"}));
  const auto without = boost::json::parse(R"({"custom_fields":null})").as_object();
  EXPECT_EQ(missing_fields(c, without).size(), 5u);
}

}  // namespace
}  // namespace crmd::deals
