#include "baawatch/decode/byte_reader.hpp"

#include <gtest/gtest.h>

#include "unit/decode/hex_fixture.hpp"

namespace baawatch::decode {
namespace {

using testing::hexBytes;

TEST(ByteReaderTest, ReadsBigEndian) {
  const auto data = hexBytes("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12");
  ByteReader reader(data);
  EXPECT_EQ(reader.u8(), 0x01);
  EXPECT_EQ(reader.u16(), 0x0203);
  EXPECT_EQ(reader.u24(), 0x040506u);
  EXPECT_EQ(reader.u32(), 0x0708090au);
  EXPECT_EQ(reader.u64(), 0x0b0c0d0e0f101112ull);
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.remaining(), 0u);
}

TEST(ByteReaderTest, FailureIsSticky) {
  const auto data = hexBytes("aa bb cc");
  ByteReader reader(data);
  EXPECT_EQ(reader.u16(), 0xaabb);
  EXPECT_EQ(reader.u16(), 0);  // only one byte left: fails
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.u8(), 0);  // cc is there, but the reader stays failed
  EXPECT_TRUE(reader.bytes(1).empty());
  EXPECT_TRUE(reader.rest().empty());
  EXPECT_EQ(reader.remaining(), 0u);
  reader.seek(0);
  EXPECT_FALSE(reader.ok());
}

TEST(ByteReaderTest, BytesSkipSeekAndRest) {
  const auto data = hexBytes("10 20 30 40 50");
  ByteReader reader(data);
  const auto view = reader.bytes(2);
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view[1], 0x20);
  EXPECT_EQ(view.data(), data.data());  // a view, not a copy
  reader.skip(1);
  EXPECT_EQ(reader.offset(), 3u);
  ASSERT_EQ(reader.rest().size(), 2u);
  EXPECT_EQ(reader.rest()[0], 0x40);
  reader.seek(1);
  EXPECT_EQ(reader.u8(), 0x20);
  reader.seek(5);  // the end itself is a valid position
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.remaining(), 0u);
  reader.seek(6);
  EXPECT_FALSE(reader.ok());
}

TEST(ByteReaderTest, OversizedRequestsFailWithoutOverflow) {
  const auto data = hexBytes("01 02");
  ByteReader reader(data);
  reader.skip(1);
  reader.skip(static_cast<std::size_t>(-1));  // offset + n would wrap around
  EXPECT_FALSE(reader.ok());
  ByteReader other(data);
  EXPECT_TRUE(other.bytes(static_cast<std::size_t>(-1)).empty());
  EXPECT_FALSE(other.ok());
}

}  // namespace
}  // namespace baawatch::decode
