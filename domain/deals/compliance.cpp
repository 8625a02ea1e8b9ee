#include "domain/deals/compliance.hpp"

#include <algorithm>
#include <array>

#include "domain/common/error.hpp"

namespace crmd::deals {
namespace {

constexpr std::array<std::string_view, 9> kDealFields{
    "title",      "value",    "currency",    "expected_close_date", "contact_id",
    "company_id", "owner_id", "probability", "lost_reason"};
constexpr std::string_view kCustomPrefix = "custom_fields.";
constexpr std::size_t kMaxCustomKey = 64;

bool valid_custom_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxCustomKey) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool valid_field(std::string_view name) {
  if (name.starts_with(kCustomPrefix)) return valid_custom_key(name.substr(kCustomPrefix.size()));
  return std::find(kDealFields.begin(), kDealFields.end(), name) != kDealFields.end();
}

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

bool filled(const boost::json::value* v) {
  if (!v || v->is_null()) return false;
  if (v->is_string()) return !blank(v->get_string());
  if (v->is_object()) {
    const auto* inner = v->get_object().if_contains("value");
    return !inner || filled(inner);
  }
  return true;
}

const boost::json::value* field_of(const boost::json::object& deal, std::string_view name) {
  if (!name.starts_with(kCustomPrefix)) return deal.if_contains(name);
  const auto* custom = deal.if_contains("custom_fields");
  if (!custom || !custom->is_object()) return nullptr;
  return custom->get_object().if_contains(name.substr(kCustomPrefix.size()));
}

[[noreturn]] void refuse(std::vector<FieldError> errors) {
  std::string detail = "invalid checklist:";
  for (const auto& e : errors) detail += " " + e.field + " " + e.message + ";";
  detail.pop_back();
  throw Error(ErrorKind::validation, "validation_failed", detail, std::move(errors));
}

}  // namespace

Checklist parse_checklist(const boost::json::value& value, std::string_view field_name) {
  const std::string name(field_name);
  if (!value.is_array()) refuse({{name, "expected an array of field names"}});
  const auto& items = value.get_array();
  if (items.size() > kMaxChecklistFields)
    refuse({{name, "at most " + std::to_string(kMaxChecklistFields) + " fields"}});
  Checklist checklist;
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item_name = name + "[" + std::to_string(i) + "]";
    if (!items[i].is_string()) {
      errors.push_back({item_name, "expected a string"});
      continue;
    }
    const std::string_view field = items[i].get_string();
    if (!valid_field(field)) {
      errors.push_back({item_name, "not a deal field nor custom_fields.<key>"});
    } else if (std::find(checklist.fields.begin(), checklist.fields.end(), field) !=
               checklist.fields.end()) {
      errors.push_back({item_name, "duplicate"});
    } else {
      checklist.fields.emplace_back(field);
    }
  }
  if (!errors.empty()) refuse(std::move(errors));
  return checklist;
}

boost::json::array to_json(const Checklist& checklist) {
  boost::json::array out;
  out.reserve(checklist.fields.size());
  for (const auto& f : checklist.fields) out.emplace_back(f);
  return out;
}

schema::Schema json_schema(std::type_identity<Checklist>) {
  return schema::described(
      schema::array(schema::string(kCustomPrefix.size() + kMaxCustomKey), kMaxChecklistFields),
      "required deal fields: title, value, currency, expected_close_date, contact_id, "
      "company_id, owner_id, probability, lost_reason or custom_fields.<key>");
}

std::vector<std::string> missing_fields(const Checklist& checklist,
                                        const boost::json::object& deal) {
  std::vector<std::string> missing;
  for (const auto& name : checklist.fields)
    if (!filled(field_of(deal, name))) missing.push_back(name);
  return missing;
}

}  // namespace crmd::deals
