#include "actors/event_retention.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

ScheduledWork batched_prune_work(std::chrono::seconds retention, PruneBatch prune) {
  return
      [retention, prune = std::move(prune)](JobContext& context) -> asio::awaitable<std::int64_t> {
        constexpr std::int64_t kBatch = 1000;
        const auto cutoff = std::chrono::time_point_cast<Timestamp::duration>(
            std::chrono::system_clock::now() - retention);
        std::int64_t pruned = 0;
        for (;;) {
          const auto n = co_await prune(cutoff, kBatch);
          pruned += n;
          if (n < kBatch) break;
          const bool cancelled = co_await context.between_batches();
          if (cancelled) break;
        }
        co_return pruned;
      };
}

ScheduledWork event_prune_work(storage::EventFeed& feed, std::chrono::seconds retention) {
  return batched_prune_work(retention, [&feed](Timestamp cutoff, std::int64_t limit) {
    return feed.prune(cutoff, limit);
  });
}

}  // namespace crmd::actors
