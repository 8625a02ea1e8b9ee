// The SQL of contact methods. Writes run in the caller's transaction, which
// has locked the contact, so that counting and primary flags cannot race.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <vector>

#include "domain/contacts/contact_method.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

class ContactMethodRepository {
 public:
  explicit ContactMethodRepository(pg::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<std::vector<contacts::ContactMethod>> list(const Uuid& contact_id);
  boost::asio::awaitable<std::optional<contacts::ContactMethod>> find(pg::Transaction& tx,
                                                                      const Uuid& contact_id,
                                                                      const Uuid& id);
  boost::asio::awaitable<std::int64_t> count(pg::Transaction& tx, const Uuid& contact_id);
  // A primary method makes the contact's other methods of its type secondary.
  boost::asio::awaitable<contacts::ContactMethod> insert(
      pg::Transaction& tx, const Uuid& contact_id, const contacts::ContactMethodChanges& changes);
  boost::asio::awaitable<contacts::ContactMethod> update(
      pg::Transaction& tx, const contacts::ContactMethod& current,
      const contacts::ContactMethodChanges& changes);
  boost::asio::awaitable<void> remove(pg::Transaction& tx, const Uuid& id);

 private:
  boost::asio::awaitable<void> demote_others(pg::Transaction& tx, const Uuid& contact_id,
                                             const std::string& type, const Uuid& keep);

  pg::Pool& pool_;
};

}  // namespace crmd::storage
