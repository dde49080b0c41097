#include "baawatch/decode/handshake_reassembler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace baawatch::decode {
namespace {

std::span<const std::uint8_t> bytesOf(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string prefixOf(const HandshakeReassembler& stream) {
  const auto prefix = stream.contiguousPrefix();
  return std::string(prefix.begin(), prefix.end());
}

TEST(HandshakeReassemblerTest, InOrderPiecesJoin) {
  HandshakeReassembler stream;
  ASSERT_TRUE(stream.add(0, bytesOf("hello ")));
  ASSERT_TRUE(stream.add(6, bytesOf("world")));
  EXPECT_EQ(prefixOf(stream), "hello world");
  EXPECT_EQ(stream.rangeCount(), 1u);
}

TEST(HandshakeReassemblerTest, OutOfOrderPiecesWaitForTheGap) {
  HandshakeReassembler stream;
  ASSERT_TRUE(stream.add(8, bytesOf("ij")));
  ASSERT_TRUE(stream.add(4, bytesOf("efgh")));
  EXPECT_EQ(prefixOf(stream), "");  // nothing from offset 0 yet
  EXPECT_EQ(stream.rangeCount(), 1u);  // 4..10 adjoin
  ASSERT_TRUE(stream.add(0, bytesOf("abcd")));
  EXPECT_EQ(prefixOf(stream), "abcdefghij");
  EXPECT_EQ(stream.rangeCount(), 1u);
}

TEST(HandshakeReassemblerTest, ScrambledLikeChrome) {
  // Chrome's order: pieces from the middle, the end, then the start, with gaps filled last.
  const std::string whole = "0123456789abcdefghijklmnopqrstuvwxyz";
  HandshakeReassembler stream;
  for (auto [offset, length] : {std::pair{20, 6}, {30, 6}, {0, 5}, {10, 10}, {5, 5}, {26, 4}}) {
    ASSERT_TRUE(stream.add(offset, bytesOf(std::string_view(whole).substr(offset, length))));
  }
  EXPECT_EQ(prefixOf(stream), whole);
  EXPECT_EQ(stream.rangeCount(), 1u);
}

TEST(HandshakeReassemblerTest, OverlapsKeepTheBytesHeldFirst) {
  HandshakeReassembler stream;
  ASSERT_TRUE(stream.add(2, bytesOf("CDEF")));
  // A retransmission covering more, with different bytes where it overlaps: only its new
  // bytes are taken.
  ASSERT_TRUE(stream.add(0, bytesOf("abcdefgh")));
  EXPECT_EQ(prefixOf(stream), "abCDEFgh");
}

TEST(HandshakeReassemblerTest, PieceSpanningSeveralRangesFillsOnlyTheGaps) {
  HandshakeReassembler stream;
  ASSERT_TRUE(stream.add(1, bytesOf("B")));
  ASSERT_TRUE(stream.add(3, bytesOf("D")));
  ASSERT_TRUE(stream.add(5, bytesOf("F")));
  EXPECT_EQ(stream.rangeCount(), 3u);
  ASSERT_TRUE(stream.add(0, bytesOf("abcdefg")));
  EXPECT_EQ(prefixOf(stream), "aBcDeFg");
  EXPECT_EQ(stream.rangeCount(), 1u);
}

TEST(HandshakeReassemblerTest, DuplicatesChangeNothing) {
  HandshakeReassembler stream;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream.add(0, bytesOf("same")));
  ASSERT_TRUE(stream.add(1, bytesOf("am")));
  EXPECT_EQ(prefixOf(stream), "same");
  EXPECT_EQ(stream.rangeCount(), 1u);
}

TEST(HandshakeReassemblerTest, ByteBoundRefusesThePieceWhole) {
  HandshakeReassembler stream(HandshakeReassemblyLimits{16, 8});
  ASSERT_TRUE(stream.add(0, bytesOf("0123456789")));
  const auto over = stream.add(10, bytesOf("abcdefg"));  // would end at 17 > 16
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error(), DecodeError::kHelloTooLarge);
  EXPECT_EQ(prefixOf(stream), "0123456789");
  EXPECT_TRUE(stream.add(10, bytesOf("abcdef")));  // ends exactly at the bound
  const auto far = stream.add(std::uint64_t{1} << 40, bytesOf("x"));
  ASSERT_FALSE(far.has_value());
  EXPECT_EQ(far.error(), DecodeError::kHelloTooLarge);
}

TEST(HandshakeReassemblerTest, PacketBound) {
  HandshakeReassembler stream(HandshakeReassemblyLimits{1024, 2});
  EXPECT_TRUE(stream.countPacket());
  EXPECT_TRUE(stream.countPacket());
  const auto third = stream.countPacket();
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error(), DecodeError::kHelloTooManyPackets);
}

TEST(HandshakeReassemblerTest, RangeBound) {
  HandshakeReassembler stream;
  for (std::size_t i = 0; i < HandshakeReassembler::kMaxRanges; ++i) {
    ASSERT_TRUE(stream.add(2 * i + 1, bytesOf("x")));
  }
  const auto more = stream.add(1000, bytesOf("y"));
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error(), DecodeError::kHelloTooFragmented);
  // A piece that joins existing ranges is still taken.
  EXPECT_TRUE(stream.add(0, bytesOf("aaa")));
  EXPECT_EQ(stream.rangeCount(), HandshakeReassembler::kMaxRanges - 1);
}

TEST(HandshakeReassemblerTest, ClearForgetsEverything) {
  HandshakeReassembler stream;
  ASSERT_TRUE(stream.add(0, bytesOf("abc")));
  ASSERT_TRUE(stream.countPacket());
  stream.clear();
  EXPECT_TRUE(stream.empty());
  EXPECT_EQ(stream.packetCount(), 0u);
  EXPECT_EQ(prefixOf(stream), "");
}

}  // namespace
}  // namespace baawatch::decode
