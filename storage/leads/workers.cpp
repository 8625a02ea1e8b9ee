#include "storage/leads/workers.hpp"

#include "domain/leads/scoring.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

asio::awaitable<WorkerBatch> priority_batch(pg::Pool& pool, std::optional<Uuid> after,
                                            std::int64_t limit) {
  auto tx = co_await pool.begin();
  const auto result = co_await tx.query(
      "SELECT l.id, coalesce(s.code, ''), coalesce(o.code, ''),"
      " extract(epoch FROM now() - l.created_at)::float8 / 86400,"
      " extract(epoch FROM now() - l.last_interaction_at)::float8 / 86400,"
      " coalesce(st.engagement_score, 0),"
      " l.tag_names, l.disqualified_at IS NOT NULL, l.priority_score"
      " FROM leads l LEFT JOIN lead_statuses s ON s.id = l.lead_status_id"
      " LEFT JOIN lead_origins o ON o.id = l.lead_origin_id"
      " LEFT JOIN lead_activity_stats st ON st.lead_id = l.id"
      " WHERE l.deleted_at IS NULL AND l.qualified_at IS NULL AND ($1::uuid IS NULL OR l.id > $1)"
      " ORDER BY l.id LIMIT $2",
      after, limit);
  WorkerBatch batch;
  std::vector<Uuid> ids;
  std::vector<std::int32_t> scores;
  for (auto row : result) {
    leads::PriorityInputs in;
    in.status = row.get<std::string>(1);
    in.origin = row.get<std::string>(2);
    in.age_days = row.get<double>(3);
    in.days_since_interaction = row.get<std::optional<double>>(4);
    in.engagement = row.get<std::int32_t>(5);
    in.tags = row.get<std::vector<std::string>>(6);
    in.disqualified = row.get<bool>(7);
    const auto score = leads::priority_score(in);
    const auto id = row.get<Uuid>(0);
    batch.last = id;
    if (score != row.get<std::int32_t>(8)) {
      ids.push_back(id);
      scores.push_back(score);
    }
  }
  if (static_cast<std::int64_t>(result.rows()) < limit) batch.last.reset();
  if (!ids.empty()) {
    const auto updated = co_await tx.query(
        "WITH derived AS (SELECT set_config('crmd.derived_write', 'on', true))"
        " UPDATE leads l SET priority_score = v.score FROM derived,"
        " unnest($1::uuid[], $2::integer[]) AS v (id, score)"
        " WHERE l.id = v.id AND l.priority_score <> v.score",
        ids, scores);
    batch.touched = updated.affected();
  }
  co_await tx.commit();
  co_return batch;
}

namespace {

// Recounts the activities of the live leads `selection` picks (a condition
// on "l" whose $1 and $2 are `params`; $2 is the batch size, `limit`), in
// id order; see engagement_batch.
asio::awaitable<WorkerBatch> recount(pg::Transaction& tx, const char* selection, pg::Params params,
                                     std::int64_t limit) {
  const auto result = co_await tx.query(
      std::string("SELECT l.id, count(a.id) FILTER (WHERE a.kind = 'email')::integer,"
                  " count(a.id) FILTER (WHERE a.kind = 'event')::integer, count(a.id)::integer,"
                  // A meeting still to come is counted, but is no interaction yet.
                  " max(a.occurred_at) FILTER (WHERE a.kind = 'email' AND a.occurred_at <= now()),"
                  " max(a.occurred_at) FILTER (WHERE a.kind = 'event' AND a.occurred_at <= now()),"
                  " max(a.occurred_at) FILTER (WHERE a.occurred_at <= now()),"
                  " extract(epoch FROM now() - max(a.occurred_at) FILTER (WHERE a.occurred_at <="
                  " now()))::float8 / 86400"
                  " FROM leads l LEFT JOIN lead_activities a ON a.lead_id = l.id"
                  " WHERE l.deleted_at IS NULL AND ") +
          selection + " GROUP BY l.id ORDER BY l.id LIMIT $2",
      std::move(params));
  WorkerBatch batch;
  boost::json::array rows;
  for (auto row : result) {
    leads::EngagementInputs in;
    in.total_emails = row.get<std::int32_t>(1);
    in.total_events = row.get<std::int32_t>(2);
    in.total_interactions = row.get<std::int32_t>(3);
    in.days_since_last = row.get<std::optional<double>>(7);
    const auto id = row.get<Uuid>(0);
    batch.last = id;
    const auto text = [&](int column) -> boost::json::value {
      if (row.is_null(column)) return nullptr;
      return boost::json::value(std::string(row.text(column)));
    };
    rows.push_back(boost::json::object{{"id", id.str()},
                                       {"emails", in.total_emails},
                                       {"events", in.total_events},
                                       {"all", in.total_interactions},
                                       {"last_email", text(4)},
                                       {"last_event", text(5)},
                                       {"latest", text(6)},
                                       {"score", leads::engagement_score(in)}});
  }
  if (static_cast<std::int64_t>(result.rows()) < limit) batch.last.reset();
  if (!rows.empty()) {
    const boost::json::value data(std::move(rows));
    const auto updated = co_await tx.query(
        "UPDATE lead_activity_stats s SET total_emails = v.emails, total_events = v.events,"
        " total_interactions = v.\"all\", last_email_at = v.last_email,"
        " last_event_at = v.last_event, engagement_score = v.score, updated_at = now()"
        " FROM jsonb_to_recordset($1::jsonb) AS v (id uuid, emails integer, events integer,"
        " \"all\" integer, last_email timestamptz, last_event timestamptz, latest timestamptz,"
        " score integer)"
        " WHERE s.lead_id = v.id AND (s.total_emails, s.total_events, s.total_interactions,"
        " s.last_email_at, s.last_event_at, s.engagement_score) IS DISTINCT FROM"
        " (v.emails, v.events, v.\"all\", v.last_email, v.last_event, v.score)",
        data);
    batch.touched = updated.affected();
    // An activity is an interaction: the lead's triggers copy it to the stats.
    co_await tx.query(
        "UPDATE leads l SET last_interaction_at = v.latest"
        " FROM jsonb_to_recordset($1::jsonb) AS v (id uuid, latest timestamptz)"
        " WHERE l.id = v.id AND v.latest > coalesce(l.last_interaction_at, '-infinity')",
        data);
  }
  co_return batch;
}

}  // namespace

asio::awaitable<WorkerBatch> engagement_batch(pg::Pool& pool, std::optional<Uuid> after,
                                              std::int64_t limit) {
  auto tx = co_await pool.begin();
  auto batch =
      co_await recount(tx, "($1::uuid IS NULL OR l.id > $1)", pg::Params(after, limit), limit);
  co_await tx.commit();
  co_return batch;
}

asio::awaitable<void> recount_engagement(pg::Transaction& tx, const Uuid& lead) {
  co_await recount(tx, "l.id = $1", pg::Params(lead, std::int64_t{1}), 1);
}

asio::awaitable<std::int64_t> flag_sla_breaches(pg::Pool& pool) {
  auto tx = co_await pool.begin();
  const auto cleared = co_await tx.query(
      "UPDATE leads l SET sla_breached_at = NULL WHERE l.sla_breached_at IS NOT NULL AND NOT"
      " (l.deleted_at IS NULL AND l.qualified_at IS NULL AND l.disqualified_at IS NULL"
      " AND EXISTS (SELECT 1 FROM lead_statuses s WHERE s.id = l.lead_status_id"
      " AND s.sla_days IS NOT NULL AND coalesce(l.last_interaction_at, l.created_at)"
      " < now() - make_interval(days => s.sla_days)))");
  const auto flagged = co_await tx.query(
      "UPDATE leads l SET sla_breached_at = now() FROM lead_statuses s"
      " WHERE s.id = l.lead_status_id AND s.sla_days IS NOT NULL AND l.sla_breached_at IS NULL"
      " AND l.deleted_at IS NULL AND l.qualified_at IS NULL AND l.disqualified_at IS NULL"
      " AND coalesce(l.last_interaction_at, l.created_at) < now() - make_interval(days => "
      "s.sla_days)");
  co_await tx.commit();
  co_return cleared.affected() + flagged.affected();
}

}  // namespace crmd::storage
