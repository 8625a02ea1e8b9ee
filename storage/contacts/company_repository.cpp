#include "storage/contacts/company_repository.hpp"

#include <boost/json/array.hpp>

#include "domain/common/error.hpp"
#include "storage/contacts/employees_filter.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using contacts::Company;
using contacts::CompanyChanges;

namespace {

constexpr const char* kColumns =
    "c.id, c.name, c.normalized_name, c.domain, c.industry, c.employees_min, c.employees_max,"
    " c.city, c.state, c.country, coalesce(m.technologies, '{}'), m.revenue::int8,"
    " coalesce(m.attributes, '{}'), c.created_at, c.updated_at, c.deleted_at";
constexpr int kSortKey = 16;  // the column after kColumns in a list
constexpr const char* kFrom = "companies c LEFT JOIN company_metadata m ON m.company_id = c.id";

Company company_from(const pg::Row& r) {
  auto attributes = r.get<boost::json::value>(12);
  return {r.get<Uuid>(0),
          r.get<std::string>(1),
          r.get<std::string>(2),
          r.get<std::optional<std::string>>(3),
          r.get<std::optional<std::string>>(4),
          r.get<std::optional<std::int64_t>>(5),
          r.get<std::optional<std::int64_t>>(6),
          r.get<std::optional<std::string>>(7),
          r.get<std::optional<std::string>>(8),
          r.get<std::optional<std::string>>(9),
          r.get<std::vector<std::string>>(10),
          r.get<std::optional<std::int64_t>>(11),
          attributes.is_object() ? attributes.get_object() : boost::json::object{},
          r.get<Timestamp>(13),
          r.get<Timestamp>(14),
          r.get<std::optional<Timestamp>>(15)};
}

std::string select_one(const char* where) {
  return std::string("SELECT ") + kColumns + " FROM " + kFrom + " WHERE " + where;
}

Assignments company_assignments(const CompanyChanges& c, pg::Params params) {
  Assignments a{{}, {}, std::move(params)};
  a.add("name", c.name);
  if (c.name && *c.name)
    a.add("normalized_name", Change<std::string>(contacts::normalize_company_name(**c.name)));
  a.add("domain", c.domain);
  a.add("industry", c.industry);
  a.add("employees_min", c.employees_min);
  a.add("employees_max", c.employees_max);
  a.add("city", c.city);
  a.add("state", c.state);
  a.add("country", c.country);
  return a;
}

// The metadata columns changed; a cleared list or object is stored empty.
Assignments metadata_assignments(const CompanyChanges& c, const Uuid& id) {
  Assignments a{{}, {}, pg::Params(id)};
  if (c.technologies)
    a.add("technologies",
          Change<std::vector<std::string>>(c.technologies->value_or(std::vector<std::string>{})),
          "::text[]");
  a.add("revenue", c.revenue);
  if (c.attributes)
    a.add("attributes",
          Change<boost::json::value>(
              boost::json::value(c.attributes->value_or(boost::json::object{}))),
          "::jsonb");
  return a;
}

std::string where_of(const contacts::CompanyListQuery& q, pg::Params& params) {
  std::string where = q.include_deleted ? "TRUE" : "c.deleted_at IS NULL";
  const auto param = [&](const auto& value) { return placeholder(params, value); };
  if (q.q) {
    const auto name = contains_patterns({contacts::normalize_company_name(*q.q)}).front();
    const auto domain = contains_patterns(lowered({*q.q})).front();
    where += " AND (c.normalized_name LIKE " + param(name) + " OR lower(c.domain) LIKE " +
             param(domain) + ")";
  }
  if (!q.names.empty()) {
    std::vector<std::string> names;
    for (const auto& name : q.names) names.push_back(contacts::normalize_company_name(name));
    where += " AND c.normalized_name = ANY(" + param(names) + "::text[])";
  }
  if (!q.domains.empty())
    where += " AND lower(c.domain) = ANY(" + param(lowered(q.domains)) + "::text[])";
  if (!q.industries.empty())
    where += " AND lower(c.industry) = ANY(" + param(lowered(q.industries)) + "::text[])";
  if (!q.cities.empty())
    where += " AND lower(c.city) = ANY(" + param(lowered(q.cities)) + "::text[])";
  if (!q.states.empty())
    where += " AND lower(c.state) = ANY(" + param(lowered(q.states)) + "::text[])";
  if (!q.countries.empty())
    where += " AND lower(c.country) = ANY(" + param(lowered(q.countries)) + "::text[])";
  if (!q.employees.empty()) where += " AND " + employees_overlap(q.employees, "c.", params);
  if (q.created_after) where += " AND c.created_at >= " + param(*q.created_after);
  if (q.created_before) where += " AND c.created_at < " + param(*q.created_before);
  if (q.updated_after) where += " AND c.updated_at >= " + param(*q.updated_after);
  if (q.updated_before) where += " AND c.updated_at < " + param(*q.updated_before);
  return where;
}

}  // namespace

asio::awaitable<std::vector<Listed<Company>>> CompanyRepository::list(
    const contacts::CompanyListQuery& q, std::size_t limit,
    const std::optional<PagePosition>& from) {
  pg::Params params;
  KeysetQuery keyset{kColumns, "companies c", where_of(q, params)};
  keyset.joins = "LEFT JOIN company_metadata m ON m.company_id = c.id";
  keyset.id = "c.id";
  keyset.order_by(q.order);
  const auto result = co_await pool_.read_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<Company>> rows;
  for (auto row : result) rows.push_back({company_from(row), row.get<std::string>(kSortKey)});
  reorder(rows, from);
  co_return rows;
}

asio::awaitable<std::int64_t> CompanyRepository::count(const contacts::CompanyListQuery& q) {
  pg::Params params;
  const auto where = where_of(q, params);
  const auto result =
      co_await pool_.read_page("SELECT count(*) FROM companies c WHERE " + where, params);
  co_return result.one().get<std::int64_t>(0);
}

asio::awaitable<std::optional<Company>> CompanyRepository::find(const Uuid& id,
                                                                bool include_deleted) {
  const auto result = co_await pool_.read(select_one("c.id = $1 AND ($2 OR c.deleted_at IS NULL)"),
                                           id, include_deleted);
  if (result.empty()) co_return std::nullopt;
  co_return company_from(result[0]);
}

asio::awaitable<std::optional<Company>> CompanyRepository::lock(pg::Transaction& tx,
                                                                const Uuid& id) {
  const auto result = co_await tx.query(select_one("c.id = $1 FOR UPDATE OF c"), id);
  if (result.empty()) co_return std::nullopt;
  co_return company_from(result[0]);
}

std::string CompanyRef::key() const {
  return domain.value_or("") + "|" + contacts::normalize_company_name(name);
}

asio::awaitable<ResolvedCompanies> resolve_companies(pg::Transaction& tx,
                                                     const std::vector<CompanyRef>& refs) {
  ResolvedCompanies resolved;
  boost::json::array wanted;
  const auto text = [](const std::optional<std::string>& v) {
    return v ? boost::json::value(*v) : boost::json::value(nullptr);
  };
  for (const auto& ref : refs)
    wanted.push_back(boost::json::object{
        {"name", ref.name},
        {"normalized", contacts::normalize_company_name(ref.name)},
        {"domain", text(ref.domain)},
        {"industry", text(ref.industry)},
        {"emin", ref.employees ? boost::json::value(ref.employees->min) : nullptr},
        {"emax",
         ref.employees && ref.employees->max ? boost::json::value(*ref.employees->max) : nullptr}});
  if (wanted.empty()) co_return resolved;
  // By domain first, then by normalized name; the rest are created.
  const auto result = co_await tx.query(
      "WITH wanted AS (SELECT DISTINCT ON (coalesce(domain, ''), normalized) * FROM"
      "   jsonb_to_recordset($1::jsonb) AS x(name text, normalized text, domain text,"
      "   industry text, emin bigint, emax bigint)),"
      " found AS (SELECT w.*, coalesce("
      "   (SELECT c.id FROM companies c WHERE w.domain IS NOT NULL AND lower(c.domain) = w.domain"
      "    AND c.deleted_at IS NULL ORDER BY c.created_at LIMIT 1),"
      "   (SELECT c.id FROM companies c WHERE c.normalized_name = w.normalized"
      "    AND c.deleted_at IS NULL ORDER BY c.created_at LIMIT 1)) AS id FROM wanted w),"
      " created AS (INSERT INTO companies (name, normalized_name, domain, industry,"
      "   employees_min, employees_max) SELECT name, normalized, domain, industry, emin, emax"
      "   FROM found WHERE id IS NULL RETURNING id, normalized_name, domain),"
      " metadata AS (INSERT INTO company_metadata (company_id) SELECT id FROM created)"
      " SELECT coalesce(f.domain, '') || '|' || f.normalized, coalesce(f.id, c.id), f.id IS NULL"
      " FROM found f LEFT JOIN created c ON f.id IS NULL AND c.normalized_name = f.normalized"
      "   AND c.domain IS NOT DISTINCT FROM f.domain",
      boost::json::value(std::move(wanted)));
  std::vector<Uuid> created;
  for (auto row : result) {
    resolved.ids.emplace(row.get<std::string>(0), row.get<Uuid>(1));
    if (row.get<bool>(2)) created.push_back(row.get<Uuid>(1));
  }
  if (!created.empty()) {
    // Read back whole, for their audit rows (metadata rows commit with them).
    const auto rows = co_await tx.query(select_one("c.id = ANY($1::uuid[])"), created);
    for (auto row : rows) resolved.created.push_back(company_from(row));
  }
  co_return resolved;
}

asio::awaitable<std::optional<Uuid>> CompanyRepository::live_with_domain(
    pg::Transaction& tx, const std::string& domain, const std::optional<Uuid>& self) {
  co_await tx.query("SELECT pg_advisory_xact_lock(hashtext('crmd.company_domain:' || lower($1)))",
                    domain);
  const auto result = co_await tx.query(
      "SELECT id FROM companies WHERE lower(domain) = lower($1) AND deleted_at IS NULL"
      " AND ($2::uuid IS NULL OR id <> $2) LIMIT 1",
      domain, self);
  if (result.empty()) co_return std::nullopt;
  co_return result[0].get<Uuid>(0);
}

asio::awaitable<Company> CompanyRepository::insert(pg::Transaction& tx,
                                                   const CompanyChanges& changes) {
  const auto a = company_assignments(changes, pg::Params{});
  const auto inserted = co_await tx.query(a.insert_into("companies") + " RETURNING id", a.params);
  const auto id = inserted.one().get<Uuid>(0);
  co_await tx.query("INSERT INTO company_metadata (company_id) VALUES ($1)", id);
  const CompanyChanges metadata{.revenue = changes.revenue,
                                .technologies = changes.technologies,
                                .attributes = changes.attributes};
  auto company = co_await update(tx, id, metadata);
  co_return company;
}

asio::awaitable<Company> CompanyRepository::update(pg::Transaction& tx, const Uuid& id,
                                                   const CompanyChanges& changes) {
  const auto a = company_assignments(changes, pg::Params(id));
  if (!a.columns.empty())
    co_await tx.query("UPDATE companies SET " + a.set_list("updated_at = now()") + " WHERE id = $1",
                      a.params);
  const auto m = metadata_assignments(changes, id);
  if (!m.columns.empty()) {
    // An upsert: a company made elsewhere may have no metadata row yet.
    std::string columns, values, updates;
    for (std::size_t i = 0; i < m.columns.size(); ++i) {
      columns += ", " + m.columns[i];
      values += ", " + m.placeholders[i];
      updates += m.columns[i] + " = EXCLUDED." + m.columns[i] + ", ";
    }
    co_await tx.query("INSERT INTO company_metadata (company_id" + columns + ") VALUES ($1" +
                          values + ") ON CONFLICT (company_id) DO UPDATE SET " + updates +
                          "updated_at = now()",
                      m.params);
  }
  if (a.columns.empty() && !m.columns.empty())
    co_await tx.query("UPDATE companies SET updated_at = now() WHERE id = $1", id);
  const auto result = co_await tx.query(select_one("c.id = $1"), id);
  co_return company_from(result.one());
}

asio::awaitable<Company> CompanyRepository::set_deleted(pg::Transaction& tx, const Uuid& id,
                                                        const std::optional<Uuid>& by,
                                                        bool deleted) {
  if (deleted)
    co_await tx.query(
        "UPDATE companies SET deleted_at = now(), deleted_by = $2, updated_at = now()"
        " WHERE id = $1",
        id, by);
  else
    co_await tx.query(
        "UPDATE companies SET deleted_at = NULL, deleted_by = NULL, delete_reason = NULL,"
        " updated_at = now() WHERE id = $1",
        id);
  const auto result = co_await tx.query(select_one("c.id = $1"), id);
  co_return company_from(result.one());
}

asio::awaitable<std::vector<std::string>> CompanyRepository::unlink_contacts(pg::Transaction& tx,
                                                                             const Uuid& id) {
  const auto result = co_await tx.query(
      "UPDATE contacts SET company_id = NULL, updated_at = now() WHERE company_id = $1"
      " RETURNING id::text",
      id);
  std::vector<std::string> ids;
  for (auto row : result) ids.push_back(row.get<std::string>(0));
  co_return ids;
}

}  // namespace crmd::storage
