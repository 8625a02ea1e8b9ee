#include "storage/google/wire.hpp"

#include <boost/json.hpp>
#include <charconv>

namespace crmd::google {

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0F];
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += percent_encode(name);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

std::optional<std::string> google_error_reason(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto* error = value.get_object().if_contains("error");
  if (!error) return std::nullopt;
  if (error->is_string()) return std::string(error->get_string());
  if (!error->is_object()) return std::nullopt;
  const auto& envelope = error->get_object();
  if (const auto* errors = envelope.if_contains("errors");
      errors && errors->is_array() && !errors->get_array().empty()) {
    const auto& first = errors->get_array().front();
    if (first.is_object())
      if (const auto* reason = first.get_object().if_contains("reason");
          reason && reason->is_string() && !reason->get_string().empty())
        return std::string(reason->get_string());
  }
  if (const auto* status = envelope.if_contains("status"); status && status->is_string())
    return std::string(status->get_string());
  return std::nullopt;
}

std::optional<std::uint64_t> parse_range_end(std::string_view value) {
  constexpr std::string_view prefix = "bytes=0-";
  if (!value.starts_with(prefix)) return std::nullopt;
  value.remove_prefix(prefix.size());
  std::uint64_t end = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), end);
  if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
  return end;
}

web::RetryPolicy google_retry_policy() {
  web::RetryPolicy policy;
  policy.max_attempts = 6;
  policy.base_delay = std::chrono::milliseconds(1000);
  policy.max_delay = std::chrono::milliseconds(32000);
  policy.max_elapsed = std::chrono::milliseconds(120000);
  policy.classify_answer = [](const web::HttpResponse& response) -> std::optional<web::Verdict> {
    if (response.status != 403) return std::nullopt;
    const auto reason = google_error_reason(response.body);
    if (reason == "rateLimitExceeded" || reason == "userRateLimitExceeded")
      return web::Verdict::retryable;
    return web::Verdict::permanent;
  };
  return policy;
}

}  // namespace crmd::google
