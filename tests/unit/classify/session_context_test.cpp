#include "baawatch/classify/session_context.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace baawatch::classify {
namespace {

ServiceSignature service(std::string id, std::string name, std::string vendor,
                         Category category = Category::kMessaging) {
  ServiceSignature s;
  s.id = std::move(id);
  s.name = std::move(name);
  s.vendor = std::move(vendor);
  s.category = category;
  return s;
}

// Three services of one vendor sharing relays, one of another vendor, one presence service.
const ServiceSignature kWhatsapp = service("whatsapp", "WhatsApp", "Meta Platforms");
const ServiceSignature kMessenger = service("messenger", "Facebook Messenger", "Meta Platforms");
const ServiceSignature kInstagram = service("instagram", "Instagram", "Meta Platforms");
const ServiceSignature kSkype = service("skype", "Skype", "Microsoft");
const ServiceSignature kMetaPresence =
    service("meta-presence", "Meta presence", "Meta Platforms", Category::kPresence);
const ServiceSignature kShortWindow = [] {
  ServiceSignature s = service("whatsapp-short", "WhatsApp (short window)", "Meta Platforms");
  s.behaviour["session_window_seconds"] = 30;
  return s;
}();

Evidence evidence(EvidenceField field, std::string value) {
  return Evidence{"rule." + std::string(toString(field)), field, std::move(value), Timestamp{},
                  Confidence::kHigh, "test"};
}

Verdict verdict(const ServiceSignature& s, UseKind kind, std::vector<EvidenceField> fields,
                Confidence confidence = Confidence::kHigh) {
  Verdict v;
  v.service = &s;
  v.kind = kind;
  v.confidence = confidence;
  for (EvidenceField field : fields) v.evidence.push_back(evidence(field, "x"));
  return v;
}

Timestamp at(double seconds) { return Timestamp::fromSeconds(seconds); }

// A named WhatsApp chat session (TLS SNI) opened at t = 100 by the phone.
Verdict namedChat(const ServiceSignature& s = kWhatsapp) {
  return verdict(s, UseKind::kMessaging, {EvidenceField::kTlsSni});
}
// A Meta call whose evidence names only the vendor (nDPI label and relay address).
Verdict anonymousCall(const ServiceSignature& s = kMessenger) {
  return verdict(s, UseKind::kCall, {EvidenceField::kNdpi, EvidenceField::kServerIp});
}

const std::string kPhone = "mac:3c:22:fb:12:34:56";

TEST(SessionContextTest, AnonymousMetaCallIsAttributedToTheNamedWhatsappSession) {
  SessionContext context;
  context.observe(kPhone, namedChat(), at(100));
  Verdict call = anonymousCall();
  ASSERT_TRUE(context.refine(kPhone, call, at(160)));
  EXPECT_EQ(call.service, &kWhatsapp);
  EXPECT_EQ(call.confidence, Confidence::kMedium);  // context is weaker than a name
  EXPECT_EQ(call.kind, UseKind::kCall);
  ASSERT_EQ(call.evidence.size(), 3u);  // the flow's own evidence is kept
  const Evidence& added = call.evidence.back();
  EXPECT_EQ(added.ruleId, "context.whatsapp.same-vendor-session");
  EXPECT_EQ(added.field, EvidenceField::kBehaviour);
  EXPECT_EQ(added.time, at(100));  // the time the session was last named
  EXPECT_NE(added.value.find("WhatsApp"), std::string::npos) << added.value;
  EXPECT_NE(added.value.find("Facebook Messenger"), std::string::npos) << added.value;
}

TEST(SessionContextTest, LowConfidenceStaysLow) {
  SessionContext context;
  context.observe(kPhone, namedChat(), at(100));
  Verdict call = verdict(kMessenger, UseKind::kCall, {EvidenceField::kServerIp}, Confidence::kLow);
  ASSERT_TRUE(context.refine(kPhone, call, at(110)));
  EXPECT_EQ(call.confidence, Confidence::kLow);
}

// A reload replaces the catalog while a device's named session is still open: the session keeps
// its catalog alive, and a call attributed to it afterwards takes that catalog along, so neither
// reads a freed service (helper review: a use-after-free under ASan without this).
TEST(SessionContextTest, ASessionFromBeforeAReloadKeepsItsServiceAlive) {
  SessionContext context;
  std::weak_ptr<const SignatureCatalog> beforeReload;
  {
    auto catalog = std::make_shared<SignatureCatalog>();
    catalog->services = {kWhatsapp, kMessenger};
    beforeReload = catalog;
    Verdict chat = namedChat(catalog->services[0]);
    chat.catalog = catalog;
    context.observe(kPhone, chat, at(100));
  }  // the reload: the old catalog's last verdict is gone
  EXPECT_FALSE(beforeReload.expired()) << "the open session must keep its catalog";

  auto afterReload = std::make_shared<SignatureCatalog>();
  afterReload->services = {kWhatsapp, kMessenger};
  Verdict call = anonymousCall(afterReload->services[1]);
  call.catalog = afterReload;
  afterReload.reset();  // the call's verdict is the new catalog's only owner, as on a packet thread
  ASSERT_TRUE(context.refine(kPhone, call, at(160)));
  EXPECT_EQ(call.service->id, "whatsapp");
  EXPECT_EQ(call.catalog, beforeReload.lock()) << "the verdict must own its service's catalog";
  EXPECT_NE(call.evidence.back().value.find("Facebook Messenger"), std::string::npos)
      << call.evidence.back().value;
}

// A device's sessions are forgotten once they can no longer matter (window and margin passed),
// and not before: a late verdict inside the margin is still refined.
TEST(SessionContextTest, ForgetsDevicesWhoseSessionsEndedLongAgo) {
  SessionContext context;
  context.observe(kPhone, namedChat(), at(100));
  context.observe("mac:aa:bb:cc:dd:ee:01", namedChat(), at(5000));
  context.forgetBefore(at(100 + 600 + 3600), 3600);  // the phone's session: window + margin
  EXPECT_EQ(context.devices(), 2u);
  Verdict late = anonymousCall();
  EXPECT_TRUE(context.refine(kPhone, late, at(650)));
  context.forgetBefore(at(100 + 600 + 3601), 3600);
  EXPECT_EQ(context.devices(), 1u);
  Verdict gone = anonymousCall();
  EXPECT_FALSE(context.refine(kPhone, gone, at(650)));
}

// Cases where the call keeps its verdict. Each observes some named flows, then refines a call.
struct Observation {
  std::string device;
  Verdict verdict;
  double time;
};

struct KeepCase {
  std::string name;
  std::vector<Observation> observed;
  std::string device;
  Verdict call;
  double time;
};

class SessionContextKeepsVerdictTest : public ::testing::TestWithParam<KeepCase> {};

TEST_P(SessionContextKeepsVerdictTest, CallIsNotRefined) {
  const KeepCase& c = GetParam();
  SessionContext context;
  for (const Observation& o : c.observed) context.observe(o.device, o.verdict, at(o.time));
  Verdict call = c.call;
  EXPECT_FALSE(context.refine(c.device, call, at(c.time)));
  EXPECT_EQ(call.service, c.call.service);
  EXPECT_EQ(call.confidence, c.call.confidence);
  EXPECT_EQ(call.evidence.size(), c.call.evidence.size());
}

INSTANTIATE_TEST_SUITE_P(
    KeepCases, SessionContextKeepsVerdictTest,
    ::testing::Values(
        KeepCase{"no_session", {}, kPhone, anonymousCall(), 160},
        KeepCase{"call_has_dns_name_evidence",
                 {{kPhone, namedChat(), 100}},
                 kPhone,
                 verdict(kMessenger, UseKind::kCall, {EvidenceField::kNdpi, EvidenceField::kDnsQuery}),
                 160},
        KeepCase{"call_has_quic_sni_evidence",
                 {{kPhone, namedChat(), 100}},
                 kPhone,
                 verdict(kMessenger, UseKind::kCall, {EvidenceField::kQuicSni}),
                 160},
        // (A high-confidence call of a service the device named is left as it is; see
        // OwnServiceSessionNeverReattributes for a weaker one.)
        KeepCase{"device_also_in_named_session_of_verdict_service",
                 {{kPhone, namedChat(), 100}, {kPhone, namedChat(kMessenger), 120}},
                 kPhone,
                 anonymousCall(),
                 160},
        KeepCase{"two_named_siblings",
                 {{kPhone, namedChat(), 100}, {kPhone, namedChat(kInstagram), 110}},
                 kPhone,
                 anonymousCall(),
                 160},
        KeepCase{"messaging_verdict_not_a_call",
                 {{kPhone, namedChat(), 100}},
                 kPhone,
                 verdict(kMessenger, UseKind::kMessaging, {EvidenceField::kNdpi}),
                 160},
        KeepCase{"web_verdict_not_a_call",
                 {{kPhone, namedChat(), 100}},
                 kPhone,
                 verdict(kMessenger, UseKind::kWeb, {EvidenceField::kServerIp}),
                 160},
        KeepCase{"after_the_default_600s_window",
                 {{kPhone, namedChat(), 100}},
                 kPhone,
                 anonymousCall(),
                 700.001},
        KeepCase{"after_the_service_session_window",
                 {{kPhone, namedChat(kShortWindow), 100}},
                 kPhone,
                 anonymousCall(),
                 130.001},
        KeepCase{"session_on_another_device",
                 {{"mac:aa:aa:aa:aa:aa:02", namedChat(), 100}},
                 kPhone,
                 anonymousCall(),
                 160},
        KeepCase{"sibling_of_another_vendor",
                 {{kPhone, namedChat(kSkype), 100}},
                 kPhone,
                 anonymousCall(),
                 160},
        KeepCase{"session_opened_without_name_evidence",
                 {{kPhone, verdict(kWhatsapp, UseKind::kMessaging, {EvidenceField::kServerIp}), 100}},
                 kPhone,
                 anonymousCall(),
                 160},
        // Presence signals never open a session: neither a presence-kind verdict with a name ...
        KeepCase{"presence_kind_never_opens_a_session",
                 {{kPhone, verdict(kWhatsapp, UseKind::kPresence, {EvidenceField::kTlsSni}), 100}},
                 kPhone,
                 anonymousCall(),
                 160},
        // ... nor a web visit to the service's site (below messaging) ...
        KeepCase{"web_kind_never_opens_a_session",
                 {{kPhone, verdict(kWhatsapp, UseKind::kWeb, {EvidenceField::kTlsSni}), 100}},
                 kPhone,
                 anonymousCall(),
                 160},
        // ... nor a service of the presence category, whatever its kind.
        KeepCase{"presence_category_never_opens_a_session",
                 {{kPhone, namedChat(kMetaPresence), 100}},
                 kPhone,
                 anonymousCall(),
                 160}),
    [](const auto& info) { return info.param.name; });

TEST(SessionContextTest, OwnServiceSessionNeverReattributes) {
  // The device named both WhatsApp and Messenger: a Messenger call stays Messenger. (The header
  // says a call of a service the device named gains one confidence step as a second signal.)
  SessionContext context;
  context.observe(kPhone, namedChat(), at(100));
  context.observe(kPhone, namedChat(kMessenger), at(120));
  Verdict call = verdict(kMessenger, UseKind::kCall, {EvidenceField::kNdpi}, Confidence::kMedium);
  context.refine(kPhone, call, at(160));
  EXPECT_EQ(call.service, &kMessenger);
  EXPECT_EQ(call.confidence, Confidence::kHigh);
  for (const Evidence& e : call.evidence)
    EXPECT_EQ(e.ruleId.find("context.whatsapp"), std::string::npos) << e.ruleId;
}

TEST(SessionContextTest, WindowIsInclusiveAndUsesTheSiblingsBehaviour) {
  SessionContext context;
  context.observe(kPhone, namedChat(), at(100));
  Verdict atEdge = anonymousCall();
  EXPECT_TRUE(context.refine(kPhone, atEdge, at(700)));  // exactly 600 s later

  SessionContext shortContext;
  shortContext.observe(kPhone, namedChat(kShortWindow), at(100));
  Verdict inside = anonymousCall();
  EXPECT_TRUE(shortContext.refine(kPhone, inside, at(130)));
  EXPECT_EQ(inside.service, &kShortWindow);
}

TEST(SessionContextTest, ALaterNamedFlowExtendsTheSession) {
  SessionContext context;
  context.observe(kPhone, namedChat(), at(100));
  context.observe(kPhone, namedChat(), at(600));
  context.observe(kPhone, namedChat(), at(300));  // out of order: does not move it back
  Verdict call = anonymousCall();
  EXPECT_TRUE(context.refine(kPhone, call, at(1100)));
}

TEST(SessionContextTest, ASessionLastsWhileItsNamedFlowIsOpenThenTheWindowAfterItsLastPacket) {
  SessionContext context;
  flow::Flow chat;
  chat.id = 7;
  chat.firstSeen = at(100);
  chat.lastSeen = at(5000);
  FlowFacts facts;
  facts.verdict = namedChat();
  context.refine(kPhone, chat, facts, at(100));
  // The chat connection is still open an hour later: the session is too.
  Verdict during = anonymousCall();
  EXPECT_TRUE(context.refine(kPhone, during, at(3700)));
  EXPECT_EQ(during.service, &kWhatsapp);
  context.forgetBefore(at(100000), SessionContext::kForgetMarginSeconds);
  EXPECT_EQ(context.devices(), 1u) << "an open session is never forgotten";
  context.flowEnded(chat, facts, at(5120));
  // Then 600 s from its last packet (5000 s), not from its end.
  Verdict inside = anonymousCall();
  EXPECT_TRUE(context.refine(kPhone, inside, at(5600)));
  Verdict after = anonymousCall();
  EXPECT_FALSE(context.refine(kPhone, after, at(5601)));
}

TEST(SessionContextTest, StaleSessionOfOwnServiceDoesNotBlock) {
  SessionContext context;
  context.observe(kPhone, namedChat(kMessenger), at(0));  // long over by t = 900
  context.observe(kPhone, namedChat(), at(800));
  Verdict call = anonymousCall();
  EXPECT_TRUE(context.refine(kPhone, call, at(900)));
  EXPECT_EQ(call.service, &kWhatsapp);
}

TEST(SessionContextTest, HasNameEvidence) {
  EXPECT_TRUE(hasNameEvidence(verdict(kWhatsapp, UseKind::kCall, {EvidenceField::kTlsSni})));
  EXPECT_TRUE(hasNameEvidence(verdict(kWhatsapp, UseKind::kCall, {EvidenceField::kQuicSni})));
  EXPECT_TRUE(hasNameEvidence(verdict(kWhatsapp, UseKind::kCall, {EvidenceField::kHttpHost})));
  EXPECT_TRUE(hasNameEvidence(
      verdict(kWhatsapp, UseKind::kCall, {EvidenceField::kServerIp, EvidenceField::kDnsQuery})));
  EXPECT_FALSE(hasNameEvidence(verdict(
      kWhatsapp, UseKind::kCall,
      {EvidenceField::kServerIp, EvidenceField::kNdpi, EvidenceField::kBehaviour})));
  EXPECT_FALSE(hasNameEvidence(verdict(kWhatsapp, UseKind::kCall, {})));
}

}  // namespace
}  // namespace baawatch::classify
