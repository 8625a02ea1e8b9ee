// The transaction a write runs in: the request's own when it has one (a
// request with an Idempotency-Key runs in one transaction, its stored answer
// included, see server/http/idempotency.hpp), else a new one.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "domain/identity/principal.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

class WriteScope {
 public:
  static boost::asio::awaitable<WriteScope> begin(pg::Pool& pool,
                                                  const identity::RequestContext& context);
  WriteScope(WriteScope&&) = default;

  pg::Transaction& tx() { return request_tx_ ? *request_tx_ : *own_; }
  // Commits a transaction of its own; the request's commits with the request.
  boost::asio::awaitable<void> commit();

 private:
  WriteScope() = default;
  std::optional<pg::Transaction> own_;
  pg::Transaction* request_tx_ = nullptr;
};

}  // namespace crmd::storage
