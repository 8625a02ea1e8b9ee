#include "support/json_schema_check.hpp"

#include <boost/json/serialize.hpp>
#include <regex>

namespace crmd::test {
namespace {

using boost::json::object;
using boost::json::value;

bool has_type(const value& v, std::string_view type) {
  if (type == "null") return v.is_null();
  if (type == "boolean") return v.is_bool();
  if (type == "string") return v.is_string();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "integer")
    return v.is_int64() || v.is_uint64() ||
           (v.is_double() && v.as_double() == std::floor(v.as_double()));
  if (type == "number") return v.is_number();
  return false;
}

double as_number(const value& v) {
  return v.is_int64()    ? double(v.as_int64())
         : v.is_uint64() ? double(v.as_uint64())
                         : v.as_double();
}

bool valid_uuid(std::string_view s) {
  static const std::regex re(
      "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  return std::regex_match(s.begin(), s.end(), re);
}

bool valid_date_time(std::string_view s) {
  static const std::regex re(
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-"
      "9]{2})$");
  return std::regex_match(s.begin(), s.end(), re);
}

class Checker {
 public:
  explicit Checker(const object* root) : root_(root) {}
  std::vector<std::string> errors;

  void check(const value& v, const object& s, const std::string& at) {
    if (auto* ref = s.if_contains("$ref")) {
      const std::string target(ref->as_string());
      const std::string prefix = "#/components/schemas/";
      const object* resolved = nullptr;
      if (root_ && target.starts_with(prefix)) {
        const auto& schemas = root_->at("components").at("schemas").as_object();
        if (auto* r = schemas.if_contains(target.substr(prefix.size()))) resolved = &r->as_object();
      }
      if (!resolved) return fail(at, "unresolvable $ref " + target);
      check(v, *resolved, at);
    }
    if (auto* type = s.if_contains("type")) {
      bool ok = false;
      if (type->is_string())
        ok = has_type(v, type->as_string());
      else
        for (const auto& t : type->as_array()) ok = ok || has_type(v, t.as_string());
      if (!ok)
        return fail(at, "expected type " + boost::json::serialize(*type) + ", got " +
                            boost::json::serialize(v));
    }
    if (auto* values = s.if_contains("enum")) {
      const auto& list = values->as_array();
      if (std::find(list.begin(), list.end(), v) == list.end())
        fail(at, boost::json::serialize(v) + " is not one of " + boost::json::serialize(*values));
    }
    if (v.is_string()) check_string(v.as_string(), s, at);
    if (v.is_number()) {
      if (auto* min = s.if_contains("minimum"); min && as_number(v) < as_number(*min))
        fail(at, "below the minimum " + boost::json::serialize(*min));
      if (auto* max = s.if_contains("maximum"); max && as_number(v) > as_number(*max))
        fail(at, "above the maximum " + boost::json::serialize(*max));
    }
    if (v.is_object()) check_object(v.as_object(), s, at);
    if (v.is_array()) check_array(v.as_array(), s, at);
    if (auto* all = s.if_contains("allOf"))
      for (const auto& sub : all->as_array()) check(v, sub.as_object(), at);
    if (auto* any = s.if_contains("anyOf")) {
      if (matching(v, any->as_array(), at) == 0) fail(at, "matches none of anyOf");
    }
    if (auto* one = s.if_contains("oneOf")) {
      if (matching(v, one->as_array(), at) != 1) fail(at, "does not match exactly one of oneOf");
    }
  }

 private:
  const object* root_;

  void fail(const std::string& at, const std::string& what) {
    errors.push_back((at.empty() ? "/" : at) + ": " + what);
  }

  std::size_t matching(const value& v, const boost::json::array& options, const std::string& at) {
    std::size_t n = 0;
    for (const auto& option : options) {
      Checker sub(root_);
      sub.check(v, option.as_object(), at);
      if (sub.errors.empty()) ++n;
    }
    return n;
  }

  void check_string(const boost::json::string& text, const object& s, const std::string& at) {
    const std::string_view sv(text);
    if (auto* max = s.if_contains("maxLength")) {
      // Characters, not bytes.
      const auto chars =
          std::count_if(sv.begin(), sv.end(), [](char c) { return (c & 0xC0) != 0x80; });
      if (chars > max->as_int64())
        fail(at, "longer than maxLength " + std::to_string(max->as_int64()));
    }
    if (auto* format = s.if_contains("format")) {
      if (*format == "uuid" && !valid_uuid(sv)) fail(at, "not a UUID: " + std::string(sv));
      if (*format == "date-time" && !valid_date_time(sv))
        fail(at, "not an RFC 3339 date-time: " + std::string(sv));
      if (*format == "uri" && sv.find("://") == std::string_view::npos)
        fail(at, "not an absolute URI: " + std::string(sv));
    }
    if (auto* pattern = s.if_contains("pattern")) {
      const std::regex re(std::string(pattern->as_string()), std::regex::ECMAScript);
      if (!std::regex_search(sv.begin(), sv.end(), re))
        fail(at, "does not match " + std::string(pattern->as_string()));
    }
  }

  void check_object(const object& o, const object& s, const std::string& at) {
    const object* properties = nullptr;
    if (auto* p = s.if_contains("properties")) properties = &p->as_object();
    if (auto* required = s.if_contains("required"))
      for (const auto& name : required->as_array())
        if (!o.contains(name.as_string()))
          fail(at, "missing required member " + std::string(name.as_string()));
    const auto* additional = s.if_contains("additionalProperties");
    for (const auto& [key, member] : o) {
      const std::string path = at + "/" + std::string(key);
      if (properties) {
        if (auto* sub = properties->if_contains(key)) {
          check(member, sub->as_object(), path);
          continue;
        }
      }
      if (additional && additional->is_bool() && !additional->as_bool())
        fail(at, "member " + std::string(key) + " is not declared");
      else if (additional && additional->is_object())
        check(member, additional->as_object(), path);
    }
  }

  void check_array(const boost::json::array& a, const object& s, const std::string& at) {
    if (auto* min = s.if_contains("minItems"); min && std::int64_t(a.size()) < min->as_int64())
      fail(at, "fewer items than minItems");
    if (auto* max = s.if_contains("maxItems"); max && std::int64_t(a.size()) > max->as_int64())
      fail(at, "more items than maxItems");
    if (auto* items = s.if_contains("items"); items && items->is_object())
      for (std::size_t i = 0; i < a.size(); ++i)
        check(a[i], items->as_object(), at + "/" + std::to_string(i));
  }
};

}  // namespace

std::vector<std::string> schema_errors(const boost::json::value& value,
                                       const boost::json::object& schema,
                                       const boost::json::object* root) {
  Checker checker(root);
  checker.check(value, schema, "");
  return checker.errors;
}

}  // namespace crmd::test
