// The job pool against the real queue: jobs run once each, failures are
// recorded or retried, and stopping hands running jobs back.
#include "actors/jobs/job_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <mutex>

#include "support/test_support.hpp"

namespace crmd::actors {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class JobPoolTest : public ::testing::Test {
 protected:
  ~JobPoolTest() override {
    for (auto& [actor, pool] : pools) stop(*actor, *pool);
  }

  JobPool& make_pool(std::string owner, std::size_t workers = 2) {
    auto actor = std::make_unique<Actor>(io.io().get_executor(), "jobs", 1024);
    auto pool = std::make_unique<JobPool>(*actor, server.app().db(),
                                          JobPoolOptions{workers, 3s, 50ms, std::move(owner)});
    auto& result = *pool;
    pools.emplace_back(std::move(actor), std::move(pool));
    return result;
  }
  void start(JobPool& pool) { pool.start(listener()); }
  void stop(Actor& actor, JobPool& pool) {
    auto stopping = [&pool] { return pool.stop(); };
    io.run(actor.call(std::move(stopping)));
  }
  pg::Listener& listener() {
    if (!listener_) {
      pg::ConnectOptions options;
      options.conninfo = test::database_url();
      listener_ = std::make_shared<pg::Listener>(io.io().get_executor(), blocking, options);
      listener_->start();
    }
    return *listener_;
  }
  Uuid add(const std::string& kind) {
    return test::db_query("INSERT INTO jobs (kind) VALUES ($1) RETURNING id", pg::Params(kind))
        .one()
        .get<Uuid>(0);
  }
  jobs::Job job(const Uuid& id) { return *io.run(server.app().jobs().repository().find(id)); }
  // Waits for the job's state: every change of a job NOTIFYs crmd_jobs, and
  // each wakes this wait to read it again.
  jobs::Job wait_for(const Uuid& id, const std::function<bool(const jobs::Job&)>& done) {
    auto subscription = io.run(listener().subscribe("crmd_jobs"));
    while (true) {
      auto current = job(id);
      if (done(current)) return current;
      io.run(subscription->next());
    }
  }

  test::RunningServer server;
  test::IoThreads io;
  asio::thread_pool blocking{1};
  std::shared_ptr<pg::Listener> listener_;
  std::vector<std::pair<std::unique_ptr<Actor>, std::unique_ptr<JobPool>>> pools;
  std::string kind = test::unique_name("pooltest");
};

TEST_F(JobPoolTest, EveryJobRunsExactlyOnceAcrossTwoPools) {
  std::mutex mutex;
  std::map<Uuid, int> runs;
  const JobHandler count = [&](JobContext& context) -> asio::awaitable<JobOutcome> {
    {
      std::lock_guard lock(mutex);
      ++runs[context.job().id];
    }
    co_return JobOutcome{"completed", boost::json::object{{"ok", true}}, std::nullopt};
  };
  auto& a = make_pool("owner-a");
  auto& b = make_pool("owner-b");
  a.add_handler(kind, count);
  b.add_handler(kind, count);
  start(a);
  start(b);
  std::vector<Uuid> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(add(kind));
  for (const auto& id : ids) {
    const auto done = wait_for(id, [](const jobs::Job& j) { return j.finished(); });
    EXPECT_EQ(done.status, "completed");
    EXPECT_EQ(done.result.at("ok"), true);
  }
  std::lock_guard lock(mutex);
  for (const auto& id : ids) EXPECT_EQ(runs[id], 1) << id.str();
}

TEST_F(JobPoolTest, FailuresAreRecordedAndTransientOnesRetried) {
  auto& pool = make_pool("owner-c");
  pool.add_handler(kind, [](JobContext& context) -> asio::awaitable<JobOutcome> {
    if (context.job().attempts == 1)
      throw pg::Error(pg::ErrorKind::connection_lost, "the connection broke");
    throw std::runtime_error("the file is not CSV");
    co_return JobOutcome{};
  });
  start(pool);
  const auto id = add(kind);
  // The first attempt's transient failure sends it back with a delay; the
  // second fails for good.
  const auto retried =
      wait_for(id, [](const jobs::Job& j) { return j.attempts >= 1 && j.status == "pending"; });
  EXPECT_EQ(retried.error, "the connection broke");
  test::db_query("UPDATE jobs SET run_after = now() WHERE id = $1", pg::Params(id));
  const auto failed = wait_for(id, [](const jobs::Job& j) { return j.finished(); });
  EXPECT_EQ(failed.status, "failed");
  EXPECT_EQ(failed.error, "the file is not CSV");
  EXPECT_EQ(failed.attempts, 2);

  // A kind this pool has no handler for is left to another process, even
  // ahead of the pool's own work.
  const auto unknown = add(test::unique_name("nobody-handles"));
  test::db_query("UPDATE jobs SET priority = 0 WHERE id = $1", pg::Params(unknown));
  const auto own = add(kind);
  test::db_query("UPDATE jobs SET max_attempts = 1 WHERE id = $1", pg::Params(own));
  wait_for(own, [](const jobs::Job& j) { return j.finished(); });
  const auto left = job(unknown);
  EXPECT_EQ(left.status, "pending");
  EXPECT_EQ(left.attempts, 0);
}

TEST_F(JobPoolTest, StoppingHandsARunningJobBackWithoutCountingTheAttempt) {
  auto& pool = make_pool("owner-d", 1);
  std::promise<void> started;
  pool.add_handler(kind, [&](JobContext& context) -> asio::awaitable<JobOutcome> {
    started.set_value();
    while (true) {
      const bool cancelled = co_await context.between_batches();  // throws once stopping
      if (cancelled) co_return JobOutcome{"cancelled", nullptr, std::nullopt};
      asio::steady_timer timer(co_await asio::this_coro::executor, 10ms);
      co_await timer.async_wait(asio::use_awaitable);
    }
  });
  start(pool);
  const auto id = add(kind);
  started.get_future().wait();
  stop(*pools.back().first, pool);
  const auto back = job(id);
  EXPECT_EQ(back.status, "pending");
  EXPECT_EQ(back.attempts, 0);
  EXPECT_FALSE(back.lease_owner.has_value());
}

TEST_F(JobPoolTest, ACancelledJobStopsBetweenBatches) {
  auto& pool = make_pool("owner-e", 1);
  std::promise<void> started;
  pool.add_handler(kind, [&](JobContext& context) -> asio::awaitable<JobOutcome> {
    started.set_value();
    while (true) {
      const bool cancelled = co_await context.between_batches();
      if (cancelled) break;
      asio::steady_timer timer(co_await asio::this_coro::executor, 10ms);
      co_await timer.async_wait(asio::use_awaitable);
    }
    co_return JobOutcome{"cancelled", boost::json::object{{"kept", 3}}, std::nullopt};
  });
  start(pool);
  const auto id = add(kind);
  started.get_future().wait();
  io.run(server.app().jobs().repository().request_cancel(id));
  const auto done = wait_for(id, [](const jobs::Job& j) { return j.finished(); });
  EXPECT_EQ(done.status, "cancelled");
  EXPECT_EQ(done.result.at("kept"), 3);
}

}  // namespace
}  // namespace crmd::actors
