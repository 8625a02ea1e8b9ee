#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <boost/json/parse.hpp>

#include "domain/common/crypto.hpp"
#include "domain/common/error.hpp"
#include "domain/webhooks/webhook.hpp"
#include "storage/web/public_address.hpp"

namespace crmd::webhooks {
namespace {

bool is_public(const char* text) {
  sockaddr_storage storage{};
  if (inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in&>(storage).sin_addr) == 1) {
    storage.ss_family = AF_INET;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, &reinterpret_cast<sockaddr_in6&>(storage).sin6_addr), 1);
    storage.ss_family = AF_INET6;
  }
  return web::is_public_address(reinterpret_cast<const sockaddr&>(storage));
}

TEST(Webhooks, OnlyPublicAddressesAreTargets) {
  for (const char* address : {"127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1",
                              "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1",
                              "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"})
    EXPECT_FALSE(is_public(address)) << address;
  for (const char* address : {"93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"})
    EXPECT_TRUE(is_public(address)) << address;
}

TEST(Webhooks, SignaturesFollowStripesScheme) {
  const auto header = signature_header({"whsec_a", "whsec_b"}, 1700000000, R"({"x":1})");
  const auto first = hex(*hmac_sha256("whsec_a", R"(1700000000.{"x":1})"));
  const auto second = hex(*hmac_sha256("whsec_b", R"(1700000000.{"x":1})"));
  EXPECT_EQ(header, "t=1700000000,v1=" + first + ",v1=" + second);
  EXPECT_TRUE(new_secret().starts_with("whsec_"));
  EXPECT_NE(new_secret(), new_secret());
}

TEST(Webhooks, SubscriptionsNeedAnHttpsUrlAndKnownEvents) {
  const auto ok = boost::json::parse(R"({"url":"https://hooks.example.com/x","events":["lead"]})");
  EXPECT_EQ(parse_webhook(ok, true, false).url, "https://hooks.example.com/x");
  for (const char* bad :
       {R"({"url":"http://hooks.example.com/x","events":["lead"]})",
        R"({"url":"https://u:p@hooks.example.com/","events":["lead"]})",
        R"({"url":"https://hooks.example.com/","events":[]})",
        R"({"url":"https://hooks.example.com/","events":["lead.exploded"]})", R"({"events":["*"]})",
        R"({"url":"https://h.example/","events":["*"],"x":1})"})
    EXPECT_THROW(parse_webhook(boost::json::parse(bad), true, false), Error) << bad;
  EXPECT_NO_THROW(parse_webhook(
      boost::json::parse(R"({"url":"http://localhost:8080/x","events":["*"]})"), true, true));
}

}  // namespace
}  // namespace crmd::webhooks
