#include "domain/common/json_schema.hpp"

#include <boost/json/array.hpp>

namespace crmd::schema {

Schema string(std::optional<std::int64_t> max_length) {
  Schema s{{"type", "string"}};
  if (max_length) s["maxLength"] = *max_length;
  return s;
}

Schema uuid() {
  return {{"type", "string"}, {"format", "uuid"}};
}

Schema timestamp() {
  return {{"type", "string"}, {"format", "date-time"}};
}

Schema uri() {
  return {{"type", "string"}, {"format", "uri"}};
}

Schema email() {
  return {{"type", "string"}, {"format", "email"}, {"maxLength", 254}};
}

Schema boolean() {
  return {{"type", "boolean"}};
}

Schema integer(std::optional<std::int64_t> minimum, std::optional<std::int64_t> maximum) {
  Schema s{{"type", "integer"}};
  if (minimum) s["minimum"] = *minimum;
  if (maximum) s["maximum"] = *maximum;
  return s;
}

Schema number() {
  return {{"type", "number"}};
}

Schema any_object() {
  return {{"type", "object"}};
}

Schema any() {
  return {};
}

Schema one_of_strings(std::initializer_list<std::string_view> values) {
  boost::json::array list;
  for (auto v : values) list.emplace_back(v);
  return {{"type", "string"}, {"enum", std::move(list)}};
}

Schema array(Schema items, std::optional<std::int64_t> max_items) {
  Schema s{{"type", "array"}, {"items", std::move(items)}};
  if (max_items) s["maxItems"] = *max_items;
  return s;
}

Schema nullable(Schema s) {
  // A plain type takes "null" beside it; a named or composed schema is one
  // of two.
  if (auto* type = s.if_contains("type"); type && type->is_string() && !s.contains("title")) {
    auto* values = s.if_contains("enum");
    if (values) values->as_array().emplace_back(nullptr);
    s["type"] = boost::json::array{*type, "null"};
    return s;
  }
  return {{"anyOf", boost::json::array{std::move(s), Schema{{"type", "null"}}}}};
}

Schema described(Schema s, std::string_view description) {
  s["description"] = description;
  return s;
}

Object::Object(std::string_view title) {
  if (!title.empty()) schema_["title"] = title;
  schema_["type"] = "object";
  schema_["properties"] = boost::json::object();
  schema_["additionalProperties"] = false;
}

Object& Object::optional(std::string_view name, Schema s, std::string_view description) {
  if (!description.empty()) s["description"] = description;
  schema_["properties"].as_object()[name] = std::move(s);
  return *this;
}

Object& Object::field(std::string_view name, Schema s, std::string_view description) {
  optional(name, std::move(s), description);
  auto& required = schema_["required"];
  if (!required.is_array()) required = boost::json::array();
  required.as_array().emplace_back(name);
  return *this;
}

Object& Object::open() {
  schema_.erase("additionalProperties");
  return *this;
}

Object& Object::describe(std::string_view description) {
  schema_["description"] = description;
  return *this;
}

}  // namespace crmd::schema
