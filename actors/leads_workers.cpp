#include "actors/leads_workers.hpp"

#include "storage/leads/workers.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

namespace {

constexpr std::int64_t kBatch = 1000;

using BatchFn = asio::awaitable<storage::WorkerBatch> (*)(pg::Pool&, std::optional<Uuid>,
                                                          std::int64_t);

// Batches until the last one, stopping between them when asked to.
ScheduledWork batched(pg::Pool& pool, BatchFn batch_of) {
  return [&pool, batch_of](JobContext& context) -> asio::awaitable<std::int64_t> {
    std::int64_t touched = 0;
    std::optional<Uuid> after;
    for (;;) {
      const auto batch = co_await batch_of(pool, after, kBatch);
      touched += batch.touched;
      after = batch.last;
      if (!after) break;
      const bool cancelled = co_await context.between_batches();
      if (cancelled) break;
    }
    co_return touched;
  };
}

}  // namespace

ScheduledWork lead_priority_work(pg::Pool& pool) {
  return batched(pool, &storage::priority_batch);
}

ScheduledWork lead_engagement_work(pg::Pool& pool) {
  return batched(pool, &storage::engagement_batch);
}

ScheduledWork lead_sla_work(pg::Pool& pool) {
  return [&pool](JobContext&) -> asio::awaitable<std::int64_t> {
    co_return co_await storage::flag_sla_breaches(pool);
  };
}

}  // namespace crmd::actors
