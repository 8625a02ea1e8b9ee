#include "storage/contacts/repository.hpp"

#include <algorithm>

#include "domain/common/error.hpp"
#include "domain/contacts/company.hpp"
#include "domain/contacts/titles.hpp"
#include "storage/contacts/employees_filter.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using contacts::Contact;
using contacts::ContactChanges;

namespace {

constexpr const char* kColumns =
    "id, first_name, last_name, full_name, title, normalized_title, seniority, departments,"
    " email::text, email_status, phone, company_id, linkedin_url, city, state, country,"
    " owner_user_id, created_at, updated_at, deleted_at, company_name";
constexpr int kSortKey = 21;  // the column after kColumns in a list

Contact contact_from(const pg::Row& r) {
  return {r.get<Uuid>(0),
          r.get<std::string>(1),
          r.get<std::string>(2),
          r.get<std::string>(3),
          r.get<std::optional<std::string>>(4),
          r.get<std::optional<std::string>>(5),
          r.get<std::optional<std::string>>(6),
          r.get<std::vector<std::string>>(7),
          r.get<std::optional<std::string>>(8),
          r.get<std::optional<std::string>>(9),
          r.get<std::optional<std::string>>(10),
          r.get<std::optional<Uuid>>(11),
          r.get<std::optional<std::string>>(12),
          r.get<std::optional<std::string>>(13),
          r.get<std::optional<std::string>>(14),
          r.get<std::optional<std::string>>(15),
          r.get<std::optional<Uuid>>(16),
          r.get<Timestamp>(17),
          r.get<Timestamp>(18),
          r.get<std::optional<Timestamp>>(19),
          r.get<std::optional<std::string>>(20)};
}

Assignments assignments_of(const ContactChanges& c, pg::Params params) {
  Assignments a{{}, {}, std::move(params)};
  // Names are never NULL: clearing one stores "".
  const auto name = [](const Change<std::string>& c) -> Change<std::string> {
    if (!c) return std::nullopt;
    return std::optional<std::string>(c->value_or(""));
  };
  a.add("first_name", name(c.first_name));
  a.add("last_name", name(c.last_name));
  a.add("title", c.title);
  // Normalized title follows the title; without a seniority of its own, a
  // new title brings the one it implies.
  auto seniority = c.seniority;
  if (c.title && *c.title) {
    a.set("normalized_title", contacts::normalize_title(**c.title));
    if (!seniority || !*seniority)
      seniority = std::optional<std::string>(std::string(contacts::infer_seniority(**c.title)));
  } else if (c.title) {
    a.set("normalized_title", std::optional<std::string>());
  }
  a.add("seniority", seniority);
  if (c.departments)
    a.set("departments", c.departments->value_or(std::vector<std::string>{}), "::text[]");
  a.add("email", c.email);
  a.add("email_status", c.email_status);
  a.add("phone", c.phone);
  a.add("company_id", c.company_id);
  a.add("linkedin_url", c.linkedin_url);
  a.add("city", c.city);
  a.add("state", c.state);
  a.add("country", c.country);
  a.add("owner_user_id", c.owner_user_id);
  return a;
}

[[noreturn]] void rethrow_write_error(const pg::Error& e) {
  if (e.is_unique_violation())
    throw Error(ErrorKind::conflict, "email_taken", "a contact with this e-mail exists",
                {{"email", "already used by another contact"}});
  if (e.is_foreign_key_violation())
    throw Error(ErrorKind::validation, "validation_error", "the company or owner does not exist",
                {{"company_id", "no such company or owner"}});
  throw e;
}

}  // namespace

bool filters_companies(const contacts::ContactListQuery& q) {
  return !q.companies.empty() || !q.industries.empty() || !q.employees.empty();
}

namespace {

std::string company_conditions(const contacts::ContactListQuery& q, pg::Params& params) {
  const auto param = [&](const auto& value) { return placeholder(params, value); };
  std::string company = "deleted_at IS NULL";
  if (!q.companies.empty()) {
    std::vector<std::string> names;
    for (const auto& name : q.companies) names.push_back(contacts::normalize_company_name(name));
    company += " AND normalized_name LIKE ANY(" + param(contains_patterns(names)) + "::text[])";
  }
  if (!q.industries.empty())
    company += " AND lower(industry) = ANY(" + param(lowered(q.industries)) + "::text[])";
  if (!q.employees.empty()) company += " AND " + employees_overlap(q.employees, "", params);
  return company;
}

}  // namespace

std::string contact_list_where(const contacts::ContactListQuery& q, pg::Params& params,
                               const CompanyIds* companies) {
  std::string where = q.include_deleted ? "TRUE" : "deleted_at IS NULL";
  const auto param = [&](const auto& value) { return placeholder(params, value); };
  if (q.q) where += " AND search @@ plainto_tsquery('simple', " + param(*q.q) + ")";
  if (!q.titles.empty()) {
    std::vector<std::string> titles;
    for (const auto& t : q.titles) titles.push_back(contacts::normalize_title(t));
    // LIKE, not ILIKE: normalized titles and the patterns made from them
    // are lowercase alike (normalize_title), and ILIKE costs a third more
    // per row it reads (bench/README.md, issue 16).
    where += " AND normalized_title LIKE ANY(" + param(contains_patterns(titles)) + "::text[])";
  }
  if (!q.emails.empty()) where += " AND email = ANY(" + param(q.emails) + "::citext[])";
  if (!q.email_domains.empty())
    where += " AND lower(split_part(email::text, '@', 2)) = ANY(" +
             param(lowered(q.email_domains)) + "::text[])";
  if (!q.seniorities.empty()) where += " AND seniority = ANY(" + param(q.seniorities) + "::text[])";
  if (!q.departments.empty()) where += " AND departments && " + param(q.departments) + "::text[]";
  if (!q.cities.empty())
    where += " AND lower(city) = ANY(" + param(lowered(q.cities)) + "::text[])";
  if (!q.states.empty())
    where += " AND lower(state) = ANY(" + param(lowered(q.states)) + "::text[])";
  if (!q.countries.empty())
    where += " AND lower(country) = ANY(" + param(lowered(q.countries)) + "::text[])";
  if (!q.email_statuses.empty())
    where += " AND email_status = ANY(" + param(q.email_statuses) + "::text[])";
  // Company filters read companies only when asked for.
  if (filters_companies(q)) {
    if (companies) {
      where += " AND company_id = ANY(" + param(*companies) + "::uuid[])";
    } else {
      // An array, not IN (subquery): the planner cannot know how many
      // companies a '%fragment%' matches, and its guess, when high, walks
      // every contact in sort order; from an array it goes through the
      // company index.
      where += " AND company_id = ANY(ARRAY(SELECT id FROM companies WHERE " +
               company_conditions(q, params) + "))";
    }
  }
  if (!q.company_ids.empty())
    where += " AND company_id = ANY(" + param(q.company_ids) + "::uuid[])";
  if (!q.owners.empty()) where += " AND owner_user_id = ANY(" + param(q.owners) + "::uuid[])";
  if (q.created_after) where += " AND created_at >= " + param(*q.created_after);
  if (q.created_before) where += " AND created_at < " + param(*q.created_before);
  if (q.updated_after) where += " AND updated_at >= " + param(*q.updated_after);
  if (q.updated_before) where += " AND updated_at < " + param(*q.updated_before);
  return where;
}

namespace {

// Whether the values decide the plan. A pattern (a title fragment, words to
// search, a company name fragment the query reads itself) selects anything
// from one contact in a million to most of them, and only a plan made with
// it knows which: the sort index walked, or the trigram index read. A list
// of company ids bounds the rows through the company index whatever it
// holds: its generic plan is the custom one, without the planning of each
// call (0.2 ms, twice the statement's run: bench/README.md, issue 16). A
// pattern's first page in an indexed order needs neither: the walk
// (KeysetQuery::walk) holds both plans in one.
bool plan_per_call(const contacts::ContactListQuery& q, const CompanyIds* companies) {
  const bool patterns = !q.titles.empty() || q.q || (filters_companies(q) && !companies);
  const bool ids = companies || !q.company_ids.empty();
  return patterns && !ids;
}

// The orderings an index walks: idx_contacts_created_at_id and
// idx_contacts_updated_at_id.
bool sort_indexed(const SortOrder& order) {
  return order.by->name == "created_at" || order.by->name == "updated_at";
}

// How many rows a pattern's page is looked for in before the pattern's own
// index is read: a pattern on one row in 80 fills a page of 25 there.
constexpr std::size_t kWalkedRows = 2000;

}  // namespace

asio::awaitable<pg::Result> ContactRepository::run_list(std::string sql, pg::Params params,
                                                        bool per_call) {
  co_return co_await pool_.read_page(std::move(sql), std::move(params),
                                     per_call ? pg::Planning::per_call : pg::Planning::cached,
                                     pg::Format::binary);
}

asio::awaitable<std::vector<Listed<Contact>>> ContactRepository::list(
    const contacts::ContactListQuery& q, std::size_t limit, const std::optional<PagePosition>& from,
    std::size_t offset, const CompanyIds* companies) {
  pg::Params params;
  KeysetQuery keyset{kColumns, "contacts c", contact_list_where(q, params, companies)};
  keyset.id = "c.id";
  keyset.order_by(q.order);
  keyset.offset = offset;
  const bool per_call = plan_per_call(q, companies);
  if (per_call && offset == 0 && sort_indexed(q.order)) keyset.walk = kWalkedRows;
  auto sql = keyset.sql(from, limit, params);
  const auto result =
      co_await run_list(std::move(sql), std::move(params), per_call && !keyset.walk);
  std::vector<Listed<Contact>> rows;
  for (auto row : result) rows.push_back({contact_from(row), row.get<std::string>(kSortKey)});
  reorder(rows, from);
  co_return rows;
}

asio::awaitable<std::optional<CompanyIds>> ContactRepository::companies_matching(
    const contacts::ContactListQuery& q, std::size_t limit) {
  pg::Params params;
  const auto sql = "SELECT id FROM companies WHERE " + company_conditions(q, params) + " LIMIT " +
                   std::to_string(limit + 1);
  const auto result = co_await pool_.read(sql, params);
  if (static_cast<std::size_t>(result.rows()) > limit) co_return std::nullopt;
  CompanyIds ids;
  ids.reserve(static_cast<std::size_t>(result.rows()));
  for (auto row : result) ids.push_back(row.get<Uuid>(0));
  co_return ids;
}

asio::awaitable<std::int64_t> ContactRepository::count(const contacts::ContactListQuery& q,
                                                       const CompanyIds* companies) {
  pg::Params params;
  const auto where = contact_list_where(q, params, companies);
  const bool filtered = params.size() > 0;
  const auto result = co_await run_list("SELECT count(*) FROM contacts WHERE " + where,
                                        std::move(params), filtered);
  co_return result.one().get<std::int64_t>(0);
}

asio::awaitable<std::optional<Contact>> ContactRepository::find(const Uuid& id,
                                                                bool include_deleted) {
  const auto result =
      co_await pool_.read(std::string("SELECT ") + kColumns +
                              " FROM contacts WHERE id = $1 AND ($2 OR deleted_at IS NULL)",
                          pg::Params(id, include_deleted), pg::Format::binary);
  if (result.empty()) co_return std::nullopt;
  co_return contact_from(result[0]);
}

asio::awaitable<std::optional<Contact>> ContactRepository::lock(pg::Transaction& tx,
                                                                const Uuid& id) {
  const auto result = co_await tx.query(
      std::string("SELECT ") + kColumns + " FROM contacts WHERE id = $1 FOR UPDATE", id);
  if (result.empty()) co_return std::nullopt;
  co_return contact_from(result[0]);
}

asio::awaitable<Contact> ContactRepository::insert(pg::Transaction& tx,
                                                   const ContactChanges& changes) {
  auto a = assignments_of(changes, pg::Params{});
  const std::string sql = a.insert_into("contacts") + " RETURNING " + kColumns;
  auto result = co_await query_or_map(tx, sql, a.params, rethrow_write_error);
  co_return contact_from(result.one());
}

asio::awaitable<Contact> ContactRepository::update(pg::Transaction& tx, const Uuid& id,
                                                   const ContactChanges& changes) {
  auto a = assignments_of(changes, pg::Params(id));
  const auto sets = a.set_list("updated_at = now()");
  auto result = co_await query_or_map(
      tx, "UPDATE contacts SET " + sets + " WHERE id = $1 RETURNING " + std::string(kColumns),
      a.params, rethrow_write_error);
  co_return contact_from(result.one());
}

asio::awaitable<std::vector<Contact>> ContactRepository::lock_by_emails(
    pg::Transaction& tx, const std::vector<std::string>& emails) {
  const auto result = co_await tx.query(
      std::string("SELECT ") + kColumns +
          // In id order, as every writer locking several contacts: two batches
          // sharing contacts then wait for each other instead of deadlocking.
          " FROM contacts WHERE email = ANY($1::citext[]) AND deleted_at IS NULL ORDER BY id"
          " FOR UPDATE",
      emails);
  std::vector<Contact> found;
  for (auto row : result) found.push_back(contact_from(row));
  co_return found;
}

asio::awaitable<std::vector<Uuid>> ContactRepository::unknown_companies(
    pg::Transaction& tx, const std::vector<Uuid>& ids) {
  const auto result = co_await tx.query(
      "SELECT given.id FROM unnest($1::uuid[]) AS given (id) WHERE NOT EXISTS"
      " (SELECT 1 FROM companies c WHERE c.id = given.id AND c.deleted_at IS NULL)",
      ids);
  std::vector<Uuid> unknown;
  for (auto row : result) unknown.push_back(row.get<Uuid>(0));
  co_return unknown;
}

asio::awaitable<std::vector<Uuid>> ContactRepository::unknown_users(pg::Transaction& tx,
                                                                    const std::vector<Uuid>& ids) {
  const auto result = co_await tx.query(
      "SELECT given.id FROM unnest($1::uuid[]) AS given (id) WHERE NOT EXISTS"
      " (SELECT 1 FROM users u WHERE u.id = given.id)",
      ids);
  std::vector<Uuid> unknown;
  for (auto row : result) unknown.push_back(row.get<Uuid>(0));
  co_return unknown;
}

asio::awaitable<Contact> ContactRepository::set_deleted(pg::Transaction& tx, const Uuid& id,
                                                        const std::optional<Uuid>& by,
                                                        bool deleted) {
  // Restoring next to a live twin e-mail is a unique violation: 409. Two
  // statements, not ?: (g++ 12 and co_await, see README).
  pg::Result result;
  if (deleted)
    result = co_await query_or_map(
        tx,
        std::string("UPDATE contacts SET deleted_at = now(), deleted_by = $2, updated_at = now()"
                    " WHERE id = $1 RETURNING ") +
            kColumns,
        pg::Params(id, by), rethrow_write_error);
  else
    result = co_await query_or_map(
        tx,
        std::string("UPDATE contacts SET deleted_at = NULL, deleted_by = NULL,"
                    " delete_reason = NULL, updated_at = now() WHERE id = $1 RETURNING ") +
            kColumns,
        pg::Params(id), rethrow_write_error);
  co_return contact_from(result.one());
}

}  // namespace crmd::storage
