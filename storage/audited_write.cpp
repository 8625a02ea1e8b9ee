#include "storage/audited_write.hpp"

#include "domain/common/version.hpp"

namespace crmd::storage {

boost::asio::awaitable<AuditedWrite> AuditedWrite::begin(pg::Pool& pool,
                                                         identity::RequestContext context) {
  auto scope = co_await WriteScope::begin(pool, context);
  co_return AuditedWrite(std::move(scope), std::move(context));
}

void AuditedWrite::require_version(Timestamp updated_at) const {
  crmd::require_version(context_.if_match, updated_at);
}

boost::asio::awaitable<void> AuditedWrite::audit(const AuditEntry& entry) {
  co_await write_audit(scope_.tx(), context_, entry);
}

boost::asio::awaitable<void> AuditedWrite::commit(const AuditEntry& entry) {
  co_await write_audit(scope_.tx(), context_, entry);
  co_await scope_.commit();
}

}  // namespace crmd::storage
