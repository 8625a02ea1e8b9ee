// Which statements PostgreSQL plans once and which for each call. A title
// pattern decides its search's best plan: planned with its values every
// time, never prepared (a prepared statement switches to a generic plan
// after five runs, one that guesses what the pattern selects). Within a
// list of companies, or with no filter, and in the sales view, the values
// decide nothing: those stay prepared.
#include <gtest/gtest.h>

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

  test::IoThreads io;
  boost::asio::thread_pool blocking{1};
  std::shared_ptr<pg::Pool> pool;
};

TEST_F(PlanChoiceTest, ATitleSearchIsPlannedForEachCall) {
  ContactRepository contacts(*pool);
  contacts::ContactListQuery query;
  query.titles = {"CEO"};
  for (int i = 0; i < 8; ++i) io.run(contacts.list(query, 25, std::nullopt));
  io.run(contacts.count(query));
  EXPECT_TRUE(prepared_like("%normalized_title LIKE ANY%").empty());
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

}  // namespace
}  // namespace crmd::storage
