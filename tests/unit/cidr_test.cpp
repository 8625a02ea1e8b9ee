#include "domain/common/cidr.hpp"

#include <gtest/gtest.h>

namespace crmd {
namespace {

TEST(Cidr, Ipv4AndIpv6NetworksContainTheirAddresses) {
  const auto v4 = Cidr::parse("10.1.0.0/16");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->contains("10.1.200.3"));
  EXPECT_FALSE(v4->contains("10.2.0.1"));
  EXPECT_TRUE(v4->contains("::ffff:10.1.0.9"));  // IPv4-mapped
  const auto one = Cidr::parse("127.0.0.1");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->contains("127.0.0.1"));
  EXPECT_FALSE(one->contains("127.0.0.2"));
  const auto v6 = Cidr::parse("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains("fd12::1"));
  EXPECT_FALSE(v6->contains("10.1.0.1"));
  EXPECT_FALSE(v6->contains("not an address"));
}

TEST(Cidr, MalformedNetworksAreRefused) {
  for (const char* bad :
       {"", "10.0.0.0/33", "10.0.0/8", "::1/129", "x/8", "10.0.0.0/", "10.0.0.0/a"})
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
}

}  // namespace
}  // namespace crmd
