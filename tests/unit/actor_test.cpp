#include "actors/actor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

namespace crmd::actors {
namespace {

namespace asio = boost::asio;

class ActorTest : public ::testing::Test {
 protected:
  template <class T>
  T run(asio::awaitable<T> work) {
    auto future = asio::co_spawn(io, std::move(work), asio::use_future);
    return future.get();
  }
  void SetUp() override {
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  void TearDown() override {
    guard.reset();
    io.stop();
    for (auto& t : threads) t.join();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::vector<std::thread> threads;
};

TEST_F(ActorTest, RunsOnItsStrandAndReturnsTheResult) {
  Actor actor(io.get_executor(), "test", 16);
  const int value = run([&]() -> asio::awaitable<int> {
    co_return co_await actor.call([&] {
      EXPECT_TRUE(actor.executor().running_in_this_thread());
      return 42;
    });
  }());
  EXPECT_EQ(value, 42);
}

TEST_F(ActorTest, ExceptionsTravelBackToTheCaller) {
  Actor actor(io.get_executor(), "test", 16);
  EXPECT_THROW(run([&]() -> asio::awaitable<int> {
                 co_return co_await actor.call([]() -> int { throw std::runtime_error("no"); });
               }()),
               std::runtime_error);
}

TEST_F(ActorTest, AwaitableFunctionsRunOnTheStrandToo) {
  Actor actor(io.get_executor(), "test", 16);
  auto value = run([&]() -> asio::awaitable<std::string> {
    co_return co_await actor.call([&]() -> asio::awaitable<std::string> {
      EXPECT_TRUE(actor.executor().running_in_this_thread());
      co_return "done";
    });
  }());
  EXPECT_EQ(value, "done");
}

TEST_F(ActorTest, FullMailboxPushesBackWith503) {
  Actor actor(io.get_executor(), "busy", 1);
  using Gate = asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  Gate entered(io, 1), release(io, 1);
  // The first call holds the only mailbox slot until released.
  auto first = asio::co_spawn(io, actor.call([&]() -> asio::awaitable<int> {
    entered.try_send(boost::system::error_code{});
    co_await release.async_receive(asio::use_awaitable);
    co_return 1;
  }),
                              asio::use_future);
  run([&]() -> asio::awaitable<int> {
    co_await entered.async_receive(asio::use_awaitable);
    co_return 0;
  }());
  EXPECT_EQ(actor.mailbox_depth(), 1u);
  try {
    run(actor.call([] { return 2; }));
    FAIL() << "the second call should have been refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  }
  release.try_send(boost::system::error_code{});
  EXPECT_EQ(first.get(), 1);
  EXPECT_EQ(actor.mailbox_depth(), 0u);
}

}  // namespace
}  // namespace crmd::actors
