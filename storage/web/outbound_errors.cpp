#include "storage/web/outbound_errors.hpp"

namespace crmd::web {

namespace {

Error make(ErrorKind kind, std::string_view code, const std::string& detail) {
  return Error(kind, std::string(code), detail);
}

}  // namespace

Error transfer_error(CURLcode code, const TransferFlags& flags, const std::string& detail) {
  // The flags first: libcurl reports a refused address as a failed connect
  // and an over-long body as a write error.
  if (flags.address_refused)
    return make(ErrorKind::forbidden, errc::address_not_allowed,
                "the address of the host is not allowed: " + detail);
  if (flags.response_too_large || code == CURLE_FILESIZE_EXCEEDED)
    return make(ErrorKind::unavailable, errc::response_too_large,
                "the answer is longer than the limit of this request");
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return make(ErrorKind::timeout, errc::timeout, detail);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return make(ErrorKind::unavailable, errc::connect_failed, detail);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return make(ErrorKind::unavailable, errc::connection_lost, detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return make(ErrorKind::unavailable, errc::tls_failed, detail);
    case CURLE_ABORTED_BY_CALLBACK:
      return make(ErrorKind::unavailable, errc::cancelled, "the outbound client stopped");
    default:
      return make(ErrorKind::unavailable, errc::failed, detail);
  }
}

}  // namespace crmd::web
