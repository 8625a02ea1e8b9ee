#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "domain/events/event.hpp"

namespace crmd::events {
namespace {

TEST(EventTypes, OneNamingSchemeFromTheAuditAction) {
  EXPECT_EQ(event_type_of("contact", "contact_created"), "contact.created");
  EXPECT_EQ(event_type_of("contact", "contact_method_added"), "contact.method_added");
  EXPECT_EQ(event_type_of("lead_status", "lead_status_updated"), "lead_status.updated");
  EXPECT_EQ(event_type_of("lead", "qualify_lead"), "lead.qualified");
  EXPECT_EQ(event_type_of("job", "contacts_imported"), "job.import_completed");
  EXPECT_EQ(event_type_of("user", "sign_in"), std::nullopt);
  EXPECT_EQ(event_type_of("user", "refresh_token_reused"), std::nullopt);
  for (auto type : kEventTypes) EXPECT_TRUE(known_type_filter(type)) << type;
  EXPECT_TRUE(known_type_filter("contact"));
  EXPECT_FALSE(known_type_filter("contact.exploded"));
  EXPECT_FALSE(known_type_filter("cont"));
}

TEST(EventTypes, ChangedFieldsAreTheTopLevelDifferences) {
  const auto before = boost::json::parse(R"({"a":1,"b":{"x":1},"c":"same","gone":true})");
  const auto after = boost::json::parse(R"({"a":2,"b":{"x":2},"c":"same","new":null})");
  EXPECT_EQ(changed_fields(before, after), (std::vector<std::string>{"a", "b", "gone", "new"}));
  EXPECT_EQ(changed_fields(std::nullopt, after), (std::vector<std::string>{"a", "b", "c", "new"}));
  EXPECT_TRUE(changed_fields(before, before).empty());
}

TEST(EventTypes, ADeletionCarriesOnlyTheId) {
  Event deleted{7,
                "contact.deleted",
                "contact",
                "c-1",
                {},
                "user",
                std::nullopt,
                std::nullopt,
                {"deleted_at"},
                boost::json::parse(R"({"id":"c-1","email":"a@b.com"})")};
  const auto json = to_json(deleted);
  EXPECT_EQ(json.at("id"), "7");
  EXPECT_EQ(json.at("data"), boost::json::parse(R"({"id":"c-1"})"));
  deleted.type = "contact.updated";
  EXPECT_EQ(to_json(deleted).at("data").at("email"), "a@b.com");
}

TEST(EventTypes, AudienceFollowsTheRole) {
  identity::Principal admin, manager, sales;
  admin.role = identity::Role::admin;
  manager.role = identity::Role::manager;
  sales.id = Uuid::random_v4();
  EXPECT_TRUE(audience_of(admin).identity);
  EXPECT_FALSE(audience_of(manager).identity);
  EXPECT_FALSE(audience_of(manager).owner);
  EXPECT_EQ(audience_of(sales).owner, sales.id);
}

}  // namespace
}  // namespace crmd::events
