// The OpenAPI 3.1 document of a router, generated from the declarations
// its routes carry (RouteOptions::doc) and what their access level,
// template and options imply. No copy of it is kept anywhere.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "server/http/router.hpp"

namespace crmd::openapi {

// The whole document: every route of the router, documented or not (an
// undocumented one is marked x-crmd-undocumented).
boost::json::object document(const http::Router& router);

// A route's operation as the document shows it, with what the generator
// adds, schemas inline (no $ref): what the contract check of the tests
// validates answers against. Null doc: the route is undocumented.
struct EffectiveOperation {
  bool documented = false;
  Operation operation;
  std::string access;  // x-crmd-access
};
EffectiveOperation effective_operation(const http::Route& route);

// "GET /api/v2/contacts/{id}"
std::string route_name(const http::Route& route);

}  // namespace crmd::openapi
