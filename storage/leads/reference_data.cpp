#include "domain/common/error.hpp"
#include "storage/leads/repository.hpp"
#include "storage/leads/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using leads::Lead;
using namespace lead_rows;

namespace {

const char* table_of(Reference which) {
  return which == Reference::statuses ? "lead_statuses" : "lead_origins";
}

constexpr const char* kReferenceColumns =
    "id, code, label, description, is_active, sort_order, NULL::integer, created_at";
constexpr const char* kStatusColumns =
    "id, code, label, description, is_active, sort_order, sla_days, created_at";

const char* reference_columns(Reference which) {
  return which == Reference::statuses ? kStatusColumns : kReferenceColumns;
}

leads::ReferenceItem reference_from(const pg::Row& r) {
  return {r.get<Uuid>(0),
          r.get<std::string>(1),
          r.get<std::string>(2),
          r.get<std::optional<std::string>>(3),
          r.get<bool>(4),
          r.get<std::int32_t>(5),
          r.get<std::optional<std::int32_t>>(6),
          r.get<Timestamp>(7)};
}

}  // namespace

// ---- reference data

asio::awaitable<std::vector<leads::ReferenceItem>> LeadRepository::references(Reference which) {
  // Not counted (pool_, not run()): these load the actor's cache, at times
  // no request chooses (a NOTIFY from another process).
  const auto result =
      co_await pool_.read(std::string("SELECT ") + reference_columns(which) + " FROM " +
                           table_of(which) + " ORDER BY sort_order, code");
  std::vector<leads::ReferenceItem> items;
  for (auto row : result) items.push_back(reference_from(row));
  co_return items;
}

namespace {
Assignments reference_assignments(const leads::ReferenceChanges& c, Reference which,
                                  pg::Params params) {
  Assignments a{{}, {}, std::move(params)};
  a.add("code", c.code);
  a.add("label", c.label);
  a.add("description", c.description);
  a.add("is_active", c.is_active);
  if (c.sort_order) a.set("sort_order", static_cast<std::int32_t>(*c.sort_order));
  if (which == Reference::statuses && c.sla_days) {
    std::optional<std::int32_t> days;
    if (*c.sla_days) days = static_cast<std::int32_t>(**c.sla_days);
    a.set("sla_days", days, "::integer");
  }
  return a;
}

[[noreturn]] void rethrow_reference_error(const pg::Error& e) {
  if (e.is_unique_violation())
    throw Error(ErrorKind::conflict, "code_taken", "this code is already used",
                {{"code", "already used"}});
  throw e;
}
}  // namespace

asio::awaitable<leads::ReferenceItem> LeadRepository::insert_reference(
    pg::Transaction& tx, Reference which, const leads::ReferenceChanges& changes) {
  auto a = reference_assignments(changes, which, pg::Params{});
  auto result =
      co_await run(tx, a.insert_into(table_of(which)) + " RETURNING " + reference_columns(which),
                   a.params, rethrow_reference_error);
  co_return reference_from(result.one());
}

asio::awaitable<std::optional<leads::ReferenceItem>> LeadRepository::update_reference(
    pg::Transaction& tx, Reference which, const Uuid& id, const leads::ReferenceChanges& changes) {
  auto a = reference_assignments(changes, which, pg::Params(id));
  auto result = co_await run(tx,
                             std::string("UPDATE ") + table_of(which) + " SET " + a.set_list("") +
                                 (a.columns.empty() ? "id = id" : "") +
                                 " WHERE id = $1 RETURNING " + reference_columns(which),
                             a.params, rethrow_reference_error);
  if (result.empty()) co_return std::nullopt;
  co_return reference_from(result[0]);
}

}  // namespace crmd::storage
