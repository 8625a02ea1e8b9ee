// The contract check of the HTTP tests: every answer a RawClient::request()
// gets from a RunningServer is checked against the OpenAPI operation of the
// route it reached (openapi::effective_operation): its status must be one
// the operation declares, and a JSON body must match that status's schema.
// A mismatch fails the test (ADD_FAILURE) naming the route, the status and
// what is wrong. Undocumented routes and unrouted paths are not checked;
// 408, 413 and 431 come from the connection, not the route, and pass when
// undeclared (their body still has to be the error shape).
#pragma once

#include <string>

#include "server/http/router.hpp"
#include "support/test_support.hpp"

namespace crmd::test {

void register_contract(unsigned short port, const http::Router& router);
void unregister_contract(unsigned short port);
void check_contract(unsigned short port, const std::string& method, const std::string& target,
                    const HttpResponse& response);
// Answers checked against a schema so far, in this process.
std::size_t contract_checks();

}  // namespace crmd::test
