#include "server/openapi/operation.hpp"

#include "server/http/pagination.hpp"

namespace crmd::openapi {

Operation op(std::string id, std::string summary) {
  Operation o;
  o.id = std::move(id);
  o.summary = std::move(summary);
  return o;
}

Operation& Operation::tag(std::string name) {
  tags.push_back(std::move(name));
  return *this;
}

Operation& Operation::describe(std::string text) {
  description = std::move(text);
  return *this;
}

Operation& Operation::query(std::string name, Schema s, std::string text, bool required) {
  parameters.push_back({std::move(name), "query", std::move(s), std::move(text), required});
  return *this;
}

Operation& Operation::query(const std::vector<Parameter>& list) {
  parameters.insert(parameters.end(), list.begin(), list.end());
  return *this;
}

Operation& Operation::path(std::string name, Schema s, std::string text) {
  parameters.push_back({std::move(name), "path", std::move(s), std::move(text), true});
  return *this;
}

Operation& Operation::header(std::string name, Schema s, std::string text) {
  parameters.push_back({std::move(name), "header", std::move(s), std::move(text), false});
  return *this;
}

Operation& Operation::json_body(Schema s, bool required, std::string text) {
  body = Body{"application/json", std::move(s), required, std::move(text)};
  return *this;
}

Operation& Operation::body_of(std::string content_type, Schema s, std::string text) {
  body = Body{std::move(content_type), std::move(s), true, std::move(text)};
  return *this;
}

Operation& Operation::reply(int status, std::string text, std::string content_type,
                            std::optional<Schema> s) {
  responses[status] = Reply{std::move(text), std::move(content_type), std::move(s), {}};
  return *this;
}

Operation& Operation::ok(Schema s, std::string text) {
  return reply(200, std::move(text), "application/json", std::move(s));
}

Operation& Operation::created(Schema s, std::string text) {
  reply(201, std::move(text), "application/json", std::move(s));
  return with_header(201, "Location");
}

Operation& Operation::accepted(Schema s, std::string text) {
  reply(202, std::move(text), "application/json", std::move(s));
  return with_header(202, "Location");
}

Operation& Operation::no_content(std::string text) {
  return reply(204, std::move(text));
}

Operation& Operation::errors(std::initializer_list<int> statuses) {
  for (int status : statuses) reply(status, "", "application/json", error_schema());
  return *this;
}

Operation& Operation::with_header(int status, std::string name) {
  responses[status].headers.push_back(std::move(name));
  return *this;
}

std::vector<Parameter> page_params() {
  return {{"limit", "query", schema::integer(1, static_cast<std::int64_t>(http::kMaxPageSize)),
           "rows per page (default " + std::to_string(http::kDefaultPageSize) + ")", false},
          {"cursor", "query", schema::string(),
           "an opaque cursor from a previous page's next or previous link", false}};
}

Schema page_of(Schema item, bool countable) {
  auto page = schema::Object()
                  .field("next", schema::nullable(schema::uri()), "the next page, if any")
                  .field("previous", schema::nullable(schema::uri()), "the previous page, if any")
                  .field("results", schema::array(std::move(item)));
  if (countable) page.optional("count", schema::integer(0), "the total, with ?count=true");
  return page;
}

Schema error_schema() {
  return schema::Object("Error")
      .field("detail", schema::string(), "what went wrong, for a person")
      .field("error_code", schema::string(), "what went wrong, for a program")
      .optional("errors",
                schema::array(schema::Object("FieldError")
                                  .field("field", schema::string())
                                  .field("message", schema::string())),
                "the fields at fault (422)")
      .optional("request_id", schema::string(), "the X-Request-Id of the request")
      .describe("The error shape of every error answer");
}

}  // namespace crmd::openapi
