// GET of a record carries its version as ETag; a PATCH or PUT with If-Match
// naming another version answers 412 and changes nothing.
#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class VersionsTest : public test::ApiTest {
 protected:
  void check(const std::string& path, const std::string& field) {
    SCOPED_TRACE(path);
    auto read = send("GET", path);
    ASSERT_EQ(read.result_int(), 200) << read.body();
    const std::string first(read[beast_http::field::etag]);
    ASSERT_FALSE(first.empty());

    auto current =
        send("PATCH", path, R"({")" + field + R"(":"One"})", "If-Match: " + first + "\r\n");
    ASSERT_EQ(current.result_int(), 200) << current.body();
    const std::string second(current[beast_http::field::etag]);
    EXPECT_NE(second, first);

    auto stale =
        send("PATCH", path, R"({")" + field + R"(":"Two"})", "If-Match: " + first + "\r\n");
    EXPECT_EQ(stale.result_int(), 412) << stale.body();
    EXPECT_EQ(json_of(stale).at("error_code"), "precondition_failed");
    EXPECT_EQ(json_of(send("GET", path)).at(field), "One");  // nothing changed

    EXPECT_EQ(send("PATCH", path, R"({")" + field + R"(":"Three"})",
                   "If-Match: \"0\", " + second + "\r\n")
                  .result_int(),
              200);
    EXPECT_EQ(send("PATCH", path, R"({")" + field + R"(":"Four"})").result_int(), 200);
  }
};

TEST_F(VersionsTest, ContactsCompaniesAndLeadsRefuseStaleWrites) {
  check("/api/v2/contacts/" + create_at("/api/v2/contacts", {{"first_name", "V"}}), "first_name");
  check("/api/v2/companies/" + create_at("/api/v2/companies", {{"name", test::unique_name("V")}}),
        "industry");
  check("/api/v2/leads/" + create_at("/api/v2/leads", {{"title", "V"}}), "title");
}

}  // namespace
}  // namespace crmd::http
