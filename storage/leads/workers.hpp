// The SQL of the lead workers, one batch (of leads in id order) at a time,
// each batch its own transaction.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "domain/common/uuid.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

struct WorkerBatch {
  std::optional<Uuid> last;  // where the next batch starts; none: done
  std::int64_t touched = 0;  // rows changed
};

// Recomputes the priority score of live, unqualified leads after `after`
// (leads::priority_score); writes only those that change, as derived
// writes (no interaction).
boost::asio::awaitable<WorkerBatch> priority_batch(pg::Pool& pool, std::optional<Uuid> after,
                                                   std::int64_t limit);

// Recounts e-mails, events and all activities of leads after `after` from
// lead_activities into lead_activity_stats, with the engagement score
// (leads::engagement_score); a lead whose latest activity is newer than its
// last interaction gets it as its last interaction.
boost::asio::awaitable<WorkerBatch> engagement_batch(pg::Pool& pool, std::optional<Uuid> after,
                                                     std::int64_t limit);
// The same for one lead, in the caller's transaction (an activity logged).
boost::asio::awaitable<void> recount_engagement(pg::Transaction& tx, const Uuid& lead);

// Flags live leads without an interaction for longer than their status's
// sla_days (sla_breached_at), and clears the flag of those that had one
// since. One statement each, in one transaction; answers the rows changed.
boost::asio::awaitable<std::int64_t> flag_sla_breaches(pg::Pool& pool);

}  // namespace crmd::storage
