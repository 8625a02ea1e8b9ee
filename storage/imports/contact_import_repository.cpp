#include "storage/imports/contact_import_repository.hpp"

#include <boost/json/serialize.hpp>

#include "domain/common/copy_text.hpp"
#include "domain/contacts/company.hpp"
#include "domain/contacts/titles.hpp"
#include "storage/contacts/company_repository.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

std::optional<std::string> text_of(const Change<std::string>& change) {
  return change && *change ? std::optional<std::string>(**change) : std::nullopt;
}

// The batch's rows, staged by COPY: the upsert below reads them as a table.
constexpr const char* kStageTable =
    "CREATE TEMP TABLE crmd_import_rows (first_name text, last_name text, title text,"
    " normalized_title text, seniority text, departments text[], email text, email_status text,"
    " phone text, linkedin_url text, city text, state text, country text, company_id uuid,"
    " metadata jsonb) ON COMMIT DROP";
constexpr const char* kStageCopy = "COPY crmd_import_rows FROM STDIN";

std::string staged_rows(const std::vector<imports::ContactRow>& rows,
                        const ResolvedCompanies& companies) {
  CopyText out;
  for (const auto& row : rows) {
    const auto& c = row.contact;
    std::optional<std::string> company;
    if (row.company_name || row.company_domain) {
      const CompanyRef ref{row.company_name.value_or(*row.company_domain), row.company_domain};
      if (auto it = companies.ids.find(ref.key()); it != companies.ids.end())
        company = it->second.str();
    }
    const auto title = text_of(c.title);
    auto seniority = text_of(c.seniority);
    if (!seniority && title) seniority = std::string(contacts::infer_seniority(*title));
    out.field(text_of(c.first_name)).field(text_of(c.last_name)).field(title);
    if (title)
      out.field(contacts::normalize_title(*title));
    else
      out.null();
    out.field(seniority);
    if (c.departments && *c.departments && !(*c.departments)->empty())
      out.array(**c.departments);
    else
      out.null();
    out.field(text_of(c.email))
        .field(text_of(c.email_status))
        .field(text_of(c.phone))
        .field(text_of(c.linkedin_url))
        .field(text_of(c.city))
        .field(text_of(c.state))
        .field(text_of(c.country))
        .field(company)
        .field(boost::json::serialize(row.metadata));
    out.end_row();
  }
  return out.take();
}

}  // namespace

asio::awaitable<ImportCounts> import_contacts(pg::Transaction& tx,
                                              const std::vector<imports::ContactRow>& rows,
                                              ImportMode mode) {
  std::vector<CompanyRef> refs;
  for (const auto& row : rows)
    if (row.company_name || row.company_domain)
      refs.push_back({row.company_name.value_or(*row.company_domain), row.company_domain,
                      row.company_industry, row.company_employees});
  const auto companies = co_await resolve_companies(tx, refs);
  co_await tx.query(kStageTable);
  auto staged = staged_rows(rows, companies);
  co_await tx.copy_in(kStageCopy, std::move(staged));
  const std::string modes[] = {"create_only", "upsert", "update_only"};
  const auto& mode_name = modes[static_cast<int>(mode)];
  // Existing live contacts (by e-mail) are updated unless create_only, and
  // only where a value differs: an empty cell keeps what is there. The rest
  // are created unless update_only. A contact has a metadata row only once
  // it has attributes.
  const auto result = co_await tx.query(
      "WITH x AS (SELECT * FROM crmd_import_rows),"
      " existing AS (SELECT c.*, x.first_name AS n_first_name, x.last_name AS n_last_name,"
      "   x.title AS n_title, x.normalized_title AS n_normalized_title, x.seniority AS n_seniority,"
      "   x.departments AS n_departments, x.email_status AS n_email_status, x.phone AS n_phone,"
      "   x.linkedin_url AS n_linkedin_url, x.city AS n_city, x.state AS n_state,"
      "   x.country AS n_country, x.company_id AS n_company_id, x.metadata AS n_metadata"
      "   FROM x JOIN contacts c ON x.email IS NOT NULL AND c.email = x.email::citext"
      "   AND c.deleted_at IS NULL FOR UPDATE OF c),"
      " changed AS (SELECT * FROM existing e WHERE $1 <> 'create_only' AND"
      "   (e.first_name, e.last_name, e.title, e.seniority, e.departments, e.email_status,"
      "   e.phone, e.linkedin_url, e.city, e.state, e.country, e.company_id) IS DISTINCT FROM"
      "   (coalesce(e.n_first_name, e.first_name), coalesce(e.n_last_name, e.last_name),"
      "   coalesce(e.n_title, e.title), coalesce(e.n_seniority, e.seniority),"
      "   coalesce(e.n_departments, e.departments), coalesce(e.n_email_status, e.email_status),"
      "   coalesce(e.n_phone, e.phone), coalesce(e.n_linkedin_url, e.linkedin_url),"
      "   coalesce(e.n_city, e.city), coalesce(e.n_state, e.state),"
      "   coalesce(e.n_country, e.country), coalesce(e.n_company_id, e.company_id))),"
      " updated AS (UPDATE contacts c SET first_name = coalesce(e.n_first_name, c.first_name),"
      "   last_name = coalesce(e.n_last_name, c.last_name), title = coalesce(e.n_title, c.title),"
      "   normalized_title = coalesce(e.n_normalized_title, c.normalized_title),"
      "   seniority = coalesce(e.n_seniority, c.seniority),"
      "   departments = coalesce(e.n_departments, c.departments),"
      "   email_status = coalesce(e.n_email_status, c.email_status),"
      "   phone = coalesce(e.n_phone, c.phone),"
      "   linkedin_url = coalesce(e.n_linkedin_url, c.linkedin_url),"
      "   city = coalesce(e.n_city, c.city), state = coalesce(e.n_state, c.state),"
      "   country = coalesce(e.n_country, c.country),"
      "   company_id = coalesce(e.n_company_id, c.company_id), updated_at = now()"
      "   FROM changed e WHERE c.id = e.id RETURNING c.id),"
      " updated_metadata AS (INSERT INTO contact_metadata (contact_id, attributes)"
      "   SELECT e.id, e.n_metadata FROM existing e WHERE $1 <> 'create_only' AND"
      "   e.n_metadata <> '{}' ON CONFLICT (contact_id) DO UPDATE SET attributes ="
      "   contact_metadata.attributes || excluded.attributes, updated_at = now()"
      "   WHERE NOT contact_metadata.attributes @> excluded.attributes),"
      " inserted AS (INSERT INTO contacts (first_name, last_name, title, normalized_title,"
      "   seniority, departments, email, email_status, phone, linkedin_url, city, state, country,"
      "   company_id) SELECT coalesce(first_name, ''), coalesce(last_name, ''), title,"
      "   normalized_title, seniority, coalesce(departments, '{}'), email, email_status, phone,"
      "   linkedin_url, city, state, country, company_id FROM x WHERE $1 <> 'update_only' AND"
      "   (x.email IS NULL OR NOT EXISTS (SELECT 1 FROM existing e WHERE e.email = "
      "x.email::citext))"
      "   RETURNING id, email),"
      " inserted_metadata AS (INSERT INTO contact_metadata (contact_id, attributes)"
      "   SELECT i.id, x.metadata FROM inserted i JOIN x ON x.email = i.email::text"
      "   WHERE x.metadata <> '{}')"
      " SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated)",
      mode_name);
  const auto row = result.one();
  ImportCounts counts;
  counts.created = row.get<std::int64_t>(0);
  counts.updated = row.get<std::int64_t>(1);
  counts.skipped = static_cast<std::int64_t>(rows.size()) - counts.created - counts.updated;
  co_return counts;
}

}  // namespace crmd::storage
