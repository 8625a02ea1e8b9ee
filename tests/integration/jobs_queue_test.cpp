// The job queue's SQL: claiming, the lease fence, rescue, cancellation and
// the cap on kept errors, against the real database.
#include <gtest/gtest.h>

#include "storage/jobs/repository.hpp"
#include "support/test_support.hpp"

namespace crmd::storage {
namespace {

using namespace std::chrono_literals;

class JobQueueTest : public ::testing::Test {
 protected:
  // A running server applies the migrations; its pool serves the tests.
  test::RunningServer server;
  test::IoThreads io;
  JobRepository jobs{server.app().db()};
  std::string kind = test::unique_name("kind");

  Uuid add(std::int32_t priority = 100, std::int32_t max_attempts = 5) {
    return io.run([&]() -> boost::asio::awaitable<Uuid> {
      auto tx = co_await server.app().db().begin();
      const NewJob job{
          kind, boost::json::object{{"n", 1}}, std::nullopt, std::nullopt, priority, max_attempts};
      auto created = co_await jobs.insert(tx, job);
      co_await tx.commit();
      co_return created.id;
    }());
  }
  // Claims only this test's kind: other tests' jobs may be pending.
  std::vector<jobs::Job> claim(const std::string& owner, std::size_t n) {
    return io.run(jobs.claim(owner, {kind}, n, 30s));
  }
  Lease lease_of(const jobs::Job& job) { return {job.id, *job.lease_owner, job.attempts}; }
  void expire(const Uuid& id) {
    test::db_query("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1",
                   pg::Params(id));
  }
};

TEST_F(JobQueueTest, ClaimsByPriorityOnceEachAndCountsAttempts) {
  const auto low = add(200);
  const auto high = add(10);
  auto first = claim("worker-a", 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, high);
  EXPECT_EQ(first[0].status, "running");
  EXPECT_EQ(first[0].attempts, 1);
  auto second = claim("worker-b", 5);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, low);
  EXPECT_TRUE(claim("worker-c", 5).empty());
}

TEST_F(JobQueueTest, ATakenOverLeaseFencesTheOldWorkerOut) {
  add();
  const auto job = claim("worker-a", 1).at(0);
  const auto old_lease = lease_of(job);
  EXPECT_TRUE(io.run(jobs.heartbeat(old_lease, 30s)));
  expire(job.id);
  // At least this one (the database may hold other tests' expired leases).
  EXPECT_GE(io.run(jobs.rescue_expired()), 1u);
  test::db_query("UPDATE jobs SET run_after = now() WHERE id = $1", pg::Params(job.id));
  const auto again = claim("worker-b", 1).at(0);
  EXPECT_EQ(again.id, job.id);
  EXPECT_EQ(again.attempts, 2);

  // The first worker's writes change nothing now.
  EXPECT_FALSE(io.run(jobs.heartbeat(old_lease, 30s)));
  EXPECT_FALSE(io.run(jobs.record_progress(old_lease, jobs::Progress{100, 50})));
  EXPECT_FALSE(io.run(jobs.finish(old_lease, "completed", nullptr, std::nullopt)));
  EXPECT_EQ(io.run(jobs.cancel_requested(old_lease)), std::nullopt);  // the lease is lost
  EXPECT_TRUE(io.run(jobs.record_progress(lease_of(again), jobs::Progress{100, 50})));
  EXPECT_TRUE(io.run(jobs.finish(lease_of(again), "completed", nullptr, std::nullopt)));
  const auto done = *io.run(jobs.find(job.id));
  EXPECT_EQ(done.status, "completed");
  EXPECT_EQ(done.progress.processed, 50);
}

TEST_F(JobQueueTest, RescueFailsAJobWithoutAttemptsLeft) {
  add(100, 1);
  const auto job = claim("worker-a", 1).at(0);
  expire(job.id);
  io.run(jobs.rescue_expired());
  const auto failed = *io.run(jobs.find(job.id));
  EXPECT_EQ(failed.status, "failed");
  EXPECT_TRUE(failed.error.has_value());
}

TEST_F(JobQueueTest, CancellingPendingIsImmediateRunningIsARequestFinishedIsAConflict) {
  const auto pending = add();
  EXPECT_EQ(io.run(jobs.request_cancel(pending)).status, "cancelled");
  add();
  const auto running = claim("worker-a", 1).at(0);
  EXPECT_EQ(io.run(jobs.request_cancel(running.id)).status, "running");
  EXPECT_EQ(io.run(jobs.cancel_requested(lease_of(running))), std::optional<bool>(true));
  EXPECT_THROW(io.run(jobs.request_cancel(pending)), Error);
  EXPECT_THROW(io.run(jobs.request_cancel(Uuid::random_v4())), Error);
}

TEST_F(JobQueueTest, EveryChangeBumpsTheVersion) {
  const auto id = add();
  const auto before = io.run(jobs.find(id))->version;
  const auto job = claim("worker-a", 1).at(0);
  EXPECT_GT(job.version, before);
  io.run(jobs.record_progress(lease_of(job), jobs::Progress{10, 1}));
  EXPECT_GT(io.run(jobs.find(id))->version, job.version);
}

TEST_F(JobQueueTest, ErrorsAreKeptUnderTheLeaseOnly) {
  add();
  const auto job = claim("worker-a", 1).at(0);
  const std::vector<JobError> errors{{0, 3, "email", "invalid_value", "not an e-mail", "x,y"},
                                     {0, 9, "", "malformed_row", "bad quoting", "\"x"}};
  const auto mine = lease_of(job);
  const Lease stale{job.id, "someone-else", job.attempts};
  io.run([&]() -> boost::asio::awaitable<void> {
    auto tx = co_await server.app().db().begin();
    co_await jobs.add_errors(tx, mine, errors);
    co_await jobs.add_errors(tx, stale, errors);
    co_await tx.commit();
  }());
  const auto kept = io.run(jobs.errors(job.id, std::nullopt, 100));
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].item.row_number, 3);
  EXPECT_EQ(kept[1].item.code, "malformed_row");
  const PagePosition after_first{kept[0].sort_key, Uuid{}};
  EXPECT_EQ(io.run(jobs.errors(job.id, after_first, 100)).size(), 1u);
}

}  // namespace
}  // namespace crmd::storage
