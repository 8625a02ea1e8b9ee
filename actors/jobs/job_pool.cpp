#include "actors/jobs/job_pool.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "domain/common/error.hpp"
#include "storage/audit.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

namespace {

bool transient(const pg::Error& e) {
  return e.kind() != pg::ErrorKind::server && e.kind() != pg::ErrorKind::decode
             ? true
             : e.is_serialization_failure() || e.is_deadlock() || e.sqlstate().starts_with("08");
}

double jitter() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

// Waits on timer; a cancel ends the wait early without an exception.
asio::awaitable<void> wait(asio::steady_timer& timer, asio::steady_timer::duration duration) {
  timer.expires_after(duration);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace

asio::awaitable<bool> JobContext::between_batches() {
  if (stopping_.load()) throw JobInterrupted{false};
  const auto cancel = co_await repository_.cancel_requested(lease_);
  if (!cancel) throw JobInterrupted{true};
  co_return *cancel;
}

JobPool::JobPool(Actor& actor, pg::Pool& pool, JobPoolOptions options)
    : actor_(actor), pool_(pool), repository_(pool), options_(std::move(options)) {}

asio::awaitable<jobs::Job> JobPool::enqueue(storage::NewJob job, std::string action,
                                            boost::json::value details,
                                            identity::RequestContext context) {
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto created = co_await repository_.insert(scope.tx(), job);
  {
    const storage::AuditEntry entry{std::move(action), "job", created.id.str(), std::nullopt,
                                    std::move(details)};
    co_await storage::write_audit(scope.tx(), context, entry);
  }
  co_await scope.commit();
  co_return created;
}

void JobPool::add_handler(std::string kind, JobHandler handler) {
  handlers_.emplace(std::move(kind), std::move(handler));
}

void JobPool::start(pg::Listener& listener) {
  const auto& strand = actor_.executor();
  for (const auto& [kind, handler] : handlers_) kinds_.push_back(kind);
  all_stopped_ = std::make_shared<asio::steady_timer>(strand);
  rescue_timer_ = std::make_shared<asio::steady_timer>(strand);
  // The rescuer counts too: stop() waits for it, so that it never wakes on
  // a pool that is gone.
  running_workers_ = options_.workers > 0 ? options_.workers + 1 : 0;
  for (std::size_t i = 0; i < options_.workers; ++i) asio::co_spawn(strand, work(), asio::detached);
  if (options_.workers > 0) {
    asio::co_spawn(strand, rescue(), asio::detached);
    asio::co_spawn(strand, follow(listener), asio::detached);
  }
}

asio::awaitable<void> JobPool::stop() {
  stopping_ = true;
  *followed_stopped_ = true;
  wake_all();
  if (rescue_timer_) rescue_timer_->cancel();
  if (running_workers_ > 0 && all_stopped_) co_await wait(*all_stopped_, std::chrono::hours(1));
}

void JobPool::wake_all() {
  for (auto* timer : idle_) timer->cancel();
}

asio::awaitable<void> JobPool::work() {
  asio::steady_timer timer(actor_.executor());
  while (!stopping_) {
    std::vector<jobs::Job> claimed;
    try {
      claimed = co_await repository_.claim(options_.owner, kinds_, 1, options_.lease);
    } catch (const std::exception& e) {
      spdlog::warn("jobs: claiming failed: {}", e.what());
    }
    if (!claimed.empty()) {
      co_await run(std::move(claimed.front()));
      continue;
    }
    idle_.push_back(&timer);
    co_await wait(timer, options_.poll);
    idle_.remove(&timer);
  }
  if (--running_workers_ == 0 && all_stopped_) all_stopped_->cancel();
}

asio::awaitable<void> JobPool::run(jobs::Job job) {
  const storage::Lease lease{job.id, options_.owner, job.attempts};
  // Claims ask only for kinds with a handler.
  const auto& handler = handlers_.at(job.kind);
  std::optional<JobInterrupted> interrupted;
  std::optional<std::string> retry, failure;
  JobOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  {
    auto beat = std::make_shared<asio::steady_timer>(actor_.executor());
    asio::co_spawn(actor_.executor(), heartbeat(lease, beat), asio::detached);
    JobContext context(job, lease, repository_, stopping_);
    try {
      outcome = co_await handler(context);
    } catch (const JobInterrupted& e) {
      interrupted = e;
    } catch (const pg::Error& e) {
      (transient(e) ? retry : failure) = e.what();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    beat->expires_at(asio::steady_timer::time_point::min());  // tells the heartbeat to end
    beat->cancel();
  }
  if (options_.observer.ran) {
    const std::string_view how = interrupted ? "interrupted"
                                 : retry     ? "retried"
                                 : failure   ? "failed"
                                             : std::string_view(outcome.status);
    options_.observer.ran(
        job.kind, how,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  // Named values only in the co_await statements below (see README: g++
  // and temporaries in co_await).
  const std::string stopped = "the server stopped", failed = "failed";
  const boost::json::value no_result;
  const auto delay = jobs::retry_delay(job.attempts, jitter());
  const auto none = std::chrono::milliseconds(0);
  try {
    if (interrupted) {
      if (!interrupted->lease_lost) co_await repository_.release(lease, none, stopped, false);
    } else if (retry) {
      co_await repository_.release(lease, delay, *retry);
    } else if (failure) {
      co_await repository_.finish(lease, failed, no_result, failure);
    } else {
      co_await repository_.finish(lease, outcome.status, outcome.result, outcome.error);
    }
  } catch (const std::exception& e) {
    // The lease runs out and the rescuer takes the job from there.
    spdlog::warn("jobs: recording the end of job {} failed: {}", job.id.str(), e.what());
  }
}

asio::awaitable<void> JobPool::heartbeat(storage::Lease lease,
                                         std::shared_ptr<asio::steady_timer> timer) {
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease) / 3;
  while (true) {
    co_await wait(*timer, period);
    if (timer->expiry() == asio::steady_timer::time_point::min()) co_return;
    bool held = true;
    try {
      held = co_await repository_.heartbeat(lease, options_.lease);
    } catch (const std::exception& e) {
      spdlog::warn("jobs: heartbeat of job {} failed: {}", lease.job.str(), e.what());
    }
    if (!held) co_return;  // taken over: the handler finds out between batches
  }
}

asio::awaitable<void> JobPool::rescue() {
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease) / 3;
  while (!stopping_) {
    co_await wait(*rescue_timer_, period);
    if (stopping_) break;
    std::size_t rescued = 0;
    try {
      rescued = co_await repository_.rescue_expired();
    } catch (const std::exception& e) {
      spdlog::warn("jobs: rescue failed: {}", e.what());
    }
    if (rescued > 0) wake_all();
    if (rescued > 0 && options_.observer.rescued) options_.observer.rescued(rescued);
  }
  if (--running_workers_ == 0 && all_stopped_) all_stopped_->cancel();
}

asio::awaitable<void> JobPool::follow(pg::Listener& listener) {
  const auto stopped = followed_stopped_;
  try {
    auto subscription = co_await listener.subscribe("crmd_jobs");
    while (!*stopped) {
      const auto notification = co_await subscription->next();
      if (*stopped) break;
      // A new job (version 1), or notifications lost: look for work.
      if (notification.missed || notification.payload.ends_with(" 1")) wake_all();
    }
  } catch (const std::exception&) {
    // The listener closed: polling goes on.
  }
}

}  // namespace crmd::actors
