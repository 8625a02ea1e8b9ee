// The job pool, in place of Celery: workers in every crmd process claim jobs
// from the PostgreSQL queue (at once on a NOTIFY of a new job, else every
// poll interval), run the handler of the job's kind, renew their lease by
// heartbeat, and a rescuer re-queues jobs whose lease ran out. Everything
// runs on the jobs actor's strand; handlers keep CPU and disk work on the
// blocking pool.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <list>
#include <map>
#include <memory>

#include "actors/actor.hpp"
#include "storage/jobs/repository.hpp"
#include "storage/pg/listener.hpp"

namespace crmd::actors {

// What the pool reports of its work (the server turns it into metrics).
struct JobObserver {
  // A run ended: its kind, how (completed, failed, cancelled, retried,
  // interrupted) and how long it ran.
  std::function<void(const std::string& kind, std::string_view outcome, double seconds)> ran;
  // Expired leases handed back by the rescuer.
  std::function<void(std::size_t jobs)> rescued;
};

struct JobPoolOptions {
  std::size_t workers = 2;
  std::chrono::seconds lease{30};
  std::chrono::milliseconds poll{1000};
  std::string owner;  // this process's name in lease_owner
  JobObserver observer;
};

// What a handler answers when its job ends by itself.
struct JobOutcome {
  std::string status = "completed";  // completed, failed or cancelled
  boost::json::value result;
  std::optional<std::string> error;
};

// Thrown out of JobContext::checkpoint() when the job must stop now: the
// lease was taken over, or the process is stopping (the job goes back to
// pending, its progress kept).
struct JobInterrupted {
  bool lease_lost = false;
};

class JobContext {
 public:
  JobContext(jobs::Job job, storage::Lease lease, storage::JobRepository& repository,
             const std::atomic<bool>& stopping)
      : job_(std::move(job)),
        lease_(std::move(lease)),
        repository_(repository),
        stopping_(stopping) {}

  const jobs::Job& job() const { return job_; }
  const storage::Lease& lease() const { return lease_; }
  // Who the job's audit rows name: its creator.
  identity::RequestContext audit_context() const { return jobs::context_of(job_); }
  storage::JobRepository& repository() { return repository_; }

  // Between batches: throws JobInterrupted when the job must stop, answers
  // true when a client asked to cancel it.
  boost::asio::awaitable<bool> between_batches();

 private:
  jobs::Job job_;
  storage::Lease lease_;
  storage::JobRepository& repository_;
  const std::atomic<bool>& stopping_;
};

using JobHandler = std::function<boost::asio::awaitable<JobOutcome>(JobContext&)>;

class JobPool {
 public:
  JobPool(Actor& actor, pg::Pool& pool, JobPoolOptions options);
  ~JobPool() { *followed_stopped_ = true; }

  // Before start().
  void add_handler(std::string kind, JobHandler handler);
  // Spawns the workers, the rescuer and the NOTIFY follower.
  void start(pg::Listener& listener);
  // Running jobs stop at their next batch and go back to pending; answers
  // once every worker has ended.
  boost::asio::awaitable<void> stop();

  storage::JobRepository& repository() { return repository_; }

  // Queues a job for a request, in the request's write scope, with the audit
  // row of what it will do (action on the job, details after).
  boost::asio::awaitable<jobs::Job> enqueue(storage::NewJob job, std::string action,
                                            boost::json::value details,
                                            identity::RequestContext context);

 private:
  boost::asio::awaitable<void> work();
  boost::asio::awaitable<void> run(jobs::Job job);
  boost::asio::awaitable<void> heartbeat(storage::Lease lease,
                                         std::shared_ptr<boost::asio::steady_timer> timer);
  boost::asio::awaitable<void> rescue();
  boost::asio::awaitable<void> follow(pg::Listener& listener);
  void wake_all();

  Actor& actor_;
  pg::Pool& pool_;
  storage::JobRepository repository_;
  JobPoolOptions options_;
  std::map<std::string, JobHandler> handlers_;
  std::vector<std::string> kinds_;  // claimed: those with a handler
  std::atomic<bool> stopping_{false};
  // What follow() reads after a notification: it may wake after the pool is
  // gone (a listener outlives the pools of a test), so it holds this and not
  // the pool.
  std::shared_ptr<std::atomic<bool>> followed_stopped_ = std::make_shared<std::atomic<bool>>(false);
  std::list<boost::asio::steady_timer*> idle_;  // workers waiting for work
  std::shared_ptr<boost::asio::steady_timer> rescue_timer_;
  std::size_t running_workers_ = 0;
  std::shared_ptr<boost::asio::steady_timer> all_stopped_;
};

}  // namespace crmd::actors
