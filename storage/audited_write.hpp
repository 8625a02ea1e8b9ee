// The one shape of a write that matters: open (or join) its transaction,
// lock the row, check it (exists, visible, If-Match), change it, write the
// audit row with before and after, commit. Actors lock and change through
// their repositories between begin() and commit().
#pragma once

#include <boost/asio/awaitable.hpp>

#include "domain/common/time.hpp"
#include "storage/audit.hpp"
#include "storage/write_scope.hpp"

namespace crmd::storage {

class AuditedWrite {
 public:
  static boost::asio::awaitable<AuditedWrite> begin(pg::Pool& pool,
                                                    identity::RequestContext context);

  pg::Transaction& tx() { return scope_.tx(); }
  const identity::RequestContext& context() const { return context_; }
  // With the row locked: 412 when the request's If-Match names another
  // version than updated_at.
  void require_version(Timestamp updated_at) const;
  // An audit row besides the one commit() writes.
  boost::asio::awaitable<void> audit(const AuditEntry& entry);
  // Writes entry's audit row and commits.
  boost::asio::awaitable<void> commit(const AuditEntry& entry);

 private:
  AuditedWrite(WriteScope scope, identity::RequestContext context)
      : scope_(std::move(scope)), context_(std::move(context)) {}
  WriteScope scope_;
  identity::RequestContext context_;
};

}  // namespace crmd::storage
