#include "storage/contacts/export_repository.hpp"

#include "storage/contacts/repository.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

// One text column per export column; a head count as the importer reads it
// back ("250", "51-200", "10001+").
constexpr const char* kExportColumns =
    "c.id::text, c.first_name, c.last_name, c.title, c.seniority,"
    " array_to_string(c.departments, ','), c.email::text, c.email_status, c.phone,"
    " c.linkedin_url, c.city, c.state, c.country, c.company_name, co.domain, co.industry,"
    " CASE WHEN co.employees_min IS NULL THEN NULL"
    "      WHEN co.employees_max IS NULL THEN co.employees_min || '+'"
    "      WHEN co.employees_max = co.employees_min THEN co.employees_min::text"
    "      ELSE co.employees_min || '-' || co.employees_max END,"
    " to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

}  // namespace

asio::awaitable<void> open_contact_export(pg::Transaction& tx,
                                          const exports::ContactSelection& selection) {
  pg::Params params;
  std::string where, order = "c.created_at, c.id";
  if (!selection.ids.empty()) {
    params.add(selection.ids);
    where = "deleted_at IS NULL AND id = ANY($1::uuid[])";
  } else {
    const auto& q = selection.query;
    where = contact_list_where(q, params);
    const char* direction = q.order.descending ? " DESC" : "";
    order = std::string(q.order.by->sql) + direction + ", c.id" + direction;
  }
  // The contacts are filtered alone (the list's WHERE names their columns
  // unqualified), then joined to their companies.
  co_await tx.query(std::string("DECLARE contact_export NO SCROLL CURSOR FOR SELECT ") +
                        kExportColumns + " FROM (SELECT * FROM contacts WHERE " + where +
                        ") c LEFT JOIN companies co ON co.id = c.company_id ORDER BY " + order,
                    std::move(params));
}

asio::awaitable<pg::Result> fetch_contact_export(pg::Transaction& tx, std::size_t n) {
  co_return co_await tx.query("FETCH " + std::to_string(n) + " FROM contact_export");
}

}  // namespace crmd::storage
