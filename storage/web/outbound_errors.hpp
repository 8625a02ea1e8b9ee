// How an outbound transfer fails: a crmd::Error whose code says what went
// wrong, so the retry policy and callers can tell the cases apart.
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

#include "domain/common/error.hpp"

namespace crmd::web::errc {

inline constexpr std::string_view timeout = "outbound_timeout";
inline constexpr std::string_view connect_failed = "outbound_connect_failed";
inline constexpr std::string_view connection_lost = "outbound_connection_lost";
inline constexpr std::string_view tls_failed = "outbound_tls_failed";
inline constexpr std::string_view response_too_large = "response_too_large";
inline constexpr std::string_view address_not_allowed = "address_not_allowed";
inline constexpr std::string_view cancelled = "outbound_cancelled";
inline constexpr std::string_view failed = "outbound_failed";

}  // namespace crmd::web::errc

namespace crmd::web {

// What a transfer that ended with code became; detail is curl's message.
struct TransferFlags {
  bool response_too_large = false;
  bool address_refused = false;
};
Error transfer_error(CURLcode code, const TransferFlags& flags, const std::string& detail);

}  // namespace crmd::web
