// JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it) of what crmd reads
// and writes, built in code: each domain type declares the schema of its
// to_json() next to it, once (`json_schema(std::type_identity<T>)`), and
// the OpenAPI document (server/openapi/) is generated from those
// declarations and the routes'. A schema with a title becomes a named
// component of the document (#/components/schemas/<title>).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <type_traits>

namespace crmd::schema {

using Schema = boost::json::object;

Schema string(std::optional<std::int64_t> max_length = std::nullopt);
Schema uuid();
Schema timestamp();  // RFC 3339, UTC
Schema uri();
Schema email();
Schema boolean();
Schema integer(std::optional<std::int64_t> minimum = std::nullopt,
               std::optional<std::int64_t> maximum = std::nullopt);
Schema number();
// Any JSON object (free-form attributes, job payloads).
Schema any_object();
// Any JSON value.
Schema any();
Schema one_of_strings(std::initializer_list<std::string_view> values);
Schema array(Schema items, std::optional<std::int64_t> max_items = std::nullopt);
// The schema, or null.
Schema nullable(Schema s);
Schema described(Schema s, std::string_view description);

// An object: `field` is always present, `optional` may be absent; other
// members are refused unless open().
class Object {
 public:
  explicit Object(std::string_view title = {});
  Object& field(std::string_view name, Schema s, std::string_view description = {});
  Object& optional(std::string_view name, Schema s, std::string_view description = {});
  Object& open();
  Object& describe(std::string_view description);
  operator Schema() const { return schema_; }  // NOLINT: a builder
  Schema build() const { return schema_; }

 private:
  Schema schema_;
};

// The schema a type declares next to its to_json().
template <class T>
Schema schema_of() {
  return json_schema(std::type_identity<T>{});
}

}  // namespace crmd::schema
