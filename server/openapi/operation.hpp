// What a route declares about itself for the OpenAPI document: operation id,
// summary, tags, parameters, request body and answers. Written next to its
// router.add() call (RouteOptions::doc); see router.hpp for how.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/json_schema.hpp"

namespace crmd::openapi {

using schema::Schema;

struct Parameter {
  std::string name;
  std::string in;  // path, query or header
  Schema schema;
  std::string description;
  bool required = false;
};

struct Body {
  std::string content_type;
  Schema schema;
  bool required = true;
  std::string description;
};

struct Reply {
  std::string description;
  std::string content_type;          // empty: no body
  std::optional<Schema> schema;      // of the body, when it is JSON
  std::vector<std::string> headers;  // answer headers worth naming (Location, ETag)
};

class Operation {
 public:
  std::string id, summary, description;
  std::vector<std::string> tags;
  std::vector<Parameter> parameters;
  std::optional<Body> body;
  std::map<int, Reply> responses;

  Operation& tag(std::string name);
  Operation& describe(std::string text);
  Operation& query(std::string name, Schema s, std::string description = {}, bool required = false);
  Operation& query(const std::vector<Parameter>& list);
  // A path parameter other than a UUID (every {name} not declared is one).
  Operation& path(std::string name, Schema s, std::string description = {});
  Operation& header(std::string name, Schema s, std::string description = {});
  Operation& json_body(Schema s, bool required = true, std::string description = {});
  Operation& body_of(std::string content_type, Schema s, std::string description = {});
  // Answers: JSON bodies with their schema, or none.
  Operation& ok(Schema s, std::string description = "OK");
  Operation& created(Schema s, std::string description = "Created");
  Operation& accepted(Schema s, std::string description = "Accepted");
  Operation& no_content(std::string description = "No content");
  Operation& reply(int status, std::string description, std::string content_type = {},
                   std::optional<Schema> s = std::nullopt);
  // Error answers in the error shape beyond those the generator adds from
  // the route (access, parameters, body: see document.cpp).
  Operation& errors(std::initializer_list<int> statuses);
  Operation& with_header(int status, std::string header);
};

Operation op(std::string id, std::string summary);

// limit and cursor, as every paged list takes them.
std::vector<Parameter> page_params();
// {"next", "previous", "results": [item], "count"?}
Schema page_of(Schema item, bool countable = false);
// {"detail", "error_code", "errors"?, "request_id"?}: every error answer.
Schema error_schema();

}  // namespace crmd::openapi
