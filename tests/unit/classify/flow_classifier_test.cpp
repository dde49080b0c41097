#include "baawatch/classify/flow_classifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "baawatch/decode/dns_message.hpp"
#include "baawatch/decode/packet_decoder.hpp"
#include "baawatch/flow/flow_table.hpp"
#include "unit/decode/hex_fixture.hpp"
#include "unit/fixtures/frames.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::classify {
namespace {

using Bytes = std::vector<std::uint8_t>;
using decode::testing::hexBytes;
namespace tcp = decode::tcp_flags;

// ---- Frames: tests/unit/fixtures/frames.hpp -------------------------------------------------

using baawatch::testing::frames::clientHello;
using baawatch::testing::frames::discordIpDiscovery;
using baawatch::testing::frames::dnsMessage;
using baawatch::testing::frames::Endpoints;
using baawatch::testing::frames::reverse;
using baawatch::testing::frames::tcpFrame;
using baawatch::testing::frames::udpFrame;

// ---- Catalogs -------------------------------------------------------------------------------

const std::string kHeader = R"(
baa:
  status: none
  statement: "Fixture."
  source: "fixture"
)";

// whatsapp: names and nDPI label; meta: Meta's network by address only (weaker, so a name must
// win); chat: a name resolved over DNS, UDP only.
const std::string kWhatsappYaml = "id: whatsapp\nname: WhatsApp\nvendor: Meta Platforms\n"
                                  "category: messaging" + kHeader + R"(rules:
  - id: whatsapp.names
    names: [whatsapp.net]
    kind: messaging
    confidence: high
    reason: "Fixture: WhatsApp's domain."
    source: "fixture"
  - id: whatsapp.ndpi
    ndpi: [WhatsApp]
    kind: messaging
    confidence: high
    reason: "Fixture: nDPI's WhatsApp label."
    source: "fixture"
)";
const std::string kMetaYaml = "id: meta\nname: Meta network\nvendor: Meta Platforms\n"
                              "category: messaging" + kHeader + R"(rules:
  - id: meta.network
    ip_ranges: ["157.240.0.0/16", "203.0.113.0/24"]
    kind: web
    confidence: low
    reason: "Fixture: Meta's address block."
    source: "fixture"
)";
const std::string kChatYaml = "id: chat\nname: Example Chat\nvendor: Example Inc.\n"
                              "category: video" + kHeader + R"(rules:
  - id: chat.names
    names: [chat.example]
    protocol: udp
    kind: call
    confidence: high
    reason: "Fixture: the chat media host name."
    source: "fixture"
  - id: chat.resolvers
    ip_ranges: ["192.168.1.1"]
    kind: web
    confidence: high
    reason: "Fixture: matches the resolver, to show a DNS flow is still not attributed."
    source: "fixture"
)";

std::shared_ptr<const SignatureCatalog> fixtureCatalog() {
  baawatch::testing::TempFolder folder;
  folder.write("services/whatsapp.yaml", kWhatsappYaml);
  folder.write("services/meta.yaml", kMetaYaml);
  folder.write("services/chat.yaml", kChatYaml);
  return std::make_shared<const SignatureCatalog>(loadSignatureCatalog(folder.path()));
}

std::shared_ptr<const SignatureCatalog> realCatalog() {
  return std::make_shared<const SignatureCatalog>(
      loadSignatureCatalog(std::string(BAAWATCH_SOURCE_DIR) + "/signatures"));
}

// ---- Harness --------------------------------------------------------------------------------

// Decodes frames, tracks them in a flow table and feeds the classifier, as the pipeline does.
class Harness {
 public:
  explicit Harness(std::shared_ptr<const SignatureCatalog> catalog, std::uint32_t budget = 24)
      : classifier_(std::move(catalog), options(budget)),
        table_(flow::FlowTableOptions{.hashSeed = 7}, nullptr) {}

  // Returns the packet's flow.
  flow::Flow& feed(const Bytes& frame, double seconds) {
    const Timestamp time = Timestamp::fromSeconds(seconds);
    auto decoded = decoder_.decode(frame, static_cast<std::uint32_t>(frame.size()), time);
    EXPECT_TRUE(decoded.has_value());
    const auto& packet = std::get<decode::DecodedPacket>(*decoded);
    if (packet.sourcePort == 53 && !packet.payload.empty()) {
      // Not every port-53 payload is DNS (DNSCrypt there is not): only answers feed the cache.
      auto dns = decode::parseDnsMessage(packet.payload);
      if (dns && dns->isResponse) classifier_.observeDnsResponse(packet.destination, *dns, time);
    }
    auto tracked = table_.track(packet);
    if (classifier_.onPacket(*tracked.flow, packet, tracked.direction)) {
      ++classifiedOnPacket_[tracked.flow->id];
    }
    return *tracked.flow;
  }

  // Ends the flow's classification (as the flow's end does) and returns its facts.
  const FlowFacts& finish(flow::Flow& flow) {
    const bool classifiedBefore = classifiedOnPacket_[flow.id] > 0;
    EXPECT_LE(classifiedOnPacket_[flow.id], 1) << "classified more than once";
    EXPECT_EQ(classifier_.onFlowEnd(flow), !classifiedBefore);
    EXPECT_FALSE(classifier_.onFlowEnd(flow)) << "classified twice";
    const FlowFacts* facts = FlowClassifier::facts(flow);
    EXPECT_NE(facts, nullptr);
    EXPECT_TRUE(facts->classified);
    return *facts;
  }

  FlowClassifier& classifier() { return classifier_; }

 private:
  static ClassifierOptions options(std::uint32_t budget) {
    ClassifierOptions options;
    options.ndpiPacketBudget = budget;
    return options;
  }
  decode::PacketDecoder decoder_{1};
  FlowClassifier classifier_;
  flow::FlowTable table_;
  std::map<std::uint64_t, int> classifiedOnPacket_;
};

const Endpoints kTls{"192.168.1.42", 51000, "157.240.1.53", 443};

// SYN, SYN-ACK, ACK, ClientHello from `e.source` to `e.destination`; returns the flow.
flow::Flow& tlsConnection(Harness& harness, const std::string& sni, bool ech, double start,
                          const Endpoints& e = kTls) {
  harness.feed(tcpFrame(e, tcp::kSyn, 1000, 0), start);
  harness.feed(tcpFrame(reverse(e), tcp::kSyn | tcp::kAck, 5000, 1001), start + 0.02);
  harness.feed(tcpFrame(e, tcp::kAck, 1001, 5001), start + 0.04);
  return harness.feed(tcpFrame(e, tcp::kPsh | tcp::kAck, 1001, 5001, clientHello(sni, ech)),
                      start + 0.05);
}

const Evidence* findEvidence(const Verdict& verdict, EvidenceField field) {
  auto it = std::find_if(verdict.evidence.begin(), verdict.evidence.end(),
                         [&](const Evidence& e) { return e.field == field; });
  return it == verdict.evidence.end() ? nullptr : &*it;
}

// ---- Tests ----------------------------------------------------------------------------------

struct CatalogCase {
  std::string name;
  std::shared_ptr<const SignatureCatalog> (*catalog)();
};

class TlsSniTest : public ::testing::TestWithParam<CatalogCase> {};

TEST_P(TlsSniTest, ClientHelloToMetaAddressIsWhatsappByTlsSni) {
  Harness harness(GetParam().catalog());
  flow::Flow& flow = tlsConnection(harness, "g.whatsapp.net", false, 1700000000.0);
  const FlowFacts& facts = harness.finish(flow);
  EXPECT_EQ(facts.tlsServerName, "g.whatsapp.net");
  EXPECT_EQ(facts.tlsAlpn, std::vector<std::string>{"h2"});
  EXPECT_FALSE(facts.tlsEchOffered);
  ASSERT_TRUE(facts.verdict.has_value());
  const Verdict& verdict = *facts.verdict;
  ASSERT_NE(verdict.service, nullptr);
  EXPECT_EQ(verdict.service->id, "whatsapp");
  EXPECT_EQ(verdict.confidence, Confidence::kHigh);
  EXPECT_NE(verdict.catalog, nullptr);  // keeps the service alive across a reload
  const Evidence* sni = findEvidence(verdict, EvidenceField::kTlsSni);
  ASSERT_NE(sni, nullptr);
  EXPECT_EQ(sni->value, "g.whatsapp.net");
  EXPECT_EQ(sni->ruleId.rfind("whatsapp.", 0), 0u) << sni->ruleId;
  EXPECT_EQ(sni->time, Timestamp::fromSeconds(1700000000.05));  // the ClientHello's time
  EXPECT_EQ(harness.classifier().counters().get("classify.attributed"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Catalogs, TlsSniTest,
                         ::testing::Values(CatalogCase{"fixture", fixtureCatalog},
                                           CatalogCase{"real_signatures", realCatalog}),
                         [](const auto& info) { return info.param.name; });

TEST(FlowClassifierTest, ClassifiesOnThePacketThatExhaustsTheBudget) {
  Harness harness(fixtureCatalog(), 4);
  flow::Flow& flow = tlsConnection(harness, "g.whatsapp.net", false, 10.0);
  // With a budget of 4 packets, the ClientHello (4th packet) ends nDPI's work: classified now.
  const FlowFacts* facts = FlowClassifier::facts(flow);
  ASSERT_NE(facts, nullptr);
  EXPECT_TRUE(facts->classified);
  ASSERT_TRUE(facts->verdict.has_value());
  EXPECT_EQ(facts->verdict->service->id, "whatsapp");
  EXPECT_FALSE(harness.classifier().onFlowEnd(flow));
  // Later packets of a classified flow change nothing.
  harness.feed(tcpFrame(reverse(kTls), tcp::kAck, 5001, 1200), 10.2);
  EXPECT_EQ(harness.classifier().counters().get("classify.flows"), 1u);
}

TEST(FlowClassifierTest, TlsNamedByNdpiFromTheClientHelloIsClassifiedOnIt) {
  // nDPI 4.2 names g.whatsapp.net from the SNI (TLS.WhatsApp). The certificate it would wait
  // for next cannot change that label, so the flow is classified on the ClientHello, well inside
  // the default budget, instead of on its end.
  Harness harness(fixtureCatalog());
  flow::Flow& flow = tlsConnection(harness, "g.whatsapp.net", false, 20.0);
  const FlowFacts* facts = FlowClassifier::facts(flow);
  ASSERT_NE(facts, nullptr);
  EXPECT_TRUE(facts->classified);
  EXPECT_EQ(facts->ndpiLabel, "TLS.WhatsApp");
  ASSERT_TRUE(facts->verdict.has_value());
  EXPECT_EQ(facts->verdict->service->id, "whatsapp");
  EXPECT_NE(findEvidence(*facts->verdict, EvidenceField::kNdpi), nullptr);
}

TEST(FlowClassifierTest, TlsNdpiCannotNameYetWaitsForTheCertificate) {
  // An SNI nDPI has no protocol for: nDPI may still name the flow from the server's certificate,
  // so classification waits (here for the flow's end).
  Harness harness(fixtureCatalog());
  const Endpoints documentationServer{"192.168.1.42", 51000, "198.51.100.7", 443};
  flow::Flow& flow =
      tlsConnection(harness, "intranet.example.org", false, 30.0, documentationServer);
  const FlowFacts* facts = FlowClassifier::facts(flow);
  ASSERT_NE(facts, nullptr);
  EXPECT_FALSE(facts->classified);
  const FlowFacts& ended = harness.finish(flow);
  EXPECT_EQ(ended.tlsServerName, "intranet.example.org");
  EXPECT_EQ(ended.ndpiLabel, "TLS");
}

TEST(FlowClassifierTest, EchOfferedIsRecorded) {
  Harness harness(fixtureCatalog());
  flow::Flow& flow = tlsConnection(harness, "g.whatsapp.net", true, 10.0);
  const FlowFacts& facts = harness.finish(flow);
  EXPECT_TRUE(facts.tlsEchOffered);
  EXPECT_EQ(facts.tlsServerName, "g.whatsapp.net");
}

TEST(FlowClassifierTest, AddressAloneGivesTheWeakerVerdict) {
  // An unrelated name to an address of the meta fixture that nDPI's own IP lists do not know
  // (157.240/16 is in them, so nDPI would add its WhatsApp label): only the address matches.
  Harness harness(fixtureCatalog());
  flow::Flow& flow = tlsConnection(harness, "www.example.org", false, 10.0,
                                   {"192.168.1.42", 51000, "203.0.113.80", 443});
  const FlowFacts& facts = harness.finish(flow);
  ASSERT_TRUE(facts.verdict.has_value());
  EXPECT_EQ(facts.verdict->service->id, "meta");
  EXPECT_EQ(facts.verdict->confidence, Confidence::kLow);
  EXPECT_EQ(findEvidence(*facts.verdict, EvidenceField::kTlsSni), nullptr);
  ASSERT_NE(findEvidence(*facts.verdict, EvidenceField::kServerIp), nullptr);
  EXPECT_EQ(findEvidence(*facts.verdict, EvidenceField::kServerIp)->value, "203.0.113.80");
}

// TLS application data (record type 23), as a connection seen from its middle carries.
Bytes tlsApplicationData() {
  Bytes record = {0x17, 0x03, 0x03, 0x00, 0x40};
  for (int i = 0; i < 0x40; ++i) record.push_back(static_cast<std::uint8_t>(0xa5 ^ i));
  return record;
}

TEST(FlowClassifierTest, TlsSeenWithoutItsHandshakeIsNotAttributedByAddress) {
  // The same address as above, but the capture began after the handshake: no name, only an
  // address, which a vendor shares across its services. Left unattributed, and counted.
  Harness harness(fixtureCatalog());
  const Endpoints e{"192.168.1.42", 51000, "203.0.113.80", 443};
  harness.feed(tcpFrame(e, tcp::kPsh | tcp::kAck, 7000, 9000, tlsApplicationData()), 10.0);
  flow::Flow& flow =
      harness.feed(tcpFrame(reverse(e), tcp::kPsh | tcp::kAck, 9000, 7069, tlsApplicationData()), 10.1);
  const FlowFacts& facts = harness.finish(flow);
  EXPECT_TRUE(facts.tlsServerName.empty());
  EXPECT_FALSE(facts.tlsCertificateSeen);
  EXPECT_EQ(facts.ndpiMasterName.empty() ? facts.ndpiAppName : facts.ndpiMasterName, "TLS");
  EXPECT_FALSE(facts.verdict.has_value());
  EXPECT_EQ(harness.classifier().counters().get("classify.tls_without_handshake"), 1u);
}

TEST(FlowClassifierTest, FlowWithoutPayloadIsJudgedByOurAddressesNotNdpisAddressGuess) {
  // SYNs only, to an address nDPI 4.2's own tables give to WhatsApp (157.240/16): nDPI's label
  // is a guess from port and its old address table. The WhatsApp label is not taken; our own
  // address rule (meta.network) still judges the address.
  Harness harness(fixtureCatalog());
  harness.feed(tcpFrame(kTls, tcp::kSyn, 1000, 0), 10.0);
  flow::Flow& flow = harness.feed(tcpFrame(kTls, tcp::kSyn, 1000, 0), 11.0);
  const FlowFacts& facts = harness.finish(flow);
  ASSERT_TRUE(facts.verdict.has_value());
  EXPECT_EQ(facts.verdict->service->id, "meta");
  EXPECT_EQ(findEvidence(*facts.verdict, EvidenceField::kNdpi), nullptr);
  ASSERT_NE(findEvidence(*facts.verdict, EvidenceField::kServerIp), nullptr);
}

TEST(FlowClassifierTest, RuleDoesNotHoldInItsExceptedAddresses) {
  baawatch::testing::TempFolder folder;
  folder.write("services/chat.yaml", "id: chat\nname: Example Chat\nvendor: Example Inc.\n"
                                     "category: video" + kHeader + R"(rules:
  - id: chat.network
    ip_ranges: ["203.0.113.0/24"]
    except_ip_ranges: ["203.0.113.128/25"]
    kind: web
    confidence: medium
    reason: "Fixture: the vendor's block, but for the half it lends to another company."
    source: "fixture"
)");
  auto catalog = std::make_shared<const SignatureCatalog>(loadSignatureCatalog(folder.path()));
  Harness harness(catalog);
  const FlowFacts& inside = harness.finish(tlsConnection(harness, "www.example.org", false, 10.0,
                                                         {"192.168.1.42", 51000, "203.0.113.80", 443}));
  ASSERT_TRUE(inside.verdict.has_value());
  EXPECT_EQ(inside.verdict->service->id, "chat");
  const FlowFacts& excepted = harness.finish(tlsConnection(
      harness, "www.example.org", false, 20.0, {"192.168.1.42", 51001, "203.0.113.200", 443}));
  EXPECT_FALSE(excepted.verdict.has_value());
}

const Endpoints kDnsQuery{"192.168.1.42", 40000, "192.168.1.1", 53};
const Endpoints kMedia{"192.168.1.42", 41000, "198.51.100.20", 3478};

TEST(FlowClassifierTest, UdpFlowToAnsweredAddressIsAttributedThroughDnsQuery) {
  Harness harness(fixtureCatalog());
  flow::Flow& dnsFlow = harness.feed(udpFrame(kDnsQuery, dnsMessage("media.chat.example", "", false)), 10.0);
  harness.feed(udpFrame(reverse(kDnsQuery), dnsMessage("media.chat.example", "198.51.100.20", true)),
               10.01);
  ASSERT_TRUE(harness.classifier().dnsCache().lookup(
      IpAddress::parse("192.168.1.42").value(), IpAddress::parse("198.51.100.20").value(),
      Timestamp::fromSeconds(11)));

  flow::Flow& media = harness.feed(udpFrame(kMedia, Bytes(120, 0x80)), 12.0);
  harness.feed(udpFrame(reverse(kMedia), Bytes(120, 0x80)), 12.02);
  const FlowFacts& facts = harness.finish(media);
  EXPECT_EQ(facts.resolvedName, "media.chat.example");
  ASSERT_TRUE(facts.verdict.has_value());
  EXPECT_EQ(facts.verdict->service->id, "chat");
  EXPECT_EQ(facts.verdict->kind, UseKind::kCall);
  const Evidence* dns = findEvidence(*facts.verdict, EvidenceField::kDnsQuery);
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->ruleId, "chat.names");
  EXPECT_EQ(dns->value, "media.chat.example");
  EXPECT_EQ(dns->time, Timestamp::fromSeconds(10.01));  // when the name was resolved

  // The lookup flow itself is not use of the service it names (nor of the resolver's address).
  const FlowFacts& dnsFacts = harness.finish(dnsFlow);
  EXPECT_FALSE(dnsFacts.verdict.has_value());
  EXPECT_GE(harness.classifier().counters().get("classify.name_service_flows"), 1u);
}

TEST(FlowClassifierTest, AnotherClientsLookupDoesNotNameTheFlow) {
  Harness harness(fixtureCatalog());
  const Endpoints otherQuery{"192.168.1.77", 40000, "192.168.1.1", 53};
  harness.feed(udpFrame(otherQuery, dnsMessage("media.chat.example", "", false)), 10.0);
  harness.feed(udpFrame(reverse(otherQuery), dnsMessage("media.chat.example", "198.51.100.20", true)),
               10.01);
  flow::Flow& media = harness.feed(udpFrame(kMedia, Bytes(120, 0x80)), 12.0);
  const FlowFacts& facts = harness.finish(media);
  EXPECT_TRUE(facts.resolvedName.empty());
  EXPECT_FALSE(facts.verdict.has_value());
  EXPECT_EQ(harness.classifier().counters().get("classify.unattributed"), 1u);
}

struct DnsFlowCase {
  std::string name;
  bool querySeen;  // false: the capture starts with the response (query missed)
};

class DnsFlowTest : public ::testing::TestWithParam<DnsFlowCase> {};

TEST_P(DnsFlowTest, DnsFlowIsNeverAttributed) {
  // nDPI labels a DNS flow with the application of the name asked for (DNS.WhatsApp); the
  // catalog has an nDPI rule for that label, so only the name-service check keeps it out.
  Harness harness(fixtureCatalog());
  flow::Flow* flow = nullptr;
  if (GetParam().querySeen)
    flow = &harness.feed(udpFrame(kDnsQuery, dnsMessage("g.whatsapp.net", "", false)), 10.0);
  flow::Flow& response = harness.feed(
      udpFrame(reverse(kDnsQuery), dnsMessage("g.whatsapp.net", "157.240.1.53", true)), 10.01);
  if (flow == nullptr) flow = &response;
  const FlowFacts& facts = harness.finish(*flow);
  EXPECT_FALSE(facts.verdict.has_value())
      << "DNS flow attributed to " << facts.verdict->service->id << " (nDPI label "
      << facts.ndpiLabel << ")";
  EXPECT_EQ(harness.classifier().counters().get("classify.attributed"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Directions, DnsFlowTest,
                         ::testing::Values(DnsFlowCase{"query_then_response", true},
                                           DnsFlowCase{"response_only", false}),
                         [](const auto& info) { return info.param.name; });

// ---- Wire shapes ----------------------------------------------------------------------------

Bytes opaque(std::size_t size, std::uint8_t seed) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  bytes[0] = 0x90;
  return bytes;
}

TEST(FlowClassifierTest, DiscordVoiceOutsideItsAddressSpaceIsNamedByIpDiscovery) {
  // A Discord voice server on a cloud address (not in lists/discord.txt): the IP discovery
  // exchange names it, and nothing else would.
  Harness harness(realCatalog());
  const Endpoints voice{"192.168.1.42", 64837, "198.51.100.161", 50001};
  flow::Flow& flow = harness.feed(udpFrame(voice, discordIpDiscovery(0x0001, "")), 20.0);
  harness.feed(udpFrame(reverse(voice), discordIpDiscovery(0x0002, "203.0.113.7")), 20.03);
  for (int i = 0; i < 30; ++i)
    harness.feed(udpFrame(i % 2 ? reverse(voice) : voice, opaque(160, i)), 20.1 + i * 0.02);
  const FlowFacts& facts = harness.finish(flow);
  ASSERT_TRUE(facts.verdict.has_value());
  EXPECT_EQ(facts.verdict->service->id, "discord");
  EXPECT_EQ(facts.verdict->kind, UseKind::kCall);
  const Evidence* shape = findEvidence(*facts.verdict, EvidenceField::kWireShape);
  ASSERT_NE(shape, nullptr);
  EXPECT_EQ(shape->ruleId, "discord.voice-wire");
  EXPECT_EQ(shape->value, "discord-ip-discovery");
}

TEST(FlowClassifierTest, DnscryptOnTheDnsPortIsEncryptedDnsNotALookup) {
  // Port 53 flows are look-ups and never attributed, except when their bytes are DNSCrypt's: the
  // device's names are then hidden from the clinic resolver.
  Harness harness(realCatalog());
  const Endpoints resolver{"192.168.1.42", 46858, "198.51.100.36", 53};
  Bytes query = opaque(520, 3);
  Bytes answer = {'r', '6', 'f', 'n', 'v', 'W', 'j', '8'};
  answer.resize(240, 0x5a);
  flow::Flow& flow = harness.feed(udpFrame(resolver, query), 30.0);
  harness.feed(udpFrame(reverse(resolver), answer), 30.05);
  const FlowFacts& facts = harness.finish(flow);
  ASSERT_TRUE(facts.verdict.has_value());
  EXPECT_EQ(facts.verdict->service->id, "encrypted-dns");
  const Evidence* shape = findEvidence(*facts.verdict, EvidenceField::kWireShape);
  ASSERT_NE(shape, nullptr);
  EXPECT_EQ(shape->value, "dnscrypt-response");
}

TEST(FlowClassifierTest, WireShapesAreLookedForInTheFirstPayloadsOnly) {
  // The same answer late in a long flow is not DNSCrypt's opening: it is not looked for there.
  Harness harness(realCatalog());
  const Endpoints other{"192.168.1.42", 40000, "198.51.100.36", 9000};
  flow::Flow& flow = harness.feed(udpFrame(other, opaque(100, 1)), 40.0);
  for (int i = 0; i < 8; ++i) harness.feed(udpFrame(reverse(other), opaque(100, i)), 40.1 + i * 0.1);
  Bytes answer = {'r', '6', 'f', 'n', 'v', 'W', 'j', '8'};
  answer.resize(240, 0x5a);
  harness.feed(udpFrame(reverse(other), answer), 41.0);
  const FlowFacts& facts = harness.finish(flow);
  EXPECT_EQ(facts.wireShapes, 0u);
  EXPECT_FALSE(facts.verdict.has_value());
}

}  // namespace
}  // namespace baawatch::classify
