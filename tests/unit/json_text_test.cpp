#include "domain/common/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <string>

#include "domain/common/json_of.hpp"
#include "domain/contacts/company.hpp"
#include "domain/contacts/contact.hpp"
#include "domain/leads/lead.hpp"

namespace crmd {
namespace {

std::string every_escape() {
  std::string text = "quote \" backslash \\ slash / é ∑ 😀";
  for (char c = 0; c < 0x20; ++c) text += c;
  text += '\x7f';
  return text;
}

TEST(JsonText, WritesWhatBoostJsonSerializesForTheSameValues) {
  const auto id = Uuid::parse("0b5a0c1e-6f3e-4d3a-9b1f-2a6f0a7b8c9d").value();
  const Timestamp at = parse_timestamp("2026-12-03T07:08:09.123456Z").value();
  const std::vector<std::string> words{"a", "b\"c", ""};
  const std::optional<std::string> none;

  JsonText text;
  text.begin_object();
  text.member("text", every_escape());
  text.member("empty", "");
  text.member("id", id);
  text.member("at", at);
  text.member("words", words);
  text.member("no_words", std::vector<std::string>{});
  text.member("none", none);
  text.member("some", std::optional<std::string>("x"));
  text.member("negative", std::int64_t{-9223372036854775807 - 1});
  text.member("yes", true);
  text.member("no", false);
  text.key("nested");
  text.begin_array();
  text.begin_object();
  text.end_object();
  text.begin_array();
  text.end_array();
  text.value(boost::json::value({{"k", 1}}));
  text.end_array();
  text.end_object();

  const boost::json::object tree{
      {"text", json_of(every_escape())},
      {"empty", ""},
      {"id", json_of(id)},
      {"at", json_of(at)},
      {"words", json_of(words)},
      {"no_words", boost::json::array()},
      {"none", nullptr},
      {"some", "x"},
      {"negative", std::int64_t{-9223372036854775807 - 1}},
      {"yes", true},
      {"no", false},
      {"nested", {boost::json::object(), boost::json::array(), boost::json::object({{"k", 1}})}}};
  EXPECT_EQ(text.str(), boost::json::serialize(tree));
}

// Every length up to three words and a bit, with the escape at every place:
// in a whole word, or in the few bytes after the last one.
TEST(JsonText, EscapesACharacterAtAnyPlaceOfATextOfAnyLength) {
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f'})
    for (std::size_t length = 1; length <= 27; ++length)
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[(at + 7) % length] = '\xc3';  // a UTF-8 lead byte, not escaped
        text[at] = special;
        JsonText out;
        out.value(text);
        EXPECT_EQ(out.str(), boost::json::serialize(json_of(text))) << length << " " << at;
      }
  for (std::size_t length = 0; length <= 27; ++length) {
    const std::string text(length, '\xc3');
    JsonText out;
    out.value(text);
    EXPECT_EQ(out.str(), '"' + text + '"') << length;
  }
}

TEST(JsonText, AContactsTextIsItsTreeSerialized) {
  contacts::Contact contact;
  contact.id = Uuid::random_v4();
  contact.first_name = "Ada \"the first\"";
  contact.full_name = "Ada";
  contact.title = "VP\nSales";
  contact.departments = {"sales", "c_suite"};
  contact.company_id = Uuid::random_v4();
  contact.created_at = parse_timestamp("2026-01-02T03:04:05Z").value();
  contact.updated_at = parse_timestamp("2026-01-02T03:04:06.5Z").value();
  EXPECT_EQ(JsonText::of(contact).str(), boost::json::serialize(contacts::to_json(contact)));
}

TEST(JsonText, ACompanysAndALeadsTextIsTheirTreeSerialized) {
  contacts::Company company;
  company.id = Uuid::random_v4();
  company.name = "Acme\\Rockets";
  company.employees_min = 10;
  company.technologies = {"postgresql"};
  company.attributes = {{"tier", "gold"}, {"seats", 12}};
  EXPECT_EQ(JsonText::of(company).str(), boost::json::serialize(contacts::to_json(company)));

  leads::Lead lead;
  lead.id = Uuid::random_v4();
  lead.title = "A lead";
  lead.priority_score = 42;
  lead.tags = {"hot", "inbound"};
  lead.sla_breached_at = parse_timestamp("2026-01-02T03:04:05Z").value();
  EXPECT_EQ(JsonText::of(lead).str(), boost::json::serialize(leads::to_json(lead)));
}

}  // namespace
}  // namespace crmd
