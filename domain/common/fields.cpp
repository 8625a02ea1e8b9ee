#include "domain/common/fields.hpp"

#include <algorithm>

namespace crmd {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

FieldReader::FieldReader(const boost::json::value& body,
                         std::initializer_list<std::string_view> allowed) {
  object_ = body.if_object();
  if (!object_) {
    errors_.push_back({"body", "expected a JSON object"});
    return;
  }
  for (const auto& item : *object_)
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
      errors_.push_back({std::string(item.key()), "unknown or read-only field"});
}

const boost::json::value* FieldReader::present(std::string_view name, bool required) {
  if (!object_) return nullptr;
  auto it = object_->find(name);
  if (it == object_->end() || it->value().is_null()) {
    if (required) fail(std::string(name), "is required");
    return nullptr;
  }
  return &it->value();
}

std::optional<std::string> FieldReader::string(std::string_view name, bool required,
                                               std::size_t max_bytes, bool trim) {
  const auto* value = present(name, required);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    fail(std::string(name), "expected a string");
    return std::nullopt;
  }
  std::string_view text = value->get_string();
  if (trim) text = trimmed(text);
  if (text.size() > max_bytes) {
    fail(std::string(name), "longer than " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  if (required && text.empty()) {
    fail(std::string(name), "must not be empty");
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<bool> FieldReader::boolean(std::string_view name, bool required) {
  const auto* value = present(name, required);
  if (!value) return std::nullopt;
  if (!value->is_bool()) {
    fail(std::string(name), "expected true or false");
    return std::nullopt;
  }
  return value->get_bool();
}

std::optional<std::vector<std::string>> FieldReader::strings(std::string_view name, bool required,
                                                             std::size_t max_items,
                                                             std::size_t max_bytes) {
  const auto* value = present(name, required);
  if (!value) return std::nullopt;
  const auto* array = value->if_array();
  if (!array || array->size() > max_items) {
    fail(std::string(name), "expected a list of at most " + std::to_string(max_items) + " strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : *array) {
    if (!item.is_string() || item.get_string().size() > max_bytes) {
      fail(std::string(name),
           "expected strings of at most " + std::to_string(max_bytes) + " bytes");
      return std::nullopt;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<std::int64_t> FieldReader::integer(std::string_view name, bool required,
                                                 std::int64_t min, std::int64_t max) {
  const auto* value = present(name, required);
  if (!value) return std::nullopt;
  const auto number = value->if_int64();
  if (!number || *number < min || *number > max) {
    fail(std::string(name),
         "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return *number;
}

std::optional<Uuid> FieldReader::uuid(std::string_view name, bool required) {
  const auto* value = present(name, required);
  if (!value) return std::nullopt;
  auto id = value->is_string() ? Uuid::parse(value->get_string()) : std::nullopt;
  if (!id) fail(std::string(name), "expected a UUID");
  return id;
}

bool FieldReader::is_null(std::string_view name) const {
  if (!object_) return false;
  auto it = object_->find(name);
  return it != object_->end() && it->value().is_null();
}

bool FieldReader::has(std::string_view name) const {
  return object_ && object_->find(name) != object_->end();
}

void FieldReader::change(std::string_view name, Change<std::string>& out, std::size_t max_bytes) {
  if (is_null(name)) {
    out = std::optional<std::string>();
  } else if (auto text = string(name, false, max_bytes)) {
    out = text->empty() ? std::optional<std::string>() : std::optional<std::string>(*text);
  }
}

void FieldReader::change(std::string_view name, Change<std::vector<std::string>>& out,
                         std::size_t max_items, std::size_t max_bytes) {
  if (is_null(name))
    out = std::optional<std::vector<std::string>>();
  else if (auto items = strings(name, false, max_items, max_bytes))
    out = std::optional<std::vector<std::string>>(std::move(*items));
}

void FieldReader::change(std::string_view name, Change<std::int64_t>& out, std::int64_t min,
                         std::int64_t max) {
  if (is_null(name))
    out = std::optional<std::int64_t>();
  else if (auto number = integer(name, false, min, max))
    out = std::optional<std::int64_t>(*number);
}

void FieldReader::change(std::string_view name, Change<Uuid>& out) {
  if (is_null(name))
    out = std::optional<Uuid>();
  else if (auto id = uuid(name, false))
    out = std::optional<Uuid>(*id);
}

void FieldReader::fail(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

void FieldReader::finish() const {
  if (errors_.empty()) return;
  std::string detail = "invalid request body:";
  for (const auto& e : errors_) detail += " " + e.field + " " + e.message + ";";
  detail.pop_back();
  throw Error(ErrorKind::validation, "validation_error", detail, errors_);
}

}  // namespace crmd
