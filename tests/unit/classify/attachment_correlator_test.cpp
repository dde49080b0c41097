// AttachmentCorrelator's memory of push activity per device: kept while a content fetch could
// still be paired with it, forgotten after, and kept across new signatures (a reload).
#include "baawatch/classify/attachment_correlator.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "baawatch/classify/signature.hpp"

namespace baawatch::classify {
namespace {

TEST(AttachmentCorrelatorTest, ForgetsPushActivityOnceItCanNoLongerMatter) {
  auto catalog = std::make_shared<const SignatureCatalog>(
      loadSignatureCatalog(std::string(BAAWATCH_SOURCE_DIR) + "/signatures"));
  AttachmentCorrelator correlator(catalog);
  correlator.observePushActivity("mac:aa:bb:cc:dd:ee:01", Timestamp::fromSeconds(100));
  correlator.observePushActivity("mac:aa:bb:cc:dd:ee:02", Timestamp::fromSeconds(9000));
  correlator.forgetBefore(Timestamp::fromSeconds(100 + 3600), 3600);  // inside window + margin
  EXPECT_EQ(correlator.devices(), 2u);
  correlator.forgetBefore(Timestamp::fromSeconds(100 + 3600 + 60), 3600);
  EXPECT_EQ(correlator.devices(), 1u);
}

TEST(AttachmentCorrelatorTest, NewSignaturesKeepThePushActivitySeen) {
  auto load = [] {
    return std::make_shared<const SignatureCatalog>(
        loadSignatureCatalog(std::string(BAAWATCH_SOURCE_DIR) + "/signatures"));
  };
  AttachmentCorrelator correlator(load());
  correlator.observePushActivity("mac:aa:bb:cc:dd:ee:01", Timestamp::fromSeconds(100));
  correlator.replaceCatalog(load());
  EXPECT_EQ(correlator.devices(), 1u);
}

}  // namespace
}  // namespace baawatch::classify
