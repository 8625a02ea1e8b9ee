// The SQL of Idempotency-Key: claim a key for a request and store its
// answer, both in the request's transaction; read a stored answer back.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "storage/pg/pool.hpp"

namespace crmd::storage {

struct StoredResponse {
  std::string request_hash;
  std::optional<int> status;  // none: the first request is still running
  boost::json::object headers;
  std::string body;
};

class IdempotencyStore {
 public:
  explicit IdempotencyStore(pg::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<pg::Transaction> begin() { return pool_.begin(); }
  // True when this request now owns the key (an expired entry is replaced).
  // A claim of the same key in a transaction still open waits for it to end.
  boost::asio::awaitable<bool> claim(pg::Transaction& tx, const std::string& caller,
                                     const std::string& key, const std::string& request_hash);
  boost::asio::awaitable<std::optional<StoredResponse>> find(const std::string& caller,
                                                             const std::string& key);
  boost::asio::awaitable<void> complete(pg::Transaction& tx, const std::string& caller,
                                        const std::string& key, int status,
                                        const boost::json::object& headers,
                                        const std::string& body);
  // Deletes expired entries; returns how many.
  boost::asio::awaitable<std::int64_t> prune();

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
