#include "actors/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/jobs/repository.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

Timestamp Scheduler::slot_of(Timestamp now, std::chrono::seconds interval) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  const auto slot = since_epoch - since_epoch % interval;
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(slot));
}

void Scheduler::start() {
  timer_ = std::make_shared<asio::steady_timer>(actor_.executor());
  ended_ = std::make_shared<LoopEnd>(actor_.executor());
  asio::co_spawn(actor_.executor(), loop(timer_),
                 [ended = ended_](std::exception_ptr) { ended->ended(); });
}

asio::awaitable<void> Scheduler::stopped() {
  if (ended_) co_await ended_->wait();
}

void Scheduler::stop() {
  stopping_ = true;
  if (auto timer = timer_) asio::post(actor_.executor(), [timer] { timer->cancel(); });
}

asio::awaitable<void> Scheduler::loop(std::shared_ptr<asio::steady_timer> timer) {
  while (!stopping_) {
    for (const auto& task : tasks_) {
      if (stopping_) break;
      const auto now =
          std::chrono::time_point_cast<Timestamp::duration>(std::chrono::system_clock::now());
      const auto slot = slot_of(now, task.interval);
      try {
        const auto run = co_await enqueue(task.name, slot);
        if (run) spdlog::debug("scheduler: enqueued {} (run {})", task.name, *run);
      } catch (const std::exception& e) {
        spdlog::warn("scheduler: enqueuing {} failed: {}", task.name, e.what());
      }
    }
    // Checked on the strand stop()'s cancel runs on: a stop that came during
    // the enqueues is seen here, not after a whole tick's wait.
    if (stopping_) break;
    timer->expires_after(tick_);
    boost::system::error_code ignored;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

asio::awaitable<std::optional<std::int64_t>> Scheduler::enqueue(std::string name, Timestamp slot) {
  auto tx = co_await pool_.begin();
  const auto inserted = co_await tx.query(
      "INSERT INTO scheduled_runs (name, slot) VALUES ($1, $2) ON CONFLICT (name, slot) DO NOTHING"
      " RETURNING id",
      name, slot);
  if (inserted.empty()) co_return std::nullopt;  // the transaction rolls back, nothing done
  const auto run = inserted.one().get<std::int64_t>(0);
  storage::JobRepository jobs(pool_);
  storage::NewJob job;
  job.kind = name;
  job.payload = boost::json::object{{"run_id", run}};
  job.priority = 50;
  job.max_attempts = 3;
  const auto created = co_await jobs.insert(tx, job);
  co_await tx.query("UPDATE scheduled_runs SET job_id = $2 WHERE id = $1", run, created.id);
  co_await tx.commit();
  co_return run;
}

JobHandler scheduled_handler(pg::Pool& pool, ScheduledWork work) {
  return [&pool, work = std::move(work)](JobContext& context) -> asio::awaitable<JobOutcome> {
    std::optional<std::int64_t> run;
    if (const auto* payload = context.job().payload.if_object())
      if (const auto* id = payload->if_contains("run_id"))
        if (id->is_int64()) run = id->as_int64();
    if (run)
      co_await pool.query(
          "UPDATE scheduled_runs SET started_at = now(), error = NULL"
          " WHERE id = $1",
          *run);
    std::int64_t rows = 0;
    std::optional<std::string> error;
    try {
      rows = co_await work(context);
    } catch (const JobInterrupted&) {
      throw;  // back to the queue; the run is not over
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (run)
      co_await pool.query(
          "UPDATE scheduled_runs SET finished_at = now(), rows_touched = $2, error = $3"
          " WHERE id = $1",
          *run, rows, error);
    if (error) throw std::runtime_error(*error);
    JobOutcome outcome;
    outcome.result = boost::json::object{{"rows_touched", rows}};
    co_return outcome;
  };
}

}  // namespace crmd::actors
