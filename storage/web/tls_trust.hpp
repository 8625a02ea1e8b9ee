// Which certificate authorities outbound TLS trusts: the system store, plus
// the certificates of OutboundOptions::ca_file when set. Verification of the
// peer and of its host name is always on.
//
// With an extra file, both are handed to curl as one PEM blob
// (CURLOPT_CAINFO_BLOB: the system bundle, then the extra file), read once
// here. The cost: curl builds the store from the blob for each new TLS
// connection (a few milliseconds; connections are reused) instead of
// caching it as it does for its default bundle file. Why not add the extra
// certificates in CURLOPT_SSL_CTX_FUNCTION: curl 7.88 sets up, or swaps in
// a cached, X509 store after that callback has run.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "storage/web/outbound_options.hpp"

namespace crmd::web {

class TlsTrust {
 public:
  // Throws std::runtime_error naming the file when ca_file cannot be read or
  // holds no PEM certificate.
  explicit TlsTrust(const OutboundOptions& options);

  void apply(CURL* easy) const;

 private:
  std::shared_ptr<const std::string> bundle_;  // null: curl's default store
};

}  // namespace crmd::web
