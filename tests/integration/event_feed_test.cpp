// The event log's order: a feed reader never skips an event whose
// transaction commits after a later one's, and retention answers 410.
#include <gtest/gtest.h>

#include "storage/audit.hpp"
#include "storage/events/feed.hpp"
#include "support/test_support.hpp"

namespace crmd::storage {
namespace {

namespace asio = boost::asio;

class EventFeedTest : public ::testing::Test {
 protected:
  test::RunningServer server;
  test::IoThreads io;
  EventFeed feed{server.app().db()};
  const FeedFilter everything{{}, {true, std::nullopt}};

  // Opens a transaction and writes one contact.created event for entity.
  std::unique_ptr<pg::Transaction> write_event(const std::string& entity) {
    const AuditEntry entry{"contact_created", "contact", entity, std::nullopt,
                           boost::json::object{{"id", entity}}};
    return io.run([&]() -> asio::awaitable<std::unique_ptr<pg::Transaction>> {
      const identity::RequestContext anonymous;
      auto tx = co_await server.app().db().begin();
      co_await write_audit(tx, anonymous, entry);
      auto open = std::make_unique<pg::Transaction>(std::move(tx));
      co_return open;
    }());
  }
  void commit(pg::Transaction& tx) { io.run(tx.commit()); }

  // The events of these entities after `from`, in feed order.
  std::vector<std::string> read_ours(FeedPosition& from, const std::vector<std::string>& ours) {
    const auto page = io.run(feed.read(from, everything, 500));
    from = page.next;
    std::vector<std::string> seen;
    for (const auto& event : page.events)
      if (std::find(ours.begin(), ours.end(), event.entity_id) != ours.end())
        seen.push_back(*event.entity_id);
    return seen;
  }
};

TEST_F(EventFeedTest, AnEventCommittedBeforeAnEarlierOneIsNotSkipped) {
  const auto first = test::unique_name("first"), second = test::unique_name("second");
  const std::vector<std::string> ours{first, second};
  auto cursor = io.run(feed.now());
  auto earlier = write_event(first);  // the lower transaction id...
  auto later = write_event(second);
  commit(*later);                                // ...commits last
  EXPECT_TRUE(read_ours(cursor, ours).empty());  // second waits for first
  commit(*earlier);
  std::vector<std::string> seen;
  ASSERT_TRUE(test::eventually([&] {
    for (auto& id : read_ours(cursor, ours)) seen.push_back(id);
    return seen.size() >= 2;
  }));
  EXPECT_EQ(seen, ours);  // both, once each, in transaction order
  EXPECT_TRUE(read_ours(cursor, ours).empty());
}

TEST_F(EventFeedTest, ACursorBeforeWhatRetentionPrunedIsGone) {
  const auto entity = test::unique_name("old");
  auto before = io.run(feed.beginning());
  auto tx = write_event(entity);
  commit(*tx);
  test::db_query("UPDATE audit_logs SET at = now() - interval '400 days' WHERE entity_id = $1",
                 pg::Params(entity));
  const auto cutoff = std::chrono::time_point_cast<Timestamp::duration>(
      std::chrono::system_clock::now() - std::chrono::hours(24 * 365));
  while (io.run(feed.prune(cutoff, 1000)) > 0) {
  }
  EXPECT_EQ(
      test::db_query("SELECT count(*) FROM audit_logs WHERE entity_id = $1", pg::Params(entity))
          .one()
          .get<std::int64_t>(0),
      0);
  EXPECT_GT(io.run(feed.beginning()), before);
  try {
    io.run(feed.read(before, everything, 10));
    FAIL() << "a cursor before the pruned events was followed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "cursor_expired");
  }
  EXPECT_NO_THROW(io.run(feed.read(io.run(feed.beginning()), everything, 10)));
}

}  // namespace
}  // namespace crmd::storage
