#include "server/http/idempotency.hpp"

#include "domain/common/crypto.hpp"
#include "domain/common/error.hpp"

namespace crmd::http {
namespace asio = boost::asio;
using beast_http::field;

namespace {

constexpr std::size_t kMaxKeyBytes = 255;

std::string caller_of(const Request& request) {
  if (!request.principal) return "anonymous:" + request.remote_address;
  return std::string(identity::actor_type(*request.principal)) + ":" + request.principal->id.str();
}

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return false;
  for (char c : key)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

Response replay(const Request& request, const storage::StoredResponse& stored) {
  Response response(static_cast<beast_http::status>(*stored.status), request.message.version());
  for (const auto& [name, value] : stored.headers)
    if (value.is_string()) response.set(name, value.get_string());
  response.set("Idempotent-Replayed", "true");
  response.body() = stored.body;
  response.prepare_payload();
  return response;
}

boost::json::object kept_headers(const Response& response) {
  boost::json::object headers;
  for (auto name : {field::content_type, field::location})
    if (response.count(name)) headers[beast_http::to_string(name)] = response[name];
  return headers;
}

}  // namespace

asio::awaitable<Response> Idempotency::run(Request& request, const Route& route, std::string key) {
  if (!valid_key(key))
    throw Error(ErrorKind::bad_request, "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters");
  const auto caller = caller_of(request);
  // An upload's body is on disk: its digest stands for it.
  const auto& body = request.upload ? request.upload->digest() : request.message.body();
  const auto hash = sha256_hex(std::string(request.message.method_string()) + " " +
                               std::string(request.url.encoded_target()) + "\n" + body);
  auto tx = co_await store_.begin();
  const bool owned = co_await store_.claim(tx, caller, key, hash);
  if (!owned) {
    co_await tx.rollback();
    const auto stored = co_await store_.find(caller, key);
    if (!stored || !stored->status)
      throw Error(ErrorKind::conflict, "idempotency_key_in_progress",
                  "a request with this Idempotency-Key is still running; retry shortly");
    if (stored->request_hash != hash)
      throw Error(ErrorKind::validation, "idempotency_key_reused",
                  "this Idempotency-Key was used with a different request",
                  {{"Idempotency-Key", "already used with another request"}});
    co_return replay(request, *stored);
  }

  std::exception_ptr failure;
  Response response;
  request.transaction = &tx;
  try {
    response = co_await route.handler(request);
  } catch (...) {
    failure = std::current_exception();
  }
  request.transaction = nullptr;
  // A failed request leaves its key free (tx rolls back as it goes): the
  // same request may be tried again.
  if (failure) std::rethrow_exception(failure);
  if (response.result_int() >= 500) co_return response;
  const auto headers = kept_headers(response);
  co_await store_.complete(tx, caller, key, static_cast<int>(response.result_int()), headers,
                           response.body());
  co_await tx.commit();
  co_return response;
}

}  // namespace crmd::http
