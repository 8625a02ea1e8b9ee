// Pipelines and stages: the reference data every read model needs.
#include <boost/json.hpp>

#include "storage/deals/repository.hpp"
#include "storage/deals/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using deals::Pipeline;
using deals::Stage;

namespace {

std::string stage_returning() {
  return std::string(" RETURNING ") + kStageColumns;
}
std::string pipeline_returning() {
  return std::string(" RETURNING ") + kPipelineColumns;
}

pg::Params stage_params(const Stage& s) {
  pg::Params p(s.pipeline_id, s.name, s.order_nr, s.probability, s.rot_enabled, s.days_to_rotten,
               s.order_received);
  p.add(boost::json::value(deals::to_json(s.required_fields)));
  return p;
}

constexpr const char* kStageWritten =
    "pipeline_id, name, order_nr, probability, rot_enabled, days_to_rotten, order_received,"
    " required_fields";
constexpr const char* kStageValues = "$1, $2, $3, $4, $5, $6, $7, $8::jsonb";

}  // namespace

asio::awaitable<std::vector<Pipeline>> DealRepository::pipelines() {
  const auto result = co_await pool_.read(std::string("SELECT ") + kPipelineColumns +
                                           " FROM pipelines p WHERE p.deleted_at IS NULL"
                                           " ORDER BY p.order_nr, p.name, p.id");
  std::vector<Pipeline> out;
  for (auto r : result) out.push_back(pipeline_from(r));
  co_return out;
}

asio::awaitable<std::vector<Stage>> DealRepository::stages() {
  const auto result = co_await pool_.read(std::string("SELECT ") + kStageColumns +
                                           " FROM stages s WHERE s.deleted_at IS NULL"
                                           " ORDER BY s.pipeline_id, s.order_nr, s.name, s.id");
  std::vector<Stage> out;
  for (auto r : result) out.push_back(stage_from(r));
  co_return out;
}

asio::awaitable<Pipeline> DealRepository::insert_pipeline(pg::Transaction& tx,
                                                          const deals::NewPipeline& p) {
  const auto result = co_await tx.query(
      "INSERT INTO pipelines AS p (name, order_nr, uses_probability) VALUES ($1, $2, $3)" +
          pipeline_returning(),
      pg::Params(p.name, p.order_nr, p.uses_probability));
  co_return pipeline_from(result.one());
}

asio::awaitable<std::optional<Pipeline>> DealRepository::lock_pipeline(pg::Transaction& tx,
                                                                       const Uuid& id) {
  const auto result = co_await tx.query(std::string("SELECT ") + kPipelineColumns +
                                            " FROM pipelines p WHERE p.id = $1"
                                            " AND p.deleted_at IS NULL FOR UPDATE",
                                        pg::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return pipeline_from(result.one());
}

asio::awaitable<Pipeline> DealRepository::update_pipeline(pg::Transaction& tx, const Pipeline& p) {
  const auto result = co_await tx.query(
      "UPDATE pipelines p SET name = $2, order_nr = $3, uses_probability = $4,"
      " updated_at = now() WHERE p.id = $1" +
          pipeline_returning(),
      pg::Params(p.id, p.name, p.order_nr, p.uses_probability));
  co_return pipeline_from(result.one());
}

asio::awaitable<void> DealRepository::delete_pipeline(pg::Transaction& tx, const Uuid& id) {
  co_await tx.query(
      "WITH gone AS (UPDATE stages SET deleted_at = now(), updated_at = now()"
      " WHERE pipeline_id = $1 AND deleted_at IS NULL)"
      " UPDATE pipelines SET deleted_at = now(), updated_at = now() WHERE id = $1",
      pg::Params(id));
}

asio::awaitable<Stage> DealRepository::insert_stage(pg::Transaction& tx, const Stage& s) {
  const auto result = co_await tx.query(std::string("INSERT INTO stages AS s (") + kStageWritten +
                                            ") VALUES (" + kStageValues + ")" + stage_returning(),
                                        stage_params(s));
  co_return stage_from(result.one());
}

asio::awaitable<std::optional<Stage>> DealRepository::lock_stage(pg::Transaction& tx,
                                                                 const Uuid& id) {
  const auto result = co_await tx.query(std::string("SELECT ") + kStageColumns +
                                            " FROM stages s WHERE s.id = $1"
                                            " AND s.deleted_at IS NULL FOR UPDATE",
                                        pg::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return stage_from(result.one());
}

asio::awaitable<Stage> DealRepository::update_stage(pg::Transaction& tx, const Stage& s) {
  auto params = stage_params(s);
  const auto id = placeholder(params, s.id);
  const auto result =
      co_await tx.query(std::string("UPDATE stages s SET (") + kStageWritten + ", updated_at) = (" +
                            kStageValues + ", now()) WHERE s.id = " + id + stage_returning(),
                        std::move(params));
  co_return stage_from(result.one());
}

asio::awaitable<void> DealRepository::delete_stage(pg::Transaction& tx, const Uuid& id) {
  co_await tx.query("UPDATE stages SET deleted_at = now(), updated_at = now() WHERE id = $1",
                    pg::Params(id));
}

asio::awaitable<std::int64_t> DealRepository::live_deals_in(pg::Transaction& tx,
                                                            std::string_view column,
                                                            const Uuid& id) {
  const auto result = co_await tx.query(
      "SELECT count(*) FROM deals WHERE " + std::string(column) + " = $1 AND deleted_at IS NULL",
      pg::Params(id));
  co_return result.one().get<std::int64_t>(0);
}

asio::awaitable<std::vector<Uuid>> DealRepository::move_stage_deals(pg::Transaction& tx,
                                                                    const Uuid& from,
                                                                    const Stage& to,
                                                                    const std::optional<Uuid>& by) {
  const auto result = co_await tx.query(
      "WITH moved AS (UPDATE deals SET stage_id = $2, pipeline_id = $3, stage_change_time = now(),"
      " stage_entered_at = now(), update_time = now(), updated_at = now()"
      " WHERE stage_id = $1 AND deleted_at IS NULL RETURNING id),"
      " closed AS (UPDATE deal_stage_history SET left_at = greatest(entered_at, now())"
      " WHERE deal_id IN (SELECT id FROM moved) AND left_at IS NULL RETURNING deal_id)"
      " SELECT id FROM moved",
      pg::Params(from, to.id, to.pipeline_id, by));
  std::vector<Uuid> out;
  for (auto r : result) out.push_back(r.get<Uuid>(0));
  // The new visits after the old ones closed (see enter_stage).
  co_await tx.query(
      "INSERT INTO deal_stage_history (deal_id, pipeline_id, stage_id, entered_at, entered_by)"
      " SELECT i, $2, $3, now(), $4 FROM unnest($1::uuid[]) AS i",
      pg::Params(out, to.pipeline_id, to.id, by));
  co_return out;
}

}  // namespace crmd::storage
