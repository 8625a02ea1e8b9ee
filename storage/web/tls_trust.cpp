#include "storage/web/tls_trust.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace crmd::web {

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

int count_certificates(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return 0;
  int count = 0;
  while (X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(certificate);
    ++count;
  }
  ERR_clear_error();  // the end of the input reads as an error
  BIO_free(bio);
  return count;
}

std::string system_bundle_path(const OutboundOptions& options) {
  if (!options.system_ca_bundle.empty()) return options.system_ca_bundle;
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info && info->cainfo) return info->cainfo;
  return "/etc/ssl/certs/ca-certificates.crt";
}

}  // namespace

TlsTrust::TlsTrust(const OutboundOptions& options) {
  if (!options.ca_file) return;
  auto extra = read_file(*options.ca_file);
  if (!extra) throw std::runtime_error("CRMD_OUTBOUND_CA_FILE: cannot read " + *options.ca_file);
  if (count_certificates(*extra) == 0)
    throw std::runtime_error("CRMD_OUTBOUND_CA_FILE: no PEM certificate in " + *options.ca_file);
  // A machine without a system bundle trusts the extra file alone.
  std::string bundle = read_file(system_bundle_path(options)).value_or("");
  if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
  bundle += *extra;
  bundle_ = std::make_shared<const std::string>(std::move(bundle));
}

void TlsTrust::apply(CURL* easy) const {
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!bundle_) return;
  curl_blob blob{const_cast<char*>(bundle_->data()), bundle_->size(), CURL_BLOB_COPY};
  curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
}

}  // namespace crmd::web
