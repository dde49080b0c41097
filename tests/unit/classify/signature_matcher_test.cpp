#include "baawatch/classify/signature_matcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace baawatch::classify {
namespace {

const std::string kSourceDir = BAAWATCH_SOURCE_DIR;

// Built once: the fixture catalog is read-only and the matcher is thread-safe for lookups.
class SignatureMatcherTest : public ::testing::Test {
 protected:
  SignatureMatcherTest()
      : matcher_(std::make_shared<const SignatureCatalog>(
            loadSignatureCatalog(kSourceDir + "/tests/unit/fixtures/signatures"))) {}

  static std::vector<std::string> ruleIds(const std::vector<SignatureMatch>& matches) {
    std::vector<std::string> ids;
    for (const auto& match : matches) ids.push_back(match.rule->id);
    return ids;
  }

  SignatureMatcher matcher_;
};

struct NameCase {
  std::string name;
  L4Protocol protocol;
  std::uint16_t port;
  std::vector<std::string> rules;
};

class NameMatchTest : public SignatureMatcherTest,
                      public ::testing::WithParamInterface<NameCase> {};

TEST_P(NameMatchTest, MatchesTheExpectedRules) {
  const NameCase& c = GetParam();
  EXPECT_EQ(ruleIds(matcher_.matchName(c.name, EvidenceField::kTlsSni, c.protocol, c.port)),
            c.rules)
      << c.name;
}

using R = std::vector<std::string>;
constexpr auto kTcp = L4Protocol::kTcp;
constexpr auto kUdp = L4Protocol::kUdp;

INSTANTIATE_TEST_SUITE_P(
    Names, NameMatchTest,
    ::testing::Values(NameCase{"chat.example", kTcp, 443, R{"chat.names"}},
                      NameCase{"a.b.chat.example", kTcp, 443, R{"chat.names"}},
                      NameCase{"CHAT.Example.", kUdp, 443, R{"chat.names"}},
                      NameCase{"notchat.example", kTcp, 443, R{}},
                      NameCase{"chat.example.evil", kTcp, 443, R{}},
                      NameCase{"example", kTcp, 443, R{}}, NameCase{"", kTcp, 443, R{}},
                      // the longer suffix first: a more specific rule's evidence leads
                      NameCase{"x.meet.chat.example", kTcp, 443, R{"meet.names", "chat.names"}},
                      NameCase{"web.chat-app.example", kTcp, 443, R{"chat.web"}},
                      NameCase{"x.web.chat-app.example", kTcp, 443, R{}},
                      NameCase{"chat-app.example", kTcp, 443, R{}}));

struct AddressCase {
  std::string address;
  L4Protocol protocol;
  std::uint16_t port;
  std::vector<std::string> rules;
};

class AddressMatchTest : public SignatureMatcherTest,
                         public ::testing::WithParamInterface<AddressCase> {};

TEST_P(AddressMatchTest, MatchesTheExpectedRules) {
  const AddressCase& c = GetParam();
  auto address = IpAddress::parse(c.address);
  ASSERT_TRUE(address) << c.address;
  EXPECT_EQ(ruleIds(matcher_.matchAddress(*address, c.protocol, c.port)), c.rules) << c.address;
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, AddressMatchTest,
    ::testing::Values(
        // most specific range first
        AddressCase{"192.0.2.10", kTcp, 5222, R{"chat.chat-port", "meet.network"}},
        AddressCase{"192.0.2.10", kTcp, 443, R{"meet.network"}},   // port restriction
        AddressCase{"192.0.2.10", kUdp, 5222, R{"meet.network"}},  // protocol restriction
        AddressCase{"198.51.100.7", kUdp, 3479, R{"chat.relay-host", "chat.relays"}},
        AddressCase{"198.51.100.8", kUdp, 3481, R{"chat.relays"}},
        AddressCase{"198.51.100.8", kUdp, 3482, R{}}, AddressCase{"198.51.100.8", kTcp, 3478, R{}},
        AddressCase{"2001:db8:100::5", kUdp, 3481, R{"chat.relays", "meet.network"}},
        AddressCase{"2001:db8:200::5", kUdp, 3481, R{"meet.network"}},
        AddressCase{"2001:db9::1", kUdp, 3481, R{}}, AddressCase{"10.0.0.1", kTcp, 5222, R{}},
        // an IPv6 address whose low 32 bits equal a matching IPv4 address is still IPv6
        AddressCase{"::c000:20a", kTcp, 5222, R{}}));

TEST_F(SignatureMatcherTest, NdpiNamesAreExactAndHonourTheProtocol) {
  EXPECT_EQ(ruleIds(matcher_.matchNdpi("WhatsApp", kTcp, 5222)), R{"chat.ndpi"});
  EXPECT_EQ(ruleIds(matcher_.matchNdpi("WhatsApp", kUdp, 3478)), R{});
  EXPECT_EQ(ruleIds(matcher_.matchNdpi("whatsapp", kTcp, 5222)), R{});
  EXPECT_EQ(ruleIds(matcher_.matchNdpi("Signal", kTcp, 443)), R{});
}

TEST_F(SignatureMatcherTest, MatchCarriesEvidence) {
  auto byName = matcher_.matchName("Mail.CHAT.example", EvidenceField::kDnsQuery, kTcp, 443);
  ASSERT_EQ(byName.size(), 1u);
  EXPECT_EQ(byName[0].service->id, "chat");
  EXPECT_EQ(byName[0].field, EvidenceField::kDnsQuery);
  EXPECT_EQ(byName[0].value, "mail.chat.example");

  auto byAddress = matcher_.matchAddress(*IpAddress::parse("2001:db8:100::5"), kUdp, 3478);
  ASSERT_FALSE(byAddress.empty());
  EXPECT_EQ(byAddress[0].field, EvidenceField::kServerIp);
  EXPECT_EQ(byAddress[0].value, "2001:db8:100::5");

  auto byNdpi = matcher_.matchNdpi("WhatsApp", kTcp, 443);
  ASSERT_EQ(byNdpi.size(), 1u);
  EXPECT_EQ(byNdpi[0].field, EvidenceField::kNdpi);
  EXPECT_EQ(byNdpi[0].value, "WhatsApp");
  EXPECT_EQ(matcher_.catalog().find("chat"), byNdpi[0].service);
}

TEST(EvidenceField, ToStringNamesTheOutputField) {
  EXPECT_EQ(toString(EvidenceField::kTlsSni), "tls.sni");
  EXPECT_EQ(toString(EvidenceField::kQuicSni), "quic.sni");
  EXPECT_EQ(toString(EvidenceField::kDnsQuery), "dns.query");
  EXPECT_EQ(toString(EvidenceField::kHttpHost), "http.host");
  EXPECT_EQ(toString(EvidenceField::kServerIp), "server.ip");
  EXPECT_EQ(toString(EvidenceField::kNdpi), "ndpi.protocol");
  EXPECT_EQ(toString(EvidenceField::kBehaviour), "behaviour");
}

// The look-alikes of pcaps/EVIDENCE.md §3 and DOMAIN.md against the shipped signatures.
class ShippedSignatureMatcherTest : public ::testing::Test {
 protected:
  ShippedSignatureMatcherTest()
      : matcher_(std::make_shared<const SignatureCatalog>(
            loadSignatureCatalog(kSourceDir + "/signatures"))) {}

  std::vector<std::string> servicesForAddress(const std::string& address, L4Protocol protocol,
                                              std::uint16_t port) const {
    std::vector<std::string> ids;
    for (const auto& match : matcher_.matchAddress(*IpAddress::parse(address), protocol, port)) {
      ids.push_back(match.service->id);
    }
    return ids;
  }
  std::vector<std::string> servicesForName(const std::string& name) const {
    std::vector<std::string> ids;
    for (const auto& match : matcher_.matchName(name, EvidenceField::kTlsSni, kTcp, 443)) {
      ids.push_back(match.service->id);
    }
    return ids;
  }

  SignatureMatcher matcher_;
};

TEST_F(ShippedSignatureMatcherTest, Port5223OutsideAppleIsNotApplePush) {
  EXPECT_EQ(servicesForAddress("17.57.144.10", kTcp, 5223), R{"apple-push"});
  EXPECT_EQ(servicesForAddress("2620:149:a44::1", kTcp, 5223), R{"apple-push"});
  EXPECT_EQ(servicesForAddress("160.44.194.66", kTcp, 5223), R{});   // HP Virtual Group, Jabber
  EXPECT_EQ(servicesForAddress("54.255.253.199", kTcp, 5223), R{});  // KakaoTalk on AWS
  EXPECT_EQ(servicesForAddress("17.2.0.122", kUdp, 1719), R{});      // H.323 lab in 17/8
}

TEST_F(ShippedSignatureMatcherTest, AppleBackgroundNamesAreNeverACall) {
  for (const std::string name :
       {"41-courier.push.apple.com", "courier.push.apple.com", "identity.ess.apple.com",
        "captive.apple.com", "p61-content.icloud.com", "gateway.icloud.com"}) {
    for (const auto& match : matcher_.matchName(name, EvidenceField::kTlsSni, kTcp, 443)) {
      EXPECT_NE(match.rule->kind, UseKind::kCall) << name << " " << match.rule->id;
      EXPECT_NE(match.service->id, "facetime") << name;
    }
  }
  EXPECT_EQ(servicesForName("facetime.apple.com"), R{"facetime"});
  EXPECT_EQ(servicesForName("captive.apple.com"), R{});
}

TEST_F(ShippedSignatureMatcherTest, EnterpriseTeamsIsNotConsumerByName) {
  EXPECT_EQ(servicesForName("teams.microsoft.com"), R{});
  EXPECT_EQ(servicesForName("teams.live.com"), R{"teams-free"});
}

TEST_F(ShippedSignatureMatcherTest, ServicesNdpi42LacksAreCovered) {
  EXPECT_EQ(servicesForName("uts-front.line-apps.com"), R{"line"});
  EXPECT_EQ(servicesForName("meet.google.com"), R{"google-meet"});
  EXPECT_EQ(servicesForAddress("149.154.167.51", kTcp, 443), R{"telegram"});
  EXPECT_EQ(servicesForAddress("2001:67c:4e8:f004::a", kTcp, 443), R{"telegram"});
  EXPECT_EQ(servicesForAddress("203.0.113.5", kUdp, 8801), R{"zoom"});
  EXPECT_EQ(servicesForAddress("52.114.250.137", kUdp, 3478), R{"teams-free"});
  EXPECT_EQ(servicesForAddress("179.60.195.49", kTcp, 5222), R{"whatsapp"});
  EXPECT_EQ(servicesForAddress("185.88.236.110", kTcp, 5222), R{"threema"});
}

// Every range of the shipped signatures (prefixes of every length, IPv4 and IPv6) at its
// boundaries: the network itself, the first host bit set (inside), the last network bit flipped
// (outside), and random host bits; the matcher must find exactly the rules a scan of every
// range with IpRange::contains finds.
TEST_F(ShippedSignatureMatcherTest, AddressLookupAgreesWithAScanOfEveryRange) {
  struct Scanned {
    const SignatureRule* rule;
    IpRange range;
  };
  std::vector<Scanned> ranges;
  for (const ServiceSignature& service : matcher_.catalog().services) {
    for (const SignatureRule& rule : service.rules) {
      if (rule.behaviourOnly) continue;
      for (const IpRange& range : rule.ipRanges) ranges.push_back({&rule, range});
    }
  }
  // The point is prefixes that end inside a byte, in both families.
  auto count = [&](auto predicate) {
    return std::count_if(ranges.begin(), ranges.end(), predicate);
  };
  ASSERT_GT(count([](const Scanned& s) { return s.range.prefixLength() % 8 != 0; }), 5);
  ASSERT_GT(count([](const Scanned& s) {
              return s.range.toString().find(':') != std::string::npos;  // IPv6
            }),
            5);
  auto allows = [](const SignatureRule& rule, L4Protocol protocol, std::uint16_t port) {
    if (rule.protocol != L4Protocol::kAny && rule.protocol != protocol) return false;
    return rule.ports.empty() ||
           std::any_of(rule.ports.begin(), rule.ports.end(),
                       [port](const PortRange& r) { return r.contains(port); });
  };
  auto withBit = [](IpAddress address, int bit128, bool set) {
    std::array<std::uint8_t, 16> bytes = address.bytes();
    auto mask = static_cast<std::uint8_t>(0x80 >> (bit128 % 8));
    auto& byte = bytes[static_cast<std::size_t>(bit128 / 8)];
    byte = set ? static_cast<std::uint8_t>(byte | mask) : static_cast<std::uint8_t>(byte & ~mask);
    return IpAddress::fromV6(bytes);
  };
  std::mt19937_64 random(20261124);
  std::size_t checked = 0, inside = 0;
  for (const Scanned& scanned : ranges) {
    std::string text = scanned.range.toString();
    const IpAddress& network = scanned.range.network();
    int prefix128 = scanned.range.prefixLength() + (network.isV4() ? 96 : 0);
    std::vector<IpAddress> probes{network};
    if (prefix128 < 128) probes.push_back(withBit(network, prefix128, true));
    if (prefix128 > (network.isV4() ? 96 : 0)) {
      int last = prefix128 - 1;
      bool isSet = (network.bytes()[static_cast<std::size_t>(last / 8)] & (0x80 >> (last % 8)));
      probes.push_back(withBit(network, last, !isSet));
    }
    for (int draw = 0; draw < 4; ++draw) {
      IpAddress probe = network;
      for (int bit = prefix128; bit < 128; ++bit) probe = withBit(probe, bit, random() & 1);
      probes.push_back(probe);
    }
    for (const IpAddress& probe : probes) {
      for (auto [protocol, port] : {std::pair{kTcp, std::uint16_t{443}},
                                    std::pair{kUdp, std::uint16_t{3478}},
                                    std::pair{kTcp, std::uint16_t{5222}}}) {
        std::vector<std::string> expected;
        for (const Scanned& other : ranges) {
          if (other.range.contains(probe) && allows(*other.rule, protocol, port))
            expected.push_back(other.rule->id);
        }
        std::vector<std::string> found;
        for (const auto& match : matcher_.matchAddress(probe, protocol, port))
          found.push_back(match.rule->id);
        std::sort(expected.begin(), expected.end());
        std::sort(found.begin(), found.end());
        EXPECT_EQ(found, expected) << probe.toString() << " " << port << " near " << text;
        ++checked;
        inside += expected.empty() ? 0 : 1;
      }
    }
  }
  EXPECT_GT(inside, 0u);
  EXPECT_LT(inside, checked);  // some probes fall outside every range
}

}  // namespace
}  // namespace baawatch::classify
