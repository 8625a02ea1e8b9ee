#include "domain/common/query_params.hpp"

#include <algorithm>
#include <boost/url/params_view.hpp>
#include <charconv>

#include "domain/common/error.hpp"

namespace crmd {
namespace {

[[noreturn]] void invalid(std::string_view name, std::string message) {
  throw invalid_query_parameter(name, std::move(message));
}

}  // namespace

Error invalid_query_parameter(std::string_view name, std::string message) {
  auto detail = "query parameter " + std::string(name) + ": " + message;
  return Error(ErrorKind::validation, "invalid_query_parameter", std::move(detail),
               {{std::string(name), std::move(message)}});
}

std::optional<std::string> QueryParams::get(std::string_view name) const {
  auto params = url_.params();
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return (*it).value;
}

std::vector<std::string> QueryParams::all(std::string_view name) const {
  std::vector<std::string> values;
  for (auto param : url_.params())
    if (param.key == name) {
      if (values.size() == kMaxRepeats)
        invalid(name, "at most " + std::to_string(kMaxRepeats) + " values");
      values.push_back(param.value);
    }
  return values;
}

void QueryParams::reject_unknown(Names allowed, Names also, Names more) const {
  for (auto param : url_.params()) {
    const auto known = [&](Names names) {
      return std::find(names.begin(), names.end(), param.key) != names.end();
    };
    if (known(allowed) || known(also) || known(more)) continue;
    throw Error(ErrorKind::validation, "unknown_query_parameter",
                "unknown query parameter " + param.key,
                {{param.key, "not a parameter of this route"}});
  }
}

std::optional<std::int64_t> QueryParams::integer(std::string_view name, std::int64_t min,
                                                 std::int64_t max) const {
  auto text = get(name);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc{} || end != text->data() + text->size() || value < min ||
      value > max)
    invalid(name, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return value;
}

std::int64_t QueryParams::integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                                  std::int64_t max) const {
  return integer(name, min, max).value_or(fallback);
}

bool QueryParams::boolean(std::string_view name, bool fallback) const {
  auto text = get(name);
  if (!text) return fallback;
  if (*text == "true" || *text == "1" || *text == "yes") return true;
  if (*text == "false" || *text == "0" || *text == "no") return false;
  invalid(name, "expected true or false");
}

std::optional<Timestamp> QueryParams::timestamp(std::string_view name) const {
  auto text = get(name);
  if (!text) return std::nullopt;
  auto t = parse_timestamp(*text);
  if (!t) invalid(name, "expected an RFC 3339 time such as 2026-01-31T12:00:00Z");
  return t;
}

std::optional<Uuid> QueryParams::uuid(std::string_view name) const {
  auto text = get(name);
  if (!text) return std::nullopt;
  auto id = Uuid::parse(*text);
  if (!id) invalid(name, "expected a UUID");
  return id;
}

std::vector<Uuid> QueryParams::uuids(std::string_view name) const {
  std::vector<Uuid> ids;
  for (const auto& text : all(name)) {
    auto id = Uuid::parse(text);
    if (!id) invalid(name, "expected UUIDs");
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace crmd
