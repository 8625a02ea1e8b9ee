// Contacts: reads and audited writes, run through the contacts actor.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "actors/actor.hpp"
#include "domain/contacts/contact.hpp"
#include "domain/identity/principal.hpp"
#include "storage/contacts/repository.hpp"

namespace crmd::actors {

class ContactService {
 public:
  explicit ContactService(pg::Pool& pool) : pool_(pool), repository_(pool) {}

  // Error{not_found} for an unknown or (unless include_deleted) deleted contact.
  boost::asio::awaitable<contacts::Contact> get(Uuid id, bool include_deleted);
  boost::asio::awaitable<std::vector<Listed<contacts::Contact>>> list(
      contacts::ContactListQuery query, std::size_t limit, std::optional<PagePosition> from) {
    return repository_.list(query, limit, from);
  }
  boost::asio::awaitable<std::int64_t> count(contacts::ContactListQuery query) {
    return repository_.count(query);
  }
  boost::asio::awaitable<contacts::Contact> create(contacts::ContactChanges changes,
                                                   identity::RequestContext context);
  boost::asio::awaitable<contacts::Contact> update(Uuid id, contacts::ContactChanges changes,
                                                   identity::RequestContext context);
  boost::asio::awaitable<contacts::Contact> set_deleted(Uuid id, bool deleted,
                                                        identity::RequestContext context);

 private:
  pg::Pool& pool_;
  storage::ContactRepository repository_;
};

}  // namespace crmd::actors
