// Companies: reads and audited writes. Deleting a company keeps its
// contacts: they lose the link, each unlinking recorded in the audit log.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "domain/contacts/company.hpp"
#include "domain/identity/principal.hpp"
#include "storage/contacts/company_repository.hpp"

namespace crmd::actors {

class CompanyService {
 public:
  explicit CompanyService(pg::Pool& pool) : pool_(pool), repository_(pool) {}

  // Error{not_found} for an unknown or (unless include_deleted) deleted company.
  boost::asio::awaitable<contacts::Company> get(Uuid id, bool include_deleted);
  boost::asio::awaitable<std::vector<Listed<contacts::Company>>> list(
      contacts::CompanyListQuery query, std::size_t limit, std::optional<PagePosition> from) {
    co_return co_await repository_.list(query, limit, from);
  }
  boost::asio::awaitable<std::int64_t> count(contacts::CompanyListQuery query) {
    co_return co_await repository_.count(query);
  }
  boost::asio::awaitable<contacts::Company> create(contacts::CompanyChanges changes,
                                                   identity::RequestContext context);
  boost::asio::awaitable<contacts::Company> update(Uuid id, contacts::CompanyChanges changes,
                                                   identity::RequestContext context);
  boost::asio::awaitable<contacts::Company> set_deleted(Uuid id, bool deleted,
                                                        identity::RequestContext context);

 private:
  boost::asio::awaitable<void> require_free_domain(pg::Transaction& tx,
                                                   const std::optional<std::string>& domain,
                                                   const std::optional<Uuid>& self);
  pg::Pool& pool_;
  storage::CompanyRepository repository_;
};

}  // namespace crmd::actors
