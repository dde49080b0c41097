// How far a file has been read: the progress line of a replay rests on it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "baawatch/capture/packet_source.hpp"

namespace baawatch::capture {
namespace {

const std::string kCapture = std::string(BAAWATCH_SOURCE_DIR) + "/pcaps/whatsapp_chat_call.pcap";

TEST(PcapFileSource, ProgressGoesFromTheStartToTheFileSize) {
  auto source = PcapFileSource::open(kCapture);
  ASSERT_TRUE(source) << source.error().message;
  const auto size = static_cast<std::uint64_t>(std::filesystem::file_size(kCapture));
  FileProgress start = source->progress();
  EXPECT_EQ(start.totalBytes, size);
  EXPECT_EQ(start.packets, 0u);
  EXPECT_LT(start.bytesRead, size);

  RawPacket packet;
  std::uint64_t packets = 0;
  std::uint64_t lastBytes = start.bytesRead;
  while (source->next(packet) == NextStatus::kPacket) {
    if (++packets % 500 == 0) {
      FileProgress now = source->progress();
      EXPECT_GE(now.bytesRead, lastBytes);  // never backwards
      EXPECT_EQ(now.packets, packets);
      lastBytes = now.bytesRead;
    }
  }
  FileProgress end = source->progress();
  EXPECT_EQ(end.bytesRead, size);
  EXPECT_EQ(end.packets, packets);
  EXPECT_GT(packets, 1000u);
}

}  // namespace
}  // namespace baawatch::capture
