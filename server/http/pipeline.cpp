#include "server/http/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/core/string.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

#include "domain/common/storable_text.hpp"
#include "domain/common/uuid.hpp"
#include "server/auth.hpp"
#include "server/http/errors.hpp"
#include "server/logging.hpp"
#include "storage/pg/error.hpp"

namespace crmd::http {
namespace {

using beast_http::field;

constexpr std::string_view kUnmatchedRoute = "(unmatched)";
constexpr std::string_view kAllowedHeaders =
    "Authorization, Content-Type, Idempotency-Key, If-Match, X-Contacts-Write-Key, X-Request-Id";

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != ':')
      return false;
  return true;
}

std::string method_list(const std::vector<beast_http::verb>& methods) {
  std::string out;
  for (auto m : methods) {
    if (!out.empty()) out += ", ";
    out += beast_http::to_string(m);
  }
  return out;
}

// host[:port], without user information: what a Host header may hold.
bool valid_host(std::string_view host) {
  auto authority = boost::urls::parse_authority(host);
  return authority && !authority->has_userinfo() && !authority->host().empty();
}

// Text the database cannot store (invalid UTF-8, NUL) never reaches a query.
void reject_unstorable_target(const Request& request) {
  auto refuse = [] {
    return Error(ErrorKind::bad_request, "invalid_encoding",
                 "the path or query string is not valid UTF-8 or holds a NUL character");
  };
  for (const auto& param : request.path_params)
    if (!storable(param.second)) throw refuse();
  if (!request.url.has_query()) return;
  for (auto param : request.url.params())
    if (!storable(param.key) || !storable(param.value)) throw refuse();
}

}  // namespace

Pipeline::Pipeline(const Router& router, server::Metrics& metrics,
                   const server::Authenticator& auth, Idempotency& idempotency,
                   PipelineOptions options)
    : router_(router),
      metrics_(metrics),
      auth_(auth),
      idempotency_(idempotency),
      options_(std::move(options)) {
  if (!options_.public_url.empty())
    base_url_.store(std::make_shared<const std::string>(options_.public_url));
}

boost::asio::awaitable<Response> Pipeline::handle(Request& request) {
  const auto start = std::chrono::steady_clock::now();
  const auto given_id = request.message["X-Request-Id"];
  request.request_id = valid_request_id(given_id) ? std::string(given_id) : Uuid::random_v4().str();
  metrics_.in_flight().Increment();
  Response response;
  try {
    response = co_await dispatch(request);
  } catch (...) {
    response = error_response(to_api_error(std::current_exception()), request.request_id);
    if (response.result() == beast_http::status::unauthorized)
      response.set(field::www_authenticate, "Bearer");
  }
  metrics_.in_flight().Decrement();
  if (response.result() == beast_http::status::internal_server_error)
    metrics_.internal_errors().Increment();
  add_cors_headers(request, response);
  response.set("X-Content-Type-Options", "nosniff");
  // What a credential unlocked must not sit in a shared cache.
  if (request.principal && response.count(field::cache_control) == 0)
    response.set(field::cache_control, "no-store");
  finish(request, response,
         request.route ? std::string_view(request.route->path_template) : kUnmatchedRoute, start);
  co_return response;
}

bool Pipeline::takes_upload(const Message& header) const {
  auto parsed = boost::urls::parse_origin_form(header.target());
  if (!parsed) return false;  // dispatch answers 400
  const auto match = router_.match(header.method(), parsed->encoded_path());
  return match.route && match.route->options.upload;
}

boost::asio::awaitable<void> Pipeline::admit(Request& request) const {
  auto parsed = boost::urls::parse_origin_form(request.message.target());
  if (!parsed) co_return;
  request.url = *parsed;
  const auto match = router_.match(request.method(), request.url.encoded_path());
  if (match.route && match.route->access != Access::public_)
    co_await auth_.authorize(request, *match.route);
}

void Pipeline::set_listen_url(std::string url) {
  if (options_.public_url.empty())
    base_url_.store(std::make_shared<const std::string>(std::move(url)));
}

bool Pipeline::trusted(std::string_view address) const {
  return std::any_of(options_.trusted_proxies.begin(), options_.trusted_proxies.end(),
                     [&](const Cidr& cidr) { return cidr.contains(address); });
}

void Pipeline::resolve_origin(Request& request) const {
  const auto host = request.message[field::host];
  if ((!host.empty() && !valid_host(host)) || request.message.count(field::host) > 1)
    throw Error(ErrorKind::bad_request, "invalid_host", "the Host header is not a valid host");
  request.base_url = base_url_.load();
  if (options_.trusted_proxies.empty() || !trusted(request.remote_address)) return;
  // The client is the rightmost address a trusted proxy did not add.
  std::string_view chain = request.message["X-Forwarded-For"];
  while (!chain.empty()) {
    const auto comma = chain.rfind(',');
    auto hop = chain.substr(comma == std::string_view::npos ? 0 : comma + 1);
    while (hop.starts_with(' ')) hop.remove_prefix(1);
    while (hop.ends_with(' ')) hop.remove_suffix(1);
    if (!is_ip_address(hop)) break;
    request.remote_address = std::string(hop);
    if (!trusted(hop)) break;
    chain = comma == std::string_view::npos ? std::string_view() : chain.substr(0, comma);
  }
  const auto forwarded_host = request.message["X-Forwarded-Host"];
  if (options_.public_url.empty() && !forwarded_host.empty() && valid_host(forwarded_host)) {
    const bool https = boost::beast::iequals(request.message["X-Forwarded-Proto"], "https");
    request.base_url = std::make_shared<const std::string>(
        std::string(https ? "https://" : "http://") + std::string(forwarded_host));
  }
}

boost::asio::awaitable<Response> Pipeline::dispatch(Request& request) {
  auto parsed = boost::urls::parse_origin_form(request.message.target());
  if (!parsed)
    throw Error(ErrorKind::bad_request, "malformed_target", "the request target is malformed");
  request.url = *parsed;
  resolve_origin(request);

  auto method = request.method();
  const bool is_preflight = method == beast_http::verb::options &&
                            request.message.count(field::origin) &&
                            request.message.count(field::access_control_request_method);
  if (is_preflight) co_return preflight(request);

  auto match = router_.match(method, request.url.encoded_path());
  const bool head = method == beast_http::verb::head;
  if (!match.route && head)
    match = router_.match(beast_http::verb::get, request.url.encoded_path());
  if (!match.route) {
    if (match.allowed.empty()) throw Error(ErrorKind::not_found, "not_found", "no such resource");
    Response response = error_response(
        Error(ErrorKind::method_not_allowed, "method_not_allowed",
              "method " + std::string(request.message.method_string()) + " is not allowed here"),
        request.request_id);
    response.set(field::allow, method_list(match.allowed));
    co_return response;
  }
  request.route = match.route;
  request.path_params = std::move(match.params);
  reject_unstorable_target(request);
  // Public routes skip the check's coroutine frame altogether.
  if (match.route->access != Access::public_) co_await auth_.authorize(request, *match.route);
  Response response;
  const auto key = request.message["Idempotency-Key"];
  const bool idempotent = match.route->options.idempotent_create && !key.empty();
  // A deadlock rolled the route's transaction back whole: it runs once more
  // before the client hears of it (an upload is consumed by its first run).
  for (int attempt = 1;; ++attempt) {
    try {
      if (idempotent)
        response = co_await idempotency_.run(request, *match.route, std::string(key));
      else
        response = co_await match.route->handler(request);
      break;
    } catch (const pg::Error& e) {
      if (!e.is_deadlock() || attempt > 1 || match.route->options.upload) throw;
      spdlog::warn("request {}: deadlock, running it again", request.request_id);
    }
  }
  if (head && !request.streamed_body) {
    response.prepare_payload();
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  co_return response;
}

Response Pipeline::preflight(const Request& request) const {
  Response response(beast_http::status::no_content, request.message.version());
  const auto requested =
      beast_http::string_to_verb(request.message[field::access_control_request_method]);
  auto match = router_.match(requested, request.url.encoded_path());
  if (origin_allowed(request.message[field::origin]) && match.route) {
    response.set(field::access_control_allow_methods, beast_http::to_string(requested));
    response.set(field::access_control_allow_headers, kAllowedHeaders);
    response.set(field::access_control_max_age, "600");
  }
  return response;
}

bool Pipeline::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  for (const auto& allowed : options_.cors_origins)
    if (allowed == "*" || allowed == origin) return true;
  return false;
}

void Pipeline::add_cors_headers(const Request& request, Response& response) const {
  const auto origin = request.message[field::origin];
  if (!origin_allowed(origin)) return;
  response.set(field::access_control_allow_origin, origin);
  response.set(field::vary, "Origin");
  response.set(field::access_control_expose_headers, "X-Request-Id, Retry-After, Location, ETag");
}

Response Pipeline::reject(const Error& error, const std::string& remote_address,
                          const Message* partial) {
  Request request;
  if (partial) request.message = *partial;
  request.message.body().clear();
  request.remote_address = remote_address;
  request.request_id = Uuid::random_v4().str();
  Response response = error_response(error, request.request_id);
  response.keep_alive(false);
  finish(request, response, kUnmatchedRoute, std::chrono::steady_clock::now());
  return response;
}

void Pipeline::finish(Request& request, Response& response, std::string_view route,
                      std::chrono::steady_clock::time_point start) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  response.set("X-Request-Id", request.request_id);
  char timing[48] = "app;dur=";
  const auto timing_end = std::to_chars(timing + 8, timing + sizeof timing, seconds * 1000.0,
                                        std::chars_format::fixed, 3)
                              .ptr;
  response.set("Server-Timing", std::string_view(timing, timing_end));
  const unsigned status = response.result_int();
  metrics_.observe(route, request.message.method_string(), status, seconds);
  if (options_.access_log) {
    // The path only: query strings may carry tokens or personal data.
    const auto target = request.message.target();
    server::log_access({request.request_id, request.remote_address, request.message.method_string(),
                        target.substr(0, target.find('?')), status, response.body().size(),
                        seconds});
  }
}

}  // namespace crmd::http
