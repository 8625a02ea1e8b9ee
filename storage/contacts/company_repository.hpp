// The SQL of companies. Writes take the caller's transaction so the audit
// rows commit with them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <vector>

#include "domain/common/page.hpp"
#include "domain/contacts/company.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

// A company named by a write that has no company id (an imported row, a
// contact with "company" or "company_domain").
struct CompanyRef {
  std::string name;                   // the domain when only a domain is known
  std::optional<std::string> domain;  // normalized host name
  std::optional<std::string> industry;
  std::optional<contacts::EmployeeRange> employees;

  // "<domain>|<normalized name>": what resolve_companies() answers by.
  std::string key() const;
};

struct ResolvedCompanies {
  std::map<std::string, Uuid> ids;  // by CompanyRef::key()
  std::vector<contacts::Company> created;
};

// Finds each company by domain, then by normalized name, among live ones,
// and creates (with its metadata row) those found neither way, in one
// statement.
boost::asio::awaitable<ResolvedCompanies> resolve_companies(pg::Transaction& tx,
                                                            const std::vector<CompanyRef>& refs);

class CompanyRepository {
 public:
  explicit CompanyRepository(pg::Pool& pool) : pool_(pool) {}

  // At most limit rows in the query's order from the position on (rows
  // come in the query's order either way).
  boost::asio::awaitable<std::vector<Listed<contacts::Company>>> list(
      const contacts::CompanyListQuery& query, std::size_t limit,
      const std::optional<PagePosition>& from);
  boost::asio::awaitable<std::int64_t> count(const contacts::CompanyListQuery& query);
  boost::asio::awaitable<std::optional<contacts::Company>> find(const Uuid& id,
                                                                bool include_deleted);
  boost::asio::awaitable<std::optional<contacts::Company>> lock(pg::Transaction& tx,
                                                                const Uuid& id);
  // The live company other than `self` with this domain, if any. Takes a
  // transaction lock on the domain first, so that two writers of the same
  // domain are serialised until the first commits.
  boost::asio::awaitable<std::optional<Uuid>> live_with_domain(pg::Transaction& tx,
                                                               const std::string& domain,
                                                               const std::optional<Uuid>& self);
  boost::asio::awaitable<contacts::Company> insert(pg::Transaction& tx,
                                                   const contacts::CompanyChanges& changes);
  boost::asio::awaitable<contacts::Company> update(pg::Transaction& tx, const Uuid& id,
                                                   const contacts::CompanyChanges& changes);
  boost::asio::awaitable<contacts::Company> set_deleted(pg::Transaction& tx, const Uuid& id,
                                                        const std::optional<Uuid>& by,
                                                        bool deleted);
  // Clears company_id on every contact of the company; answers their ids.
  boost::asio::awaitable<std::vector<std::string>> unlink_contacts(pg::Transaction& tx,
                                                                   const Uuid& id);

 private:
  boost::asio::awaitable<contacts::Company> write(pg::Transaction& tx, std::string sql,
                                                  pg::Params params);

  pg::Pool& pool_;
};

}  // namespace crmd::storage
