// CallPushContext with the shipped facetime.yaml: push activity on the device shortly before a
// medium FaceTime call raises it to high with the push as evidence; too early, after the call's
// start, another device, a high verdict or another service: nothing changes.
#include "baawatch/classify/call_push_context.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "baawatch/classify/signature.hpp"
#include "unit/fixtures/shipped_catalog.hpp"

namespace baawatch::classify {
namespace {

using baawatch::testing::shippedCatalog;

Verdict callOf(const std::string& serviceId, Confidence confidence) {
  Verdict verdict;
  verdict.catalog = shippedCatalog();
  verdict.service = shippedCatalog()->find(serviceId);
  verdict.confidence = confidence;
  verdict.kind = UseKind::kCall;
  return verdict;
}

const Timestamp kCallStart = Timestamp::fromSeconds(1000);

struct PushCase {
  std::string name;
  std::string pushDevice = "mac:a4:83:e7:19:6d:02";
  double pushAt = 995;  // seconds
  std::string service = "facetime";
  Confidence confidence = Confidence::kMedium;
  bool raised = false;
};

class CallPushContextTest : public ::testing::TestWithParam<PushCase> {};

TEST_P(CallPushContextTest, Refines) {
  const PushCase& c = GetParam();
  CallPushContext context(shippedCatalog());
  context.observePushActivity(c.pushDevice, Timestamp::fromSeconds(c.pushAt));
  Verdict verdict = callOf(c.service, c.confidence);
  EXPECT_EQ(context.refine("mac:a4:83:e7:19:6d:02", kCallStart, verdict), c.raised);
  if (c.raised) {
    EXPECT_EQ(verdict.confidence, Confidence::kHigh);
    ASSERT_EQ(verdict.evidence.size(), 1u);
    EXPECT_EQ(verdict.evidence[0].ruleId, "context.facetime.push-before-call");
    EXPECT_NE(verdict.evidence[0].value.find("5.0 s before"), std::string::npos)
        << verdict.evidence[0].value;
    EXPECT_FALSE(verdict.evidence[0].reason.empty());
  } else {
    EXPECT_EQ(verdict.confidence, c.confidence);
    EXPECT_TRUE(verdict.evidence.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CallPushContextTest,
    ::testing::Values(PushCase{"PushJustBeforeRaises", "mac:a4:83:e7:19:6d:02", 995, "facetime",
                               Confidence::kMedium, true},
                      // 30 s window (push_before_call_seconds)
                      PushCase{"PushTooEarly", "mac:a4:83:e7:19:6d:02", 960},
                      PushCase{"PushAfterTheCallStarted", "mac:a4:83:e7:19:6d:02", 1003},
                      PushCase{"PushOfAnotherDevice", "mac:8c:85:90:3e:51:a7", 995},
                      PushCase{"HighStaysHigh", "mac:a4:83:e7:19:6d:02", 995, "facetime",
                               Confidence::kHigh},
                      PushCase{"OtherServiceUnchanged", "mac:a4:83:e7:19:6d:02", 995, "whatsapp"}),
    [](const ::testing::TestParamInfo<PushCase>& info) { return info.param.name; });

TEST(CallPushContextTest, ForgetsOldPushes) {
  CallPushContext context(shippedCatalog());
  context.observePushActivity("d", Timestamp::fromSeconds(995));
  context.forgetBefore(Timestamp::fromSeconds(995 + 30 + 7201));
  Verdict verdict = callOf("facetime", Confidence::kMedium);
  EXPECT_FALSE(context.refine("d", kCallStart, verdict));
}

TEST(CallPushContextTest, NewSignaturesKeepThePushesSeen) {
  CallPushContext context(shippedCatalog());
  context.observePushActivity("d", Timestamp::fromSeconds(995));
  context.replaceCatalog(std::make_shared<const SignatureCatalog>(
      loadSignatureCatalog(std::string(BAAWATCH_SOURCE_DIR) + "/signatures")));
  Verdict verdict = callOf("facetime", Confidence::kMedium);
  EXPECT_TRUE(context.refine("d", kCallStart, verdict));
  EXPECT_EQ(verdict.confidence, Confidence::kHigh);
}

}  // namespace
}  // namespace baawatch::classify
