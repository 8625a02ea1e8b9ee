// Settings of the outbound HTTP client, filled from configuration.
#pragma once

#include <optional>
#include <string>

namespace crmd::web {

struct OutboundOptions {
  // CRMD_OUTBOUND_CA_FILE: PEM certificates trusted besides the system store
  // (a private CA, or a test's). Read once when the client is made; an
  // unreadable file or one without a certificate stops start-up.
  std::optional<std::string> ca_file;
  // The system bundle the extra file is added to; empty: libcurl's built-in
  // default (Debian: /etc/ssl/certs/ca-certificates.crt).
  std::string system_ca_bundle;
};

}  // namespace crmd::web
