#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "domain/leads/lead.hpp"
#include "domain/leads/scoring.hpp"

namespace crmd::leads {
namespace {

PriorityInputs base() {
  PriorityInputs in;
  in.status = "NEW";
  in.origin = "WEBSITE";
  in.age_days = 10;
  in.days_since_interaction = 1;
  return in;
}

TEST(LeadPriority, SumsStatusOriginRecencyEngagementAndTags) {
  auto in = base();
  EXPECT_EQ(priority_score(in), 20 + 15 + 20);
  in.engagement = 50;
  EXPECT_EQ(priority_score(in), 20 + 15 + 20 + 10);
  in.tags = {"HOT", "vip"};
  EXPECT_EQ(priority_score(in), 20 + 15 + 20 + 10 + 15 + 10);
  in.tags = {"cold"};
  EXPECT_EQ(priority_score(in), 20 + 15 + 20 + 10 - 10);
}

TEST(LeadPriority, RecencyDecaysAndFreshLeadsGetABonus) {
  auto in = base();
  in.days_since_interaction = 5;
  EXPECT_EQ(priority_score(in), 20 + 15 + 15);
  in.days_since_interaction = 20;
  EXPECT_EQ(priority_score(in), 20 + 15 + 8);
  in.days_since_interaction = 90;
  EXPECT_EQ(priority_score(in), 20 + 15);
  in.days_since_interaction.reset();
  EXPECT_EQ(priority_score(in), 20 + 15 + 5);
  in.age_days = 1;
  EXPECT_EQ(priority_score(in), 20 + 15 + 15 + 5);
}

TEST(LeadPriority, StaysWithin0And100AndLostOrDisqualifiedIsZero) {
  PriorityInputs in{"QUALIFIED", "REFERRAL", 0, 0, 100, {"hot", "vip"}, false};
  EXPECT_EQ(priority_score(in), 100);
  in.disqualified = true;
  EXPECT_EQ(priority_score(in), 0);
  in = base();
  in.status = "LOST";
  EXPECT_EQ(priority_score(in), 0);
  PriorityInputs low{"", "", 400, 400, 0, {"cold"}, false};
  EXPECT_EQ(priority_score(low), 5);
}

TEST(LeadEngagement, CountsEmailsEventsAndOthersWithCapsAndRecency) {
  EXPECT_EQ(engagement_score({}), 0);
  EXPECT_EQ(engagement_score({2, 1, 4, std::nullopt}), 8 + 10 + 2);
  EXPECT_EQ(engagement_score({2, 1, 4, 3.0}), 8 + 10 + 2 + 20);
  EXPECT_EQ(engagement_score({2, 1, 4, 10.0}), 8 + 10 + 2 + 10);
  EXPECT_EQ(engagement_score({100, 100, 300, 1.0}), 100);
}

TEST(LeadFields, TitleIsRequiredOnCreateAndOwnerOnlyForManagers) {
  EXPECT_THROW(parse_lead(boost::json::object{{"trade_name", "x"}}, true, false), Error);
  EXPECT_THROW(parse_lead(boost::json::object{{"title", "x"}, {"owner_user_id", "x"}}, true, false),
               Error);
  const boost::json::value body =
      boost::json::object{{"title", " Acme "}, {"address_city", nullptr}};
  auto c = parse_lead(body, false, false);
  EXPECT_EQ(**c.title, "Acme");
  ASSERT_TRUE(c.address_city.has_value());
  EXPECT_FALSE(c.address_city->has_value());
  EXPECT_FALSE(c.status.has_value());
}

TEST(LeadFields, OrderingAndDisqualifyReason) {
  EXPECT_EQ(parse_ordering("-priority", kLeadOrderings), (SortOrder{&kLeadOrderings[2], true}));
  EXPECT_EQ(parse_ordering("title", kLeadOrderings)->text(), "title");
  EXPECT_FALSE(parse_ordering("nope", kLeadOrderings));
  EXPECT_THROW(parse_disqualify(boost::json::object{}), Error);
  EXPECT_EQ(parse_disqualify(boost::json::object{{"reason", "no budget"}}), "no budget");
}

}  // namespace
}  // namespace crmd::leads

namespace crmd::leads {
namespace {

boost::json::value parse(const char* text) {
  return boost::json::parse(text);
}

TEST(LeadFields, QualifyTakesACompanyIdOrANewCompanyNotBoth) {
  EXPECT_FALSE(parse_qualify(parse("{}")).company_id);
  const auto id = Uuid::random_v4().str();
  const auto linked = parse_qualify(parse((R"({"company_id":")" + id + R"("})").c_str()));
  EXPECT_EQ(linked.company_id->str(), id);
  const auto created = parse_qualify(parse(R"({"company":{"name":"Acme","city":"Lyon"}})"));
  EXPECT_EQ(created.company->name, "Acme");
  EXPECT_EQ(*created.company->city, "Lyon");
  EXPECT_THROW(parse_qualify(parse(R"({"company":{"city":"Lyon"}})")), Error);
  EXPECT_THROW(
      parse_qualify(parse((R"({"company_id":")" + id + R"(","company":{"name":"A"}})").c_str())),
      Error);
  EXPECT_THROW(parse_qualify(parse(R"({"company":"Acme"})")), Error);
}

TEST(LeadFields, ReferenceCodesAreUpperCaseAndSlaDaysOnlyForStatuses) {
  EXPECT_NO_THROW(parse_reference(parse(R"({"code":"HOT_1","label":"Hot"})"), true, true));
  EXPECT_THROW(parse_reference(parse(R"({"code":"hot","label":"Hot"})"), true, true), Error);
  EXPECT_THROW(parse_reference(parse(R"({"label":"Hot"})"), true, true), Error);
  const auto status = parse_reference(parse(R"({"sla_days":3})"), false, true);
  EXPECT_EQ(**status.sla_days, 3);
  EXPECT_THROW(parse_reference(parse(R"({"sla_days":3})"), false, false), Error);
}

TEST(LeadFields, TagSetsTakeNamesOrIds) {
  EXPECT_EQ(parse_tag_set(parse(R"({"tags":["hot","vip"]})")).names.size(), 2u);
  EXPECT_EQ(parse_tag_set(parse(R"({"tags":[]})")).names.size(), 0u);
  EXPECT_THROW(parse_tag_set(parse(R"({})")), Error);
  EXPECT_THROW(parse_tag_set(parse(R"({"tag_ids":["nope"]})")), Error);
}

}  // namespace
}  // namespace crmd::leads
