// Which statements PostgreSQL plans once and which for each call. A title
// pattern selects anything from one contact in a million to most of them:
// in sort order its search is one prepared statement whose generic plan
// walks the sort index a bounded way and reads the pattern's own index only
// when the walk comes up short; sorted by name (no index to walk) it is
// planned with its values every time. Within a list of companies, or with
// no filter, and in the sales view, the values decide nothing: those stay
// prepared.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "storage/contacts/repository.hpp"
#include "storage/leads/repository.hpp"
#include "support/test_support.hpp"

namespace crmd::storage {
namespace {

class PlanChoiceTest : public ::testing::Test {
 protected:
  PlanChoiceTest() {
    pg::PoolOptions options;
    options.connect.conninfo = test::database_url();
    options.max_size = 1;  // one session: its prepared statements are all of them
    options.min_size = 1;
    pool = std::make_shared<pg::Pool>(io.io(), blocking, options);
    io.run(pool->start());
  }
  ~PlanChoiceTest() override { pool->close(); }

  struct Prepared {
    std::string statement;
    std::int64_t generic = 0, custom = 0;
  };
  std::vector<Prepared> prepared_like(const std::string& pattern) {
    const auto result = io.run(
        pool->read("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                   " WHERE statement LIKE $1",
                   pattern));
    std::vector<Prepared> found;
    for (auto row : result)
      found.push_back(
          {row.get<std::string>(0), row.get<std::int64_t>(1), row.get<std::int64_t>(2)});
    return found;
  }

  // Contacts of one test: a year ahead, so that newest first they come
  // before every other; each newer than those added before.
  void add_contacts(const std::string& title, int count) {
    io.run(pool->query(
        "INSERT INTO contacts (first_name, title, normalized_title, created_at)"
        " SELECT $1, $2, $2, now() + interval '365 days' + make_interval(secs => $3 + n)"
        " FROM generate_series(1, $4::int) n",
        owner, title, static_cast<double>(added), static_cast<std::int64_t>(count)));
    added += count;
  }
  void TearDown() override {
    io.run(pool->query("DELETE FROM contacts WHERE first_name = $1", owner));
  }

  contacts::ContactListQuery newest_titled(const std::string& title) {
    contacts::ContactListQuery query;
    query.titles = {title};
    query.order = {&contacts::kContactOrderings[0], true};
    return query;
  }
  std::vector<std::string> titles_of(const std::vector<Listed<contacts::Contact>>& rows) {
    std::vector<std::string> titles;
    for (const auto& row : rows) titles.push_back(row.item.title.value_or(""));
    return titles;
  }

  // PostgreSQL plans every statement generically while one lives, as it
  // does a prepared one after five calls.
  struct GenericPlans {
    explicit GenericPlans(PlanChoiceTest& test) : test(test) { set("force_generic_plan"); }
    ~GenericPlans() { set("DEFAULT"); }
    void set(const std::string& mode) {
      test.io.run(test.pool->query("SET plan_cache_mode = " + mode));
    }
    PlanChoiceTest& test;
  };

  // How many times the generic plan of the walk read the pattern's own
  // index (the CTE "matched"), run again with these arguments: the patterns
  // and, for a page after the first, its position.
  std::int64_t matched_reads(const std::string& patterns,
                             const std::optional<PagePosition>& after = std::nullopt) {
    const auto name = io.run(pool->read(
        "SELECT name FROM pg_prepared_statements WHERE statement LIKE '%walked AS MATERIALIZED%'"
        " AND cardinality(parameter_types) = " +
        std::to_string(after ? 3 : 1)));
    EXPECT_EQ(name.rows(), 1);
    if (name.rows() != 1) return -1;
    std::string arguments = "'{" + patterns + "}'";
    if (after) arguments += ", '" + after->sort_key + "', '" + after->id.str() + "'";
    const GenericPlans generic(*this);
    const auto plan =
        io.run(pool->read_page("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE " +
                                   name[0].get<std::string>(0) + "(" + arguments + ")",
                               pg::Params{}, pg::Planning::per_call));
    std::int64_t loops = -1;
    const std::function<void(const boost::json::object&)> visit =
        [&](const boost::json::object& node) {
          if (node.contains("CTE Name") && node.at("CTE Name") == "matched" &&
              node.at("Node Type") == "CTE Scan")
            loops = node.at("Actual Loops").as_int64();
          if (node.contains("Plans"))
            for (const auto& child : node.at("Plans").as_array()) visit(child.as_object());
        };
    visit(boost::json::parse(plan[0].get<std::string>(0)).as_array()[0].at("Plan").as_object());
    return loops;
  }

  const std::string owner = "plan-choice-" + Uuid::random_v4().str();
  const std::string token = "walk" + owner.substr(12, 8);
  int added = 0;
  test::IoThreads io;
  boost::asio::thread_pool blocking{1};
  std::shared_ptr<pg::Pool> pool;
};

TEST_F(PlanChoiceTest, ATitleSearchSortedByNameIsPlannedForEachCall) {
  ContactRepository contacts(*pool);
  contacts::ContactListQuery query;
  query.titles = {"CEO"};
  query.order = {&contacts::kContactOrderings[2]};
  for (int i = 0; i < 8; ++i) io.run(contacts.list(query, 25, std::nullopt));
  io.run(contacts.count(query));
  EXPECT_TRUE(prepared_like("%normalized_title LIKE ANY%").empty());
}

TEST_F(PlanChoiceTest, ACommonTitleFillsItsPageFromTheWalkUnderTheGenericPlan) {
  ContactRepository contacts(*pool);
  add_contacts("chief " + token, 30);
  const auto rows = [&] {
    const GenericPlans generic(*this);
    return io.run(contacts.list(newest_titled(token), 10, std::nullopt));
  }();
  EXPECT_EQ(titles_of(rows), std::vector<std::string>(10, "chief " + token));
  EXPECT_EQ(matched_reads("%" + token + "%"), 0);
}

TEST_F(PlanChoiceTest, ARareTitleBeyondTheWalkIsReadThroughItsIndexUnderTheGenericPlan) {
  ContactRepository contacts(*pool);
  add_contacts("rare " + token, 2);
  add_contacts("filler", 2100);
  add_contacts("newest " + token, 1);
  std::vector<Listed<contacts::Contact>> first, next;
  {
    const GenericPlans generic(*this);
    first = io.run(contacts.list(newest_titled(token), 2, std::nullopt));
    ASSERT_EQ(titles_of(first), (std::vector<std::string>{"newest " + token, "rare " + token}));
    next = io.run(
        contacts.list(newest_titled(token), 2, PagePosition{first[1].sort_key, first[1].item.id}));
  }
  EXPECT_EQ(titles_of(next), std::vector<std::string>{"rare " + token});
  EXPECT_EQ(matched_reads("%" + token + "%"), 1);
  EXPECT_EQ(matched_reads("%filler%"), 0);
}

// Oldest first after this test's first contact, only its own few rows
// follow: the walk comes up short of the page but holds every row there is,
// so it answers, and the pattern's index is not read.
TEST_F(PlanChoiceTest, AWalkThatReachesTheLastRowAnswersWithoutTheFallback) {
  ContactRepository contacts(*pool);
  add_contacts("first " + token, 1);
  add_contacts("filler", 5);
  add_contacts("last " + token, 1);
  auto oldest_first = newest_titled(token);
  oldest_first.order.descending = false;
  std::vector<Listed<contacts::Contact>> first, next;
  {
    const GenericPlans generic(*this);
    first = io.run(contacts.list(oldest_first, 1, std::nullopt));
    ASSERT_EQ(titles_of(first), std::vector<std::string>{"first " + token});
  }
  const PagePosition after{first[0].sort_key, first[0].item.id};
  {
    const GenericPlans generic(*this);
    next = io.run(contacts.list(oldest_first, 10, after));
  }
  EXPECT_EQ(titles_of(next), std::vector<std::string>{"last " + token});
  EXPECT_EQ(matched_reads("%" + token + "%", after), 0);
}

TEST_F(PlanChoiceTest, ASearchWithinCompaniesAndAnUnfilteredListArePrepared) {
  ContactRepository contacts(*pool);
  contacts::ContactListQuery query;
  query.titles = {"CEO"};
  query.company_ids = {Uuid::random_v4(), Uuid::random_v4()};
  for (int i = 0; i < 8; ++i) io.run(contacts.list(query, 25, std::nullopt));
  const auto within = prepared_like("%normalized_title LIKE ANY%company_id = ANY%");
  ASSERT_EQ(within.size(), 1u);
  EXPECT_GE(within[0].generic + within[0].custom, 8);

  io.run(contacts.list(contacts::ContactListQuery{}, 25, std::nullopt));
  EXPECT_EQ(prepared_like("%FROM contacts c WHERE deleted_at IS NULL ORDER BY%").size(), 1u);
}

TEST_F(PlanChoiceTest, TheSalesViewKeepsItsPreparedStatement) {
  LeadRepository leads(*pool);
  for (int i = 0; i < 8; ++i) io.run(leads.sales_view(std::nullopt, 25, std::nullopt));
  const auto found = prepared_like("%FROM leads%");
  ASSERT_FALSE(found.empty());
  std::int64_t runs = 0;
  for (const auto& p : found) runs += p.generic + p.custom;
  EXPECT_GE(runs, 8);
}

// The joins of the sales view run on the page's leads: joined below the
// LIMIT, they were planned for every live lead (a Memoize cache sized for
// them, and cleared, at each execution).
TEST_F(PlanChoiceTest, TheSalesViewJoinsOnlyThePagesLeads) {
  LeadRepository leads(*pool);
  io.run(leads.sales_view(std::nullopt, 25, std::nullopt));
  const auto name = io.run(pool->read(
      "SELECT name FROM pg_prepared_statements WHERE statement LIKE '%JOIN lead_activity_stats%'"
      " AND statement NOT LIKE '%pg_prepared_statements%'"));
  ASSERT_EQ(name.rows(), 1);
  const GenericPlans generic(*this);
  const auto plan =
      io.run(pool->read_page("EXPLAIN (FORMAT JSON) EXECUTE " + name[0].get<std::string>(0),
                             pg::Params{}, pg::Planning::per_call));
  std::vector<std::string> joins_under_the_limit;
  const std::function<void(const boost::json::object&, bool)> visit =
      [&](const boost::json::object& node, bool under_limit) {
        const auto type = std::string(node.at("Node Type").as_string());
        if (under_limit && (type == "Nested Loop" || type.ends_with(" Join")))
          joins_under_the_limit.push_back(type);
        if (node.contains("Plans"))
          for (const auto& child : node.at("Plans").as_array())
            visit(child.as_object(), under_limit || type == "Limit");
      };
  visit(boost::json::parse(plan[0].get<std::string>(0)).as_array()[0].at("Plan").as_object(),
        false);
  EXPECT_TRUE(joins_under_the_limit.empty()) << joins_under_the_limit.size() << " joins";
}

}  // namespace
}  // namespace crmd::storage
