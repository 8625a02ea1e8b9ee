// The SQL of Idempotency-Key: claim a key for a request, store the answer,
// read a stored answer back.
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

  // True when this request now owns the key (an expired entry is replaced).
  boost::asio::awaitable<bool> claim(const std::string& caller, const std::string& key,
                                     const std::string& request_hash);
  boost::asio::awaitable<std::optional<StoredResponse>> find(const std::string& caller,
                                                             const std::string& key);
  boost::asio::awaitable<void> complete(const std::string& caller, const std::string& key,
                                        int status, const boost::json::object& headers,
                                        const std::string& body);
  // Frees the key after a failure the client may retry (5xx).
  boost::asio::awaitable<void> release(const std::string& caller, const std::string& key);
  // Deletes expired entries; returns how many.
  boost::asio::awaitable<std::int64_t> prune();

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
