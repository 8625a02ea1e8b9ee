#include "storage/idempotency.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

asio::awaitable<bool> IdempotencyStore::claim(pg::Transaction& tx, const std::string& caller,
                                              const std::string& key,
                                              const std::string& request_hash) {
  // An expired entry is taken over in the same statement.
  const auto result = co_await tx.query(
      "INSERT INTO idempotency_keys (caller, key, request_hash, expires_at)"
      " VALUES ($1, $2, $3, now() + interval '24 hours')"
      " ON CONFLICT (caller, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
      " status = NULL, response_headers = NULL, response_body = NULL, created_at = now(),"
      " expires_at = EXCLUDED.expires_at WHERE idempotency_keys.expires_at < now()"
      " RETURNING 1",
      caller, key, request_hash);
  co_return result.rows() == 1;
}

asio::awaitable<std::optional<StoredResponse>> IdempotencyStore::find(const std::string& caller,
                                                                      const std::string& key) {
  const auto result = co_await pool_.read(
      "SELECT request_hash, status, response_headers, response_body FROM idempotency_keys"
      " WHERE caller = $1 AND key = $2",
      caller, key);
  if (result.empty()) co_return std::nullopt;
  const auto row = result[0];
  StoredResponse stored{row.get<std::string>(0), row.get<std::optional<std::int32_t>>(1), {}, ""};
  if (auto headers = row.get<std::optional<boost::json::value>>(2); headers && headers->is_object())
    stored.headers = headers->get_object();
  stored.body = row.get<std::optional<std::string>>(3).value_or("");
  co_return stored;
}

asio::awaitable<void> IdempotencyStore::complete(pg::Transaction& tx, const std::string& caller,
                                                 const std::string& key, int status,
                                                 const boost::json::object& headers,
                                                 const std::string& body) {
  const boost::json::value stored_headers = headers;
  co_await tx.query(
      "UPDATE idempotency_keys SET status = $3, response_headers = $4, response_body = $5"
      " WHERE caller = $1 AND key = $2",
      caller, key, static_cast<std::int32_t>(status), stored_headers, body);
}

asio::awaitable<std::int64_t> IdempotencyStore::prune() {
  const auto result = co_await pool_.query("DELETE FROM idempotency_keys WHERE expires_at < now()");
  co_return result.affected();
}

}  // namespace crmd::storage
