#include "classify/client_hello_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/decode/client_hello_fixture.hpp"
#include "unit/decode/hex_fixture.hpp"
#include "unit/decode/quic_test_packets.hpp"

namespace baawatch::classify {
namespace {

using Bytes = std::vector<std::uint8_t>;
using decode::testing::clientHelloHandshake;
using decode::testing::clientHelloRecord;
using decode::testing::cryptoFrame;
using decode::testing::hexBytes;
using decode::testing::sealClientInitial;

constexpr std::uint32_t kV1 = 0x00000001;
constexpr std::uint32_t kV2 = 0x6b3343cf;
const Bytes kDcid = hexBytes("5a 1f 00 c3 9e 44 70 12");
const Bytes kScid = hexBytes("01 02 03 04");

std::span<const std::uint8_t> slice(const Bytes& bytes, std::size_t offset, std::size_t length) {
  return std::span<const std::uint8_t>(bytes).subspan(offset, length);
}

// CRYPTO frames for [begin, end) of `hello`, cut into `pieces` and emitted in a scrambled
// order (last piece first, then the others from the middle out), as Chrome does.
Bytes scrambledFrames(const Bytes& hello, std::size_t begin, std::size_t end, std::size_t pieces) {
  const std::size_t step = (end - begin + pieces - 1) / pieces;
  std::vector<std::pair<std::size_t, std::size_t>> cuts;
  for (std::size_t at = begin; at < end; at += step) cuts.emplace_back(at, std::min(step, end - at));
  std::vector<std::size_t> order;
  order.push_back(cuts.size() - 1);
  for (std::size_t i = cuts.size() / 2; i < cuts.size() - 1; ++i) order.push_back(i);
  for (std::size_t i = 0; i < cuts.size() / 2; ++i) order.push_back(i);
  Bytes frames;
  for (std::size_t index : order) {
    const auto frame = cryptoFrame(cuts[index].first, slice(hello, cuts[index].first, cuts[index].second));
    frames.insert(frames.end(), frame.begin(), frame.end());
    frames.insert(frames.end(), {0x01, 0x00, 0x00});  // PING and PADDING between, as Chrome
  }
  return frames;
}

class ClientHelloReaderTest : public ::testing::Test {
 protected:
  ClientHelloReader reader;
  ClientHelloProgress progress;
  Counters counters;

  std::optional<decode::TlsClientHello> datagram(const Bytes& bytes) {
    return reader.onQuicDatagram(progress, bytes, counters);
  }
  std::optional<decode::TlsClientHello> segment(std::uint32_t sequence, std::span<const std::uint8_t> payload,
                                                std::uint8_t flags = decode::tcp_flags::kAck) {
    decode::DecodedPacket packet;
    packet.transport = decode::Transport::kTcp;
    packet.tcpSequence = sequence;
    packet.tcpFlags = flags;
    packet.payload = payload;
    return reader.onTcpSegment(progress, packet, counters);
  }
};

TEST_F(ClientHelloReaderTest, QuicHelloInOneInitialWithScrambledFramesNeedsNoBuffer) {
  const Bytes hello = clientHelloHandshake("chat.signal.org", "h3", 600, true);
  const Bytes frames = scrambledFrames(hello, 0, hello.size(), 7);
  const auto read = datagram(sealClientInitial(kV1, kDcid, kScid, 0, frames));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "chat.signal.org");
  EXPECT_EQ(read->alpn, std::vector<std::string>{"h3"});
  EXPECT_TRUE(read->echOffered);
  EXPECT_TRUE(progress.finished);
  EXPECT_EQ(progress.partial, nullptr);
}

TEST_F(ClientHelloReaderTest, QuicHelloOverTwoInitials) {
  // A post-quantum hello (~1.9 KiB) does not fit one 1200-byte Initial.
  const Bytes hello = clientHelloHandshake("web.whatsapp.com", "h3", 1900);
  const auto first = sealClientInitial(kV2, kDcid, kScid, 0, scrambledFrames(hello, 0, 1000, 5));
  const auto second =
      sealClientInitial(kV2, kDcid, kScid, 1, scrambledFrames(hello, 1000, hello.size(), 4));
  EXPECT_FALSE(datagram(first).has_value());
  ASSERT_NE(progress.partial, nullptr);  // held between the two packets
  const auto read = datagram(second);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "web.whatsapp.com");
  EXPECT_EQ(progress.partial, nullptr);  // freed once read
  EXPECT_TRUE(counters.values().empty());
}

TEST_F(ClientHelloReaderTest, QuicSecondInitialFirst) {
  const Bytes hello = clientHelloHandshake("signal.org", "h3", 1900);
  const auto first = sealClientInitial(kV1, kDcid, kScid, 0, scrambledFrames(hello, 0, 1000, 3));
  const auto second =
      sealClientInitial(kV1, kDcid, kScid, 1, scrambledFrames(hello, 1000, hello.size(), 3));
  EXPECT_FALSE(datagram(second).has_value());
  const auto read = datagram(first);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "signal.org");
}

TEST_F(ClientHelloReaderTest, QuicDuplicateAndOverlappingInitials) {
  const Bytes hello = clientHelloHandshake("signal.org", "h3", 1900);
  const auto first = sealClientInitial(kV1, kDcid, kScid, 0, scrambledFrames(hello, 0, 1000, 3));
  // A retransmission of the first part that also overlaps into the second.
  const auto again = sealClientInitial(kV1, kDcid, kScid, 2, scrambledFrames(hello, 500, 1100, 2));
  const auto rest = sealClientInitial(kV1, kDcid, kScid, 1, scrambledFrames(hello, 1000, hello.size(), 3));
  EXPECT_FALSE(datagram(first).has_value());
  EXPECT_FALSE(datagram(first).has_value());
  EXPECT_FALSE(datagram(again).has_value());
  const auto read = datagram(rest);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "signal.org");
}

TEST_F(ClientHelloReaderTest, QuicLaterInitialToTheServersConnectionId) {
  const Bytes hello = clientHelloHandshake("signal.org", "h3", 1900);
  const auto first = sealClientInitial(kV1, kDcid, kScid, 0, scrambledFrames(hello, 0, 1000, 2));
  // Keys stay those of the first DCID (RFC 9001 §5.2) though the DCID is now the server's.
  const auto second = sealClientInitial(kV1, hexBytes("aa bb cc dd"), kScid, 1,
                                        scrambledFrames(hello, 1000, hello.size(), 2), 1200, kDcid);
  EXPECT_FALSE(datagram(first).has_value());
  ASSERT_TRUE(datagram(second).has_value());
}

TEST_F(ClientHelloReaderTest, QuicPacketBoundIsCounted) {
  ClientHelloReader bounded(decode::HandshakeReassemblyLimits{16 * 1024, 2});
  const Bytes hello = clientHelloHandshake("signal.org", "h3", 3000);
  for (std::uint16_t number = 0; number < 3; ++number) {
    const auto packet = sealClientInitial(kV1, kDcid, kScid, number,
                                          scrambledFrames(hello, number * 900u, number * 900u + 900, 2));
    EXPECT_FALSE(bounded.onQuicDatagram(progress, packet, counters).has_value());
  }
  EXPECT_EQ(counters.get("decode.hello.too_many_packets"), 1u);
  EXPECT_TRUE(progress.finished);
  EXPECT_EQ(progress.partial, nullptr);
}

TEST_F(ClientHelloReaderTest, QuicByteBoundIsCounted) {
  // The hello announces 20 000 bytes: past the 16 KiB bound, given up at once.
  Bytes hello = clientHelloHandshake("signal.org", "h3", 1000);
  hello[1] = 0x00;
  hello[2] = 0x4e;
  hello[3] = 0x20;
  EXPECT_FALSE(datagram(sealClientInitial(kV1, kDcid, kScid, 0, cryptoFrame(0, hello))).has_value());
  EXPECT_EQ(counters.get("decode.hello.too_large"), 1u);
  EXPECT_TRUE(progress.finished);
  EXPECT_EQ(progress.partial, nullptr);
}

TEST_F(ClientHelloReaderTest, QuicCryptoPastTheBoundIsCounted) {
  const Bytes hello = clientHelloHandshake("signal.org", "h3", 1900);
  const Bytes piece(100, 0x41);
  EXPECT_FALSE(datagram(sealClientInitial(kV1, kDcid, kScid, 0, scrambledFrames(hello, 0, 1000, 2)))
                   .has_value());
  EXPECT_FALSE(datagram(sealClientInitial(kV1, kDcid, kScid, 1, cryptoFrame(16 * 1024 - 50, piece)))
                   .has_value());
  EXPECT_EQ(counters.get("decode.hello.too_large"), 1u);
  EXPECT_EQ(progress.partial, nullptr);
}

TEST_F(ClientHelloReaderTest, QuicOneRttPacketEndsAPartialHello) {
  const Bytes hello = clientHelloHandshake("signal.org", "h3", 1900);
  EXPECT_FALSE(datagram(sealClientInitial(kV1, kDcid, kScid, 0, scrambledFrames(hello, 0, 1000, 2)))
                   .has_value());
  ASSERT_NE(progress.partial, nullptr);
  EXPECT_FALSE(datagram(hexBytes("41 aa bb cc dd 00 01 02 03 04 05 06 07 08 09")).has_value());
  EXPECT_EQ(progress.partial, nullptr);
  EXPECT_TRUE(progress.finished);
  EXPECT_EQ(counters.get("decode.tls.truncated"), 1u);
}

TEST_F(ClientHelloReaderTest, NotQuicStopsAfterAFewDatagrams) {
  const Bytes rtp = hexBytes("80 60 00 01 00 00 00 10 12 34 56 78 00 00 00 00");
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(datagram(rtp).has_value());
  EXPECT_TRUE(progress.finished);
  EXPECT_EQ(progress.partial, nullptr);
  EXPECT_TRUE(counters.values().empty());
}

TEST_F(ClientHelloReaderTest, TcpHelloInOneSegment) {
  const Bytes record = clientHelloRecord(clientHelloHandshake("signal.org", "h2", 500));
  EXPECT_FALSE(segment(1000, {}, decode::tcp_flags::kSyn).has_value());
  const auto read = segment(1001, record);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "signal.org");
  EXPECT_EQ(progress.partial, nullptr);
}

TEST_F(ClientHelloReaderTest, TcpHelloOverTwoSegmentsInOrder) {
  const Bytes record = clientHelloRecord(clientHelloHandshake("web.whatsapp.com", "h2", 1900));
  EXPECT_FALSE(segment(1000, {}, decode::tcp_flags::kSyn).has_value());
  EXPECT_FALSE(segment(1001, slice(record, 0, 1448)).has_value());
  ASSERT_NE(progress.partial, nullptr);
  const auto read = segment(1001 + 1448, slice(record, 1448, record.size() - 1448));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "web.whatsapp.com");
  EXPECT_EQ(progress.partial, nullptr);
  // The first segment alone is still counted as a truncated hello, as before reassembly.
  EXPECT_EQ(counters.get("decode.tls.truncated"), 1u);
}

TEST_F(ClientHelloReaderTest, TcpSecondSegmentFirstWithRetransmitAndOverlap) {
  const Bytes record = clientHelloRecord(clientHelloHandshake("signal.org", "h2", 2500));
  const std::uint32_t start = 0xfffffc00;  // the sequence numbers wrap inside the hello
  EXPECT_FALSE(segment(start - 1, {}, decode::tcp_flags::kSyn).has_value());
  EXPECT_FALSE(segment(start + 1448, slice(record, 1448, record.size() - 1448)).has_value());
  EXPECT_FALSE(segment(start + 1448, slice(record, 1448, record.size() - 1448)).has_value());
  EXPECT_FALSE(segment(start + 1000, slice(record, 1000, 600)).has_value());  // overlaps both
  const auto read = segment(start, slice(record, 0, 1448));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "signal.org");
  EXPECT_EQ(progress.partial, nullptr);
}

TEST_F(ClientHelloReaderTest, TcpWithoutTheSynStartsAtTheFirstHelloSegment) {
  const Bytes record = clientHelloRecord(clientHelloHandshake("signal.org", "h2", 1900));
  EXPECT_FALSE(segment(5000, slice(record, 0, 1000)).has_value());
  const auto read = segment(6000, slice(record, 1000, record.size() - 1000));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "signal.org");
}

TEST_F(ClientHelloReaderTest, TcpPacketBoundIsCounted) {
  const Bytes record = clientHelloRecord(clientHelloHandshake("signal.org", "h2", 4000));
  EXPECT_FALSE(segment(1000, {}, decode::tcp_flags::kSyn).has_value());
  // Tiny segments: the ninth is past the bound of eight.
  for (std::uint32_t i = 0; i < 9; ++i) EXPECT_FALSE(segment(1001 + 10 * i, slice(record, 10 * i, 10)).has_value());
  EXPECT_EQ(counters.get("decode.hello.too_many_packets"), 1u);
  EXPECT_TRUE(progress.finished);
  EXPECT_EQ(progress.partial, nullptr);
}

TEST_F(ClientHelloReaderTest, TcpOutOfOrderSegmentOfAnotherProtocolIsDropped) {
  const std::string request = "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n";
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(request.data()),
                                            request.size());
  EXPECT_FALSE(segment(1000, {}, decode::tcp_flags::kSyn).has_value());
  EXPECT_FALSE(segment(1011, bytes.subspan(10)).has_value());
  ASSERT_NE(progress.partial, nullptr);  // might have been a hello's second part
  EXPECT_FALSE(segment(1001, bytes.first(10)).has_value());
  EXPECT_EQ(progress.partial, nullptr);
  EXPECT_TRUE(progress.finished);
  EXPECT_TRUE(counters.values().empty());
}

TEST_F(ClientHelloReaderTest, TcpPlainTextStopsAfterAFewSegments) {
  const std::string line = "hello there";
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(line.data()),
                                            line.size());
  for (std::uint32_t i = 0; i < 5; ++i) EXPECT_FALSE(segment(1 + 11 * i, bytes).has_value());
  EXPECT_TRUE(progress.finished);
  EXPECT_EQ(progress.partial, nullptr);
}

TEST_F(ClientHelloReaderTest, TcpLaterSegmentsOfAnotherProtocolAllocateNothing) {
  const Bytes upload(1448, 0x41);
  EXPECT_FALSE(segment(1000, {}, decode::tcp_flags::kSyn).has_value());
  for (std::uint32_t i = 0; i < 5; ++i) {
    EXPECT_FALSE(segment(1001 + 1448 * i, upload).has_value());
    EXPECT_EQ(progress.partial, nullptr);
  }
  EXPECT_TRUE(progress.finished);
}

TEST_F(ClientHelloReaderTest, TcpHelloAfterAProxyConnect) {
  const std::string connect = "CONNECT signal.org:443 HTTP/1.1\r\n\r\n";
  const Bytes record = clientHelloRecord(clientHelloHandshake("signal.org", "h2", 1900));
  EXPECT_FALSE(segment(1000, {}, decode::tcp_flags::kSyn).has_value());
  EXPECT_FALSE(segment(1001, std::span<const std::uint8_t>(
                                 reinterpret_cast<const std::uint8_t*>(connect.data()), connect.size()))
                   .has_value());
  const std::uint32_t helloStart = 1001 + static_cast<std::uint32_t>(connect.size());
  EXPECT_FALSE(segment(helloStart, slice(record, 0, 1000)).has_value());
  const auto read = segment(helloStart + 1000, slice(record, 1000, record.size() - 1000));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->serverName, "signal.org");
}

}  // namespace
}  // namespace baawatch::classify
