#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "baawatch/capture/pcap_live_source.hpp"

namespace baawatch::capture {
namespace {

TEST(PcapLiveSource, MissingInterfaceFailsNamingIt) {
  LiveCaptureOptions options;
  options.interface = "baawatch-none0";
  auto source = PcapLiveSource::open(options);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().message.rfind("baawatch-none0: ", 0), 0u) << source.error().message;
}

TEST(PcapLiveSource, EmptyInterfaceNameIsRefused) {
  auto source = PcapLiveSource::open(LiveCaptureOptions{});
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().message.find("no interface"), std::string::npos);
}

TEST(PcapLiveSource, BadFilterIsRefusedWithLibpcapsReason) {
  if (::geteuid() != 0) GTEST_SKIP() << "skipped: opening lo for capture needs root";
  LiveCaptureOptions options;
  options.interface = "lo";
  options.filter = "tcp port";
  auto source = PcapLiveSource::open(options);
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().message.find("BPF filter 'tcp port'"), std::string::npos)
      << source.error().message;
}

TEST(PcapLiveSource, NextNeverBlocksWhenTheWireIsQuiet) {
  if (::geteuid() != 0) GTEST_SKIP() << "skipped: opening lo for capture needs root";
  LiveCaptureOptions options;
  options.interface = "lo";
  // A port nothing uses: the filter keeps the capture empty.
  options.filter = "udp port 9 and host 127.0.0.253";
  auto source = PcapLiveSource::open(options);
  ASSERT_TRUE(source) << source.error().message;
  auto start = std::chrono::steady_clock::now();
  RawPacket packet;
  NextStatus status = source->next(packet);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status, NextStatus::kIdle);
  EXPECT_LT(waited, std::chrono::milliseconds(200));
  auto stats = source->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->kernelDrops, 0u);
}

}  // namespace
}  // namespace baawatch::capture
