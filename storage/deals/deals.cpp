// Deals: their rows, their stage history, the list and search.
#include <boost/json.hpp>

#include "domain/common/date.hpp"
#include "storage/deals/repository.hpp"
#include "storage/deals/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using deals::Deal;

namespace {

// The columns a writer sets, as $1..$25 of an insert or an update.
constexpr const char* kWritten =
    "title, value, currency, status, pipeline_id, stage_id, owner_id, company_id, contact_id,"
    " lead_id, created_by, pipedrive_id, pipedrive_owner_id, expected_close_date, probability,"
    " lost_reason, add_time, update_time, stage_entered_at, stage_change_time, won_time,"
    " lost_time, close_time, archived_at, custom_fields";
constexpr const char* kWrittenValues =
    "$1, $2::bigint / 100.0, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::date, $15,"
    " $16, $17, $18, $19, $20, $21, $22, $23, $24, $25::jsonb";

pg::Params written(const Deal& d) {
  std::optional<std::string> close;
  if (d.expected_close_date) close = format_date(*d.expected_close_date);
  pg::Params p(d.title, d.value, d.currency, d.status, d.pipeline_id, d.stage_id, d.owner_id,
               d.company_id, d.contact_id, d.lead_id, d.created_by, d.pipedrive_id,
               d.pipedrive_owner_id, close, d.probability, d.lost_reason, d.add_time, d.update_time,
               d.stage_entered_at, d.stage_change_time, d.won_time, d.lost_time, d.close_time,
               d.archived_at);
  p.add(boost::json::value(d.custom_fields));
  return p;
}

std::string returning() {
  return std::string(" RETURNING ") + kDealColumns;
}

// A unique violation of a mirrored id, or a foreign key to a vanished row.
void map_deal_error(const pg::Error& e) {
  if (e.sqlstate() == "23503")
    throw Error(ErrorKind::validation, "validation_failed", "a linked record does not exist");
  throw e;
}

}  // namespace

asio::awaitable<std::optional<Deal>> DealRepository::get(const Uuid& id,
                                                         const std::optional<Uuid>& visible_to) {
  const auto result =
      co_await pool_.read(std::string("SELECT ") + kDealColumns +
                               " FROM deals d WHERE d.id = $1 AND d.deleted_at IS NULL"
                               " AND ($2::uuid IS NULL OR d.owner_id = $2)",
                           pg::Params(id, visible_to));
  if (result.empty()) co_return std::nullopt;
  co_return deal_from(result.one());
}

asio::awaitable<std::optional<Deal>> DealRepository::lock(pg::Transaction& tx, const Uuid& id) {
  const auto result = co_await tx.query(std::string("SELECT ") + kDealColumns +
                                            " FROM deals d WHERE d.id = $1 AND d.deleted_at IS NULL"
                                            " FOR UPDATE",
                                        pg::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return deal_from(result.one());
}

asio::awaitable<Deal> DealRepository::insert(pg::Transaction& tx, const Deal& d) {
  auto sql = std::string("INSERT INTO deals AS d (") + kWritten + ") VALUES (" + kWrittenValues +
             ")" + returning();
  const auto result = co_await query_or_map(tx, std::move(sql), written(d), map_deal_error);
  co_return deal_from(result.one());
}

asio::awaitable<Deal> DealRepository::update(pg::Transaction& tx, const Deal& d) {
  auto params = written(d);
  const auto id = placeholder(params, d.id);
  auto sql = std::string("UPDATE deals d SET (") + kWritten + ", updated_at) = (" + kWrittenValues +
             ", now()) WHERE d.id = " + id + returning();
  const auto result = co_await query_or_map(tx, std::move(sql), std::move(params), map_deal_error);
  co_return deal_from(result.one());
}

asio::awaitable<Deal> DealRepository::set_deleted(pg::Transaction& tx, const Uuid& id,
                                                  const std::optional<Uuid>& by,
                                                  const std::optional<std::string>& reason) {
  const auto result = co_await tx.query(
      "UPDATE deals d SET deleted_at = now(), deleted_by = $2, delete_reason = $3,"
      " updated_at = now() WHERE d.id = $1" +
          returning(),
      pg::Params(id, by, reason));
  co_return deal_from(result.one());
}

asio::awaitable<void> DealRepository::enter_stage(pg::Transaction& tx, const Deal& d,
                                                  const std::optional<Uuid>& by) {
  // Two statements: a WITH's parts run in no set order, and the insert must
  // find the visit before it closed (one open visit a deal, by index).
  co_await tx.query(
      "UPDATE deal_stage_history SET left_at = greatest(entered_at, $2)"
      " WHERE deal_id = $1 AND left_at IS NULL",
      pg::Params(d.id, d.stage_entered_at));
  co_await tx.query(
      "INSERT INTO deal_stage_history (deal_id, pipeline_id, stage_id, entered_at, entered_by)"
      " VALUES ($1, $2, $3, $4, $5)",
      pg::Params(d.id, d.pipeline_id, d.stage_id, d.stage_entered_at, by));
}

asio::awaitable<StageVisits> DealRepository::history(const Uuid& deal) {
  const auto result = co_await pool_.read(
      "SELECT h.stage_id, coalesce(s.name, ''), h.entered_at, h.left_at, h.entered_by"
      " FROM deal_stage_history h LEFT JOIN stages s ON s.id = h.stage_id"
      " WHERE h.deal_id = $1 ORDER BY h.entered_at, h.id LIMIT 1000",
      pg::Params(deal));
  StageVisits out;
  for (auto r : result)
    out.push_back({r.get<Uuid>(0), r.get<std::string>(1), r.get<Timestamp>(2),
                   r.get<std::optional<Timestamp>>(3), r.get<std::optional<Uuid>>(4)});
  co_return out;
}

asio::awaitable<std::vector<Listed<Deal>>> DealRepository::list(
    const DealQuery& q, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  std::string where = "d.deleted_at IS NULL";
  if (!q.include_archived) where += " AND d.archived_at IS NULL";
  if (!q.statuses.empty())
    where += " AND d.status = ANY(" + placeholder(params, q.statuses) + "::text[])";
  const auto equal = [&](const char* column, const std::optional<Uuid>& id) {
    if (id) where += std::string(" AND ") + column + " = " + placeholder(params, *id);
  };
  equal("d.owner_id", q.owner_id);
  equal("d.pipeline_id", q.pipeline_id);
  equal("d.stage_id", q.stage_id);
  equal("d.company_id", q.company_id);
  equal("d.contact_id", q.contact_id);
  equal("d.owner_id", q.visible_to);
  if (q.q) {
    const auto pattern = placeholder(params, contains_patterns({*q.q}).front());
    // Three trigram indexes: the title's, the companies' and the contacts'.
    where += " AND (lower(d.title) LIKE lower(" + pattern +
             ") OR d.company_id IN (SELECT c.id FROM companies c WHERE c.normalized_name LIKE"
             " lower(" +
             pattern +
             ") AND c.deleted_at IS NULL) OR d.contact_id IN (SELECT t.id FROM contacts t"
             " WHERE lower(t.full_name) LIKE lower(" +
             pattern + ") AND t.deleted_at IS NULL))";
  }
  KeysetQuery keyset{kDealColumns, "deals d", where};
  keyset.sort = "d.created_at";
  keyset.sort_type = SortKeyType::timestamp;
  keyset.id = "d.id";
  keyset.descending = true;
  auto sql = keyset.sql(from, limit, params);
  const auto result = co_await pool_.read_page(std::move(sql), std::move(params));
  std::vector<Listed<Deal>> out;
  for (auto r : result) out.push_back({deal_from(r), r.get<std::string>(kDealColumnCount)});
  reorder(out, from);
  co_return out;
}

asio::awaitable<bool> DealRepository::live_exists(std::string_view table, const Uuid& id) {
  const auto result = co_await pool_.read(
      "SELECT 1 FROM " + std::string(table) + " WHERE id = $1 AND deleted_at IS NULL",
      pg::Params(id));
  co_return !result.empty();
}

asio::awaitable<std::vector<OwnerName>> DealRepository::owner_names(
    const std::vector<std::optional<Uuid>>& users, const std::vector<std::int64_t>& pipedrive) {
  std::vector<Uuid> ids;
  for (const auto& u : users)
    if (u) ids.push_back(*u);
  const auto result = co_await pool_.read(
      "SELECT u.id, NULL::bigint, coalesce(nullif(u.name, ''), u.email::text) FROM users u"
      " WHERE u.id = ANY($1::uuid[])"
      " UNION ALL SELECT NULL::uuid, p.pipedrive_id, p.name FROM pipedrive_users p"
      " WHERE p.pipedrive_id = ANY($2::bigint[])",
      pg::Params(ids, pipedrive));
  std::vector<OwnerName> out;
  for (auto r : result)
    out.push_back({r.get<std::optional<Uuid>>(0), r.get<std::optional<std::int64_t>>(1),
                   r.get<std::string>(2)});
  co_return out;
}

asio::awaitable<boost::json::object> DealRepository::links_of(const Deal& d) {
  const auto result = co_await pool_.read(
      "SELECT (SELECT jsonb_build_object('id', c.id, 'name', c.name) FROM companies c"
      " WHERE c.id = $1 AND c.deleted_at IS NULL),"
      " (SELECT jsonb_build_object('id', t.id, 'name', t.full_name, 'email', t.email)"
      " FROM contacts t WHERE t.id = $2 AND t.deleted_at IS NULL),"
      " (SELECT jsonb_build_object('id', l.id, 'title', l.legal_name, 'owner_user_id',"
      " l.owner_user_id) FROM leads l WHERE l.id = $3)",
      pg::Params(d.company_id, d.contact_id, d.lead_id));
  const auto row = result.one();
  boost::json::object out;
  const char* names[] = {"company", "contact", "lead"};
  for (int i = 0; i < 3; ++i) {
    auto value = row.get<std::optional<boost::json::value>>(i);
    out[names[i]] = value ? std::move(*value) : boost::json::value(nullptr);
  }
  co_return out;
}

}  // namespace crmd::storage
