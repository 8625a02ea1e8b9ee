// Signed download links for clients that cannot send an Authorization
// header: "<expiry, Unix seconds>.<base64url HMAC-SHA256>" over the job's id
// and the expiry, under a key derived from the server's secret (so the
// token is no use as anything else), compared in constant time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/common/uuid.hpp"

namespace crmd::exports {

std::string sign_download(std::string_view secret, const Uuid& job, std::int64_t expires_unix);
// The token was signed for this job and has not expired at now_unix.
bool verify_download(std::string_view secret, const Uuid& job, std::string_view token,
                     std::int64_t now_unix);

}  // namespace crmd::exports
