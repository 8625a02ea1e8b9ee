#include "storage/write_scope.hpp"

namespace crmd::storage {

boost::asio::awaitable<WriteScope> WriteScope::begin(pg::Pool& pool,
                                                     const identity::RequestContext& context) {
  WriteScope scope;
  if (context.transaction)
    scope.request_tx_ = context.transaction;
  else
    scope.own_.emplace(co_await pool.begin());
  co_return scope;
}

boost::asio::awaitable<void> WriteScope::commit() {
  if (own_) co_await own_->commit();
}

}  // namespace crmd::storage
