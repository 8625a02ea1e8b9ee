// HTTPS when a certificate and key are configured.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>
#include <filesystem>

#include "support/test_support.hpp"

namespace crmd {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// A throwaway self-signed certificate for 127.0.0.1, written as PEM files.
struct SelfSigned {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / test::unique_name("tls");
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();

  SelfSigned() {
    std::filesystem::create_directories(dir);
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x509 = X509_new();
    X509_set_version(x509, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
    X509_gmtime_adj(X509_getm_notBefore(x509), 0);
    X509_gmtime_adj(X509_getm_notAfter(x509), 3600);
    X509_set_pubkey(x509, pkey);
    X509_NAME* name = X509_get_subject_name(x509);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x509, name);
    X509_sign(x509, pkey, EVP_sha256());
    FILE* f = std::fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    f = std::fopen(cert.c_str(), "w");
    PEM_write_X509(f, x509);
    std::fclose(f);
    X509_free(x509);
    EVP_PKEY_free(pkey);
  }
  ~SelfSigned() { std::filesystem::remove_all(dir); }
};

config::Config tls_config(const SelfSigned& certificate) {
  auto config = test::test_config();
  config.tls_cert_file = certificate.cert;
  config.tls_key_file = certificate.key;
  return config;
}

TEST(Tls, ServesHttpsWithTheConfiguredCertificate) {
  SelfSigned certificate;
  test::RunningServer server(tls_config(certificate));

  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(certificate.cert);
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, context);
  stream.set_verify_mode(asio::ssl::verify_peer);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.port()});
  stream.handshake(asio::ssl::stream_base::client);
  http::request<http::empty_body> request(http::verb::get, "/health", 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  test::HttpResponse response;
  http::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), R"({"status":"ok"})");
}

TEST(Tls, PlainHttpToATlsPortGetsNoAnswer) {
  SelfSigned certificate;
  test::RunningServer server(tls_config(certificate));
  test::RawClient client(server.port());
  client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_THROW(client.read(), boost::system::system_error);
}

TEST(Tls, AMissingCertificateFileStopsStartUpNamingTheSetting) {
  auto config = test::test_config();
  config.tls_cert_file = "/nonexistent/cert.pem";
  config.tls_key_file = "/nonexistent/key.pem";
  try {
    server::App app(config);
    FAIL() << "expected start-up to fail";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("CRMD_TLS_CERT"), std::string::npos);
  }
}

}  // namespace
}  // namespace crmd
