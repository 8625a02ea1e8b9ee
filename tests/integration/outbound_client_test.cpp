// The outbound HTTP client against an in-process fake server (Beast, on an
// ephemeral 127.0.0.1 port) that answers as each test scripts: timeouts,
// retries, broken connections, size limits, keep-alive, refused addresses,
// stopping, and TLS with a CA made here.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "fakes/http_server.hpp"
#include "storage/web/http_client.hpp"
#include "storage/web/outbound_errors.hpp"
#include "support/test_support.hpp"

namespace crmd::web {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

using test::always;
using test::Answer;
using test::FakeServer;

class OutboundClientTest : public ::testing::Test {
 protected:
  HttpClient& client(OutboundOptions options = {}) {
    client_.emplace(io.io().get_executor(), options, &metrics);
    return *client_;
  }
  HttpResponse send(HttpRequest request) { return io.run(client_->send(std::move(request))); }
  // The error code a send fails with ("" when it does not fail).
  std::string failure_of(HttpRequest request) {
    try {
      send(std::move(request));
    } catch (const Error& e) {
      return e.code();
    }
    return "";
  }
  static HttpRequest get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    request.service = "fake";
    return request;
  }
  static RetryPolicy fast_policy() {
    RetryPolicy policy;
    policy.base_delay = 1ms;
    policy.max_delay = 20ms;  // caps Retry-After too, so tests stay fast
    return policy;
  }

  test::IoThreads io;
  prometheus::Registry registry;
  OutboundMetrics metrics{registry};
  std::optional<HttpClient> client_;  // before io goes, as the client requires
};

TEST_F(OutboundClientTest, SendsTheRequestAndReturnsStatusHeadersAndBody) {
  FakeServer fake(always({201, {{"X-Thing", "a"}, {"X-Thing", "b"}}, "made"}));
  client();
  auto request = get(fake.url("/things?x=1"));
  request.method = "POST";
  request.headers = {{"Content-Type", "application/json"}, {"X-Empty", ""}};
  request.body = R"({"n":1})";
  const auto response = send(request);
  EXPECT_EQ(response.status, 201u);
  EXPECT_EQ(response.body, "made");
  EXPECT_EQ(response.header("x-thing"), "a");
  EXPECT_EQ(std::count(response.headers.begin(), response.headers.end(), Header{"x-thing", "b"}),
            1);
  const auto received = fake.received();
  ASSERT_EQ(received.size(), 1u);
  const auto& seen = received[0];
  EXPECT_EQ(seen.method(), bhttp::verb::post);
  EXPECT_EQ(seen.target(), "/things?x=1");
  EXPECT_EQ(seen.body(), R"({"n":1})");
  EXPECT_EQ(seen[bhttp::field::content_type], "application/json");
  EXPECT_EQ(seen.count("X-Empty"), 1u);
  EXPECT_EQ(seen.count(bhttp::field::expect), 0u);
  EXPECT_EQ(metrics.requests("fake", "2xx"), 1);
}

TEST_F(OutboundClientTest, AnAnswerSlowerThanTheTimeoutFailsWithATimeout) {
  // The answer would take 30 s; the test is over long before.
  FakeServer fake(always({.status = 200, .delay = 30s}));
  client();
  auto request = get(fake.url());
  request.timeout = 200ms;
  EXPECT_EQ(failure_of(request), errc::timeout);
  EXPECT_EQ(metrics.requests("fake", "error"), 1);
}

TEST_F(OutboundClientTest, TooManyRequestsIsRetriedAfterRetryAfterCapped) {
  FakeServer fake([](std::size_t n) {
    if (n == 0) return Answer{429, {{"Retry-After", "1"}}};
    return Answer{200, {}, "ok"};
  });
  client();
  const auto policy = fast_policy();
  const auto response = io.run(client_->send_with_retries(get(fake.url()), policy, "fake"));
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(fake.requests(), 2u);
  EXPECT_EQ(metrics.retries("fake"), 1);
}

TEST_F(OutboundClientTest, UnavailableThenOkReturnsTheOkAndCountsBothAttempts) {
  FakeServer fake([](std::size_t n) { return n == 0 ? Answer{503} : Answer{200, {}, "fine"}; });
  client();
  const auto policy = fast_policy();
  const auto response = io.run(client_->send_with_retries(get(fake.url()), policy, "svc"));
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "fine");
  EXPECT_EQ(metrics.requests("svc", "5xx"), 1);
  EXPECT_EQ(metrics.requests("svc", "2xx"), 1);
  EXPECT_EQ(metrics.retries("svc"), 1);
}

TEST_F(OutboundClientTest, RetriesStopAtMaxAttemptsAndReturnTheLastAnswer) {
  FakeServer fake(always({502}));
  client();
  auto policy = fast_policy();
  policy.max_attempts = 3;
  const auto response = io.run(client_->send_with_retries(get(fake.url()), policy, "svc"));
  EXPECT_EQ(response.status, 502u);
  EXPECT_EQ(fake.requests(), 3u);
}

TEST_F(OutboundClientTest, AnUnauthorizedAnswerRefreshesCredentialsOnce) {
  FakeServer fake([](std::size_t n) { return n == 0 ? Answer{401} : Answer{200}; });
  client();
  int refreshed = 0;
  Reauthorize refresh = [&refreshed](HttpRequest& request) -> asio::awaitable<void> {
    ++refreshed;
    request.headers.emplace_back("Authorization", "Bearer fresh");
    co_return;
  };
  const auto policy = fast_policy();
  const auto response =
      io.run(client_->send_with_retries(get(fake.url()), policy, "svc", std::move(refresh)));
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(refreshed, 1);
  const auto received = fake.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1][bhttp::field::authorization], "Bearer fresh");
}

TEST_F(OutboundClientTest, AConnectionResetMidAnswerIsARetryableConnectionError) {
  FakeServer fake(always({.reset_mid_body = true}));
  client();
  try {
    send(get(fake.url()));
    FAIL() << "the transfer succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::connection_lost) << e.what();
    EXPECT_EQ(classify_failure(e), Verdict::retryable);
  }
}

TEST_F(OutboundClientTest, AnAnswerLongerThanTheLimitFails) {
  const std::string big(100 * 1024, 'x');
  FakeServer chunked(always({.status = 200, .body = big, .chunked = true}));
  FakeServer sized(always({.status = 200, .body = big}));
  client();
  EXPECT_EQ(failure_of(get(chunked.url())), errc::response_too_large);
  EXPECT_EQ(failure_of(get(sized.url())), errc::response_too_large);
  auto request = get(sized.url());
  request.max_response_bytes = big.size();
  EXPECT_EQ(send(request).body.size(), big.size());
}

TEST_F(OutboundClientTest, SequentialRequestsReuseOneConnection) {
  FakeServer fake(always({200, {}, "same"}));
  client();
  EXPECT_EQ(send(get(fake.url("/a"))).status, 200u);
  EXPECT_EQ(send(get(fake.url("/b"))).status, 200u);
  EXPECT_EQ(fake.requests(), 2u);
  EXPECT_EQ(fake.connections(), 1u);
}

TEST_F(OutboundClientTest, AnAddressThePredicateRefusesIsNeverConnected) {
  FakeServer fake(always({200}));
  client();
  auto request = get(fake.url());
  request.allow_address = [](const sockaddr& address) {
    if (address.sa_family != AF_INET) return true;
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    return (ntohl(v4.sin_addr.s_addr) >> 24) != 127;
  };
  EXPECT_EQ(failure_of(request), errc::address_not_allowed);
  EXPECT_EQ(fake.connections(), 0u);
}

TEST_F(OutboundClientTest, StopFailsTheTransfersInFlight) {
  FakeServer fake(always({.status = 200, .delay = 30s}));
  client();
  auto pending = asio::co_spawn(io.io(), client_->send(get(fake.url())), asio::use_future);
  ASSERT_TRUE(test::eventually([&] { return fake.requests() == 1; }));
  client_->stop();
  try {
    pending.get();
    FAIL() << "the transfer succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::cancelled);
  }
  EXPECT_EQ(failure_of(get(fake.url())), errc::cancelled);
}

// A CA and server certificates signed by it, made for the test.
class TestCa {
 public:
  TestCa() : key_(EVP_EC_gen("P-256")), cert_(make(key_, "crmd test CA", nullptr, key_, nullptr)) {}
  ~TestCa() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }

  std::string pem() const { return pem_of(cert_); }

  // A server's certificate chain and key (PEM), valid for alt_names
  // ("IP:127.0.0.1", "DNS:other.example").
  std::pair<std::string, std::string> issue(const char* alt_names) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = make(key, "server", cert_, key_, alt_names);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::pair<std::string, std::string> out{pem_of(cert), drain(bio)};
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
  }

 private:
  static std::string drain(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return text;
  }
  static std::string pem_of(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    return drain(bio);
  }
  static void extend(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
    ASSERT_NE(ext, nullptr) << value;
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  static X509* make(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                    const char* alt_names) {
    static std::atomic<long> serial{1};
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    extend(cert, &ctx, NID_subject_key_identifier, "hash");
    if (issuer) {
      extend(cert, &ctx, NID_authority_key_identifier, "keyid");
      extend(cert, &ctx, NID_basic_constraints, "CA:FALSE");
      extend(cert, &ctx, NID_subject_alt_name, alt_names);
    } else {
      extend(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE");
      extend(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    X509_sign(cert, issuer_key, EVP_sha256());
    return cert;
  }

  EVP_PKEY* key_;
  X509* cert_;
};

class OutboundTlsTest : public OutboundClientTest {
 protected:
  OutboundTlsTest() {
    ca_file = std::filesystem::temp_directory_path() / (test::unique_name("outbound_ca") + ".pem");
    std::ofstream(ca_file) << ca.pem();
  }
  ~OutboundTlsTest() override { std::filesystem::remove(ca_file); }

  std::unique_ptr<ssl::context> server_context(const char* alt_names) {
    auto [chain, key] = ca.issue(alt_names);
    auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
    context->use_certificate_chain(asio::buffer(chain));
    context->use_private_key(asio::buffer(key), ssl::context::pem);
    return context;
  }
  OutboundOptions trusting_the_ca() const { return {.ca_file = ca_file.string()}; }

  TestCa ca;
  std::filesystem::path ca_file;
};

TEST_F(OutboundTlsTest, TheRightHostIsTrustedWithTheExtraCaFile) {
  auto tls = server_context("IP:127.0.0.1");
  FakeServer fake(always({200, {}, "secure"}), tls.get());
  client(trusting_the_ca());
  const auto response = send(get(fake.url()));
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "secure");
}

TEST_F(OutboundTlsTest, ACertificateForAnotherHostIsRefused) {
  auto tls = server_context("DNS:other.example");
  FakeServer fake(always({200}), tls.get());
  client(trusting_the_ca());
  EXPECT_EQ(failure_of(get(fake.url())), errc::tls_failed);
  EXPECT_EQ(fake.requests(), 0u);
}

TEST_F(OutboundTlsTest, WithoutTheCaFileTheServerIsNotTrusted) {
  auto tls = server_context("IP:127.0.0.1");
  FakeServer fake(always({200}), tls.get());
  client();
  EXPECT_EQ(failure_of(get(fake.url())), errc::tls_failed);
}

TEST(OutboundOptionsTest, AnUnreadableCaFileStopsTheClient) {
  test::IoThreads io;
  const OutboundOptions missing{.ca_file = "/nonexistent/ca.pem"};
  EXPECT_THROW(HttpClient(io.io().get_executor(), missing), std::runtime_error);
}

}  // namespace
}  // namespace crmd::web
