// The SQL of contacts. Writes take the caller's transaction so the audit
// row commits with them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "domain/common/page.hpp"
#include "domain/contacts/contact.hpp"
#include "domain/contacts/list_query.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

using CompanyIds = std::vector<Uuid>;

// Whether the query filters on companies (name fragment, industry, head count).
bool filters_companies(const contacts::ContactListQuery& query);

// The WHERE clause of a contacts list query over the contacts table (its
// columns unqualified); its values are appended to params. companies, when
// given, are the companies the query's company filters match (found before,
// see companies_matching), read instead of the companies table.
std::string contact_list_where(const contacts::ContactListQuery& query, pg::Params& params,
                               const CompanyIds* companies = nullptr);

class ContactRepository {
 public:
  // At most limit rows in the query's order, from the position on. Going
  // backward the rows still come in the query's order.
  boost::asio::awaitable<std::vector<Listed<contacts::Contact>>> list(
      const contacts::ContactListQuery& query, std::size_t limit,
      const std::optional<PagePosition>& from, std::size_t offset = 0,
      const CompanyIds* companies = nullptr);

  explicit ContactRepository(pg::Pool& pool) : pool_(pool) {}

  // Rows matching the query's filters (its ordering aside).
  boost::asio::awaitable<std::int64_t> count(const contacts::ContactListQuery& query,
                                             const CompanyIds* companies = nullptr);
  // The live companies the query's company filters match; nullopt past limit.
  boost::asio::awaitable<std::optional<CompanyIds>> companies_matching(
      const contacts::ContactListQuery& query, std::size_t limit);
  boost::asio::awaitable<std::optional<contacts::Contact>> find(const Uuid& id,
                                                                bool include_deleted);
  boost::asio::awaitable<std::optional<contacts::Contact>> lock(pg::Transaction& tx,
                                                                const Uuid& id);
  // Throw Error{conflict} for a live contact with the same e-mail and
  // Error{validation} for an unknown company or owner.
  boost::asio::awaitable<contacts::Contact> insert(pg::Transaction& tx,
                                                   const contacts::ContactChanges& changes);
  boost::asio::awaitable<contacts::Contact> update(pg::Transaction& tx, const Uuid& id,
                                                   const contacts::ContactChanges& changes);
  // Live contacts with these e-mails, locked for the transaction.
  boost::asio::awaitable<std::vector<contacts::Contact>> lock_by_emails(
      pg::Transaction& tx, const std::vector<std::string>& emails);
  // Those of ids that name no live company, or no user.
  boost::asio::awaitable<std::vector<Uuid>> unknown_companies(pg::Transaction& tx,
                                                              const std::vector<Uuid>& ids);
  boost::asio::awaitable<std::vector<Uuid>> unknown_users(pg::Transaction& tx,
                                                          const std::vector<Uuid>& ids);
  boost::asio::awaitable<contacts::Contact> set_deleted(pg::Transaction& tx, const Uuid& id,
                                                        const std::optional<Uuid>& by,
                                                        bool deleted);

 private:
  boost::asio::awaitable<pg::Result> run_list(std::string sql, pg::Params params, bool per_call);
  pg::Pool& pool_;
};

}  // namespace crmd::storage
