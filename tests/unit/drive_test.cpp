#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "domain/drive/entity.hpp"
#include "domain/drive/item.hpp"
#include "domain/drive/names.hpp"
#include "domain/drive/template.hpp"
#include "domain/imports/multipart.hpp"

namespace crmd::drive {
namespace {

using identity::Role;

TEST(DrivePermissions, FollowTheTableOfTheReadme) {
  for (auto type : kEntityTypes) {
    EXPECT_EQ(permission_of(Role::admin, type, false), Permission::owner);
    EXPECT_EQ(permission_of(Role::manager, type, false), Permission::writer);
    EXPECT_EQ(permission_of(Role::sales, type, true), Permission::writer);
  }
  EXPECT_EQ(permission_of(Role::sales, EntityType::company, false), Permission::reader);
  EXPECT_EQ(permission_of(Role::sales, EntityType::contact, false), Permission::reader);
  EXPECT_EQ(permission_of(Role::sales, EntityType::lead, false), Permission::none);
  EXPECT_EQ(permission_of(Role::sales, EntityType::deal, false), Permission::none);
  EXPECT_TRUE(may_write(Permission::writer));
  EXPECT_FALSE(may_write(Permission::reader));
  EXPECT_FALSE(may_restore(Permission::writer));
  EXPECT_TRUE(may_restore(Permission::owner));
}

TEST(DriveNames, RefuseWhatCannotNameAFolderAndSanitizeRenderedOnes) {
  EXPECT_FALSE(name_problem("Contracts 2026"));
  EXPECT_TRUE(name_problem(""));
  EXPECT_TRUE(name_problem(".."));
  EXPECT_TRUE(name_problem("a/b"));
  EXPECT_TRUE(name_problem("tab\there"));
  EXPECT_TRUE(name_problem(" padded"));
  EXPECT_TRUE(name_problem(std::string(256, 'x')));
  EXPECT_TRUE(name_problem("\xff"));
  EXPECT_EQ(sanitized_name("  Acme / Sons\\Co\n  Ltd "), "Acme - Sons-Co Ltd");
  EXPECT_EQ(sanitized_name("//"), "--");
  EXPECT_EQ(sanitized_name("   "), "Untitled");
  // Cut on a character boundary: 'é' is two bytes.
  std::string long_name(254, 'a');
  long_name += "\xc3\xa9";
  EXPECT_EQ(sanitized_name(long_name), std::string(254, 'a'));
}

TEST(DriveTemplates, RefuseUnknownPlaceholdersNamingTheNode) {
  EXPECT_FALSE(placeholder_problem("{{year}}/{{ month }} {{entity_name}}"));
  EXPECT_NE(placeholder_problem("Q{{quarter}}")->find("{{quarter}}"), std::string::npos);
  EXPECT_TRUE(placeholder_problem("{{year"));
  try {
    parse_template(boost::json::parse(R"({"name":"T","entity_type":"deal","nodes":[
        {"name":"Ok","children":[{"name":"{{nope}}"}]}]})"),
                   true);
    FAIL() << "accepted an unknown placeholder";
  } catch (const Error& e) {
    ASSERT_EQ(e.fields().size(), 1u);
    EXPECT_EQ(e.fields()[0].field, "nodes[0].children[0].name");
  }
  EXPECT_THROW(
      parse_template(boost::json::parse(R"({"name":"T","entity_type":"planet","nodes":[]})"), true),
      Error);
  EXPECT_THROW(parse_template(boost::json::parse(R"({"name":"T","entity_type":"deal"})"), true),
               Error);
  boost::json::array many;
  for (int i = 0; i <= static_cast<int>(kMaxTemplateNodes); ++i)
    many.push_back(boost::json::object{{"name", "n" + std::to_string(i)}});
  EXPECT_THROW(parse_template(boost::json::object{{"nodes", many}}, false), Error);
}

TEST(DriveTemplates, RenderInOrderMergingSiblingsOfOneName) {
  const auto changes = parse_template(boost::json::parse(R"({"nodes":[
      {"name":"{{entity_type}} files","order":2},
      {"name":"Contracts","order":1,"children":[{"name":"{{year}}-{{month}}"}]},
      {"name":"contracts","order":3,"children":[{"name":"Signed"}]}]})"),
                                      false);
  const auto values = placeholder_values(
      EntityType::lead, Uuid::random_v4(), "Acme/Co",
      std::chrono::sys_days{std::chrono::year{2026} / 3 / 9} + std::chrono::hours(1));
  const auto tree = render(*changes.nodes, values);
  ASSERT_EQ(tree.size(), 2u);
  EXPECT_EQ(tree[0].name, "Contracts");
  ASSERT_EQ(tree[0].children.size(), 2u);
  EXPECT_EQ(tree[0].children[0].name, "2026-03");
  EXPECT_EQ(tree[0].children[1].name, "Signed");
  EXPECT_EQ(tree[1].name, "lead files");
  EXPECT_EQ(render_name("{{entity_name}}", values), "Acme-Co");
  // Stored and read back unchanged.
  EXPECT_EQ(nodes_from_json(nodes_to_json(*changes.nodes)).size(), 3u);
}

TEST(DriveItems, MimeTypesAndMultipartFileNames) {
  EXPECT_EQ(storable_mime_type("Text/Plain; charset=utf-8"), "text/plain; charset=utf-8");
  EXPECT_FALSE(storable_mime_type("text"));
  EXPECT_FALSE(storable_mime_type("text/pl ain"));
  EXPECT_FALSE(storable_mime_type("text/plain\r\nX-Evil: 1"));
  const auto part = imports::read_part_headers(
      "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".pdf\"\r\n"
      "Content-Type: application/pdf");
  EXPECT_EQ(part.filename, "a \"b\".pdf");
  EXPECT_EQ(part.content_type, "application/pdf");
  EXPECT_EQ(
      imports::read_part_headers("Content-Disposition: attachment; filename=plain.txt").filename,
      "plain.txt");
}

}  // namespace
}  // namespace crmd::drive
