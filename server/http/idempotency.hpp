// Idempotency-Key for creating POSTs (as Stripe does): the first answer to
// a key is kept 24 hours per key and caller; a retry with the same request
// gets it again (with Idempotent-Replayed: true), the same key with another
// request gets 422, and a retry while the first still runs waits for it.
// The claim, the handler's writes (storage::WriteScope joins the request's
// transaction) and the stored answer are one transaction: a failure at any
// point, storing the answer included, leaves nothing, and a retry runs anew.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "server/http/router.hpp"
#include "storage/idempotency.hpp"

namespace crmd::http {

class Idempotency {
 public:
  explicit Idempotency(storage::IdempotencyStore& store) : store_(store) {}

  // Runs the route's handler under the request's Idempotency-Key.
  boost::asio::awaitable<Response> run(Request& request, const Route& route, std::string key);

 private:
  storage::IdempotencyStore& store_;
};

}  // namespace crmd::http
