#include "support/contract.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <map>
#include <mutex>

#include "server/openapi/document.hpp"
#include "support/json_schema_check.hpp"

namespace crmd::test {
namespace {

struct Registered {
  const http::Router* router = nullptr;
  std::map<const http::Route*, std::shared_ptr<const openapi::EffectiveOperation>> operations;
};

std::mutex mutex;
std::map<unsigned short, Registered> servers;
std::atomic<std::size_t> checks{0};

std::shared_ptr<const openapi::EffectiveOperation> operation_of(unsigned short port,
                                                                const http::Route*& route,
                                                                boost::beast::http::verb verb,
                                                                std::string_view path) {
  std::lock_guard lock(mutex);
  auto it = servers.find(port);
  if (it == servers.end()) return nullptr;
  const auto match = it->second.router->match(verb, path);
  route = match.route;
  if (!route) return nullptr;
  auto& cached = it->second.operations[route];
  if (!cached)
    cached =
        std::make_shared<const openapi::EffectiveOperation>(openapi::effective_operation(*route));
  return cached;
}

}  // namespace

void register_contract(unsigned short port, const http::Router& router) {
  std::lock_guard lock(mutex);
  servers[port] = Registered{&router, {}};
}

void unregister_contract(unsigned short port) {
  std::lock_guard lock(mutex);
  servers.erase(port);
}

std::size_t contract_checks() {
  return checks.load();
}

void check_contract(unsigned short port, const std::string& method, const std::string& target,
                    const HttpResponse& response) {
  const auto verb = boost::beast::http::string_to_verb(method);
  if (verb == boost::beast::http::verb::head || verb == boost::beast::http::verb::unknown) return;
  const auto path = std::string_view(target).substr(0, target.find('?'));
  const http::Route* route = nullptr;
  const auto operation = operation_of(port, route, verb, path);
  if (!operation || !operation->documented) return;
  const auto name = openapi::route_name(*route);
  const int status = response.result_int();
  const auto& responses = operation->operation.responses;
  auto reply = responses.find(status);
  const bool transport = status == 408 || status == 413 || status == 431;
  if (reply == responses.end() && !transport) {
    ADD_FAILURE() << "contract: " << name << " (" << operation->operation.id << ") answered "
                  << status << ", a status its OpenAPI operation does not declare: "
                  << response.body().substr(0, 500);
    return;
  }
  const auto schema =
      reply == responses.end() ? std::optional(openapi::error_schema()) : reply->second.schema;
  const auto type = response[boost::beast::http::field::content_type];
  if (!schema || !type.starts_with("application/json") ||
      response.count(boost::beast::http::field::content_encoding))
    return;
  boost::system::error_code ec;
  const auto body = boost::json::parse(response.body(), ec);
  if (ec) {
    ADD_FAILURE() << "contract: " << name << " answered " << status << " with malformed JSON";
    return;
  }
  ++checks;
  const auto errors = schema_errors(body, *schema);
  if (errors.empty()) return;
  std::string list;
  for (const auto& e : errors) list += "\n  " + e;
  ADD_FAILURE() << "contract: the " << status << " answer of " << name << " ("
                << operation->operation.id << ") does not match its schema:" << list
                << "\nbody: " << response.body().substr(0, 1000);
}

}  // namespace crmd::test
