#include "baawatch/decode/tls_client_hello.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/decode/hex_fixture.hpp"

namespace baawatch::decode {
namespace {

using testing::hexBytes;

// Shared front of the synthetic ClientHellos: TLS 1.2 legacy version, random 00..1f, empty
// session id, one cipher suite (TLS_AES_128_GCM_SHA256), null compression.
const std::string kHelloFront =
    "03 03 "
    "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e "
    "1f "
    "00 00 02 13 01 01 00 ";

// Record(0x61) > ClientHello(0x5d) with extensions (0x32): SNI "Www.Example.COM",
// ALPN h2 + http/1.1, ECH (0xfe0d, 4 opaque bytes).
const std::string kSniAlpnEch =
    "16 03 01 00 61 01 00 00 5d " + kHelloFront +
    "00 32 "
    "00 00 00 14 00 12 00 00 0f 57 77 77 2e 45 78 61 6d 70 6c 65 2e 43 4f 4d "  // server_name
    "00 10 00 0e 00 0c 02 68 32 08 68 74 74 70 2f 31 2e 31 "                    // ALPN
    "fe 0d 00 04 00 01 02 03";                                                  // ECH

// Record(0x3e) > ClientHello(0x3a): no SNI; ALPN h2 and pre_shared_key (41).
const std::string kNoSniPsk = "16 03 01 00 3e 01 00 00 3a " + kHelloFront +
                              "00 0f "
                              "00 10 00 05 00 03 02 68 32 "  // ALPN h2
                              "00 29 00 02 00 00";           // pre_shared_key (contents not parsed)

TEST(TlsClientHelloTest, SniAlpnAndEch) {
  const auto bytes = hexBytes(kSniAlpnEch);
  const auto hello = parseTlsClientHello(bytes);
  ASSERT_TRUE(hello.has_value()) << counterName(hello.error());
  EXPECT_EQ(hello->legacyVersion, 0x0303);
  EXPECT_EQ(hello->serverName, "www.example.com");
  EXPECT_EQ(hello->alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_TRUE(hello->echOffered);
  EXPECT_FALSE(hello->esniOffered);
  EXPECT_FALSE(hello->hasPreSharedKey);
}

TEST(TlsClientHelloTest, NoSniWithPreSharedKey) {
  const auto bytes = hexBytes(kNoSniPsk);
  const auto hello = parseTlsClientHello(bytes);
  ASSERT_TRUE(hello.has_value()) << counterName(hello.error());
  EXPECT_TRUE(hello->serverName.empty());
  EXPECT_EQ(hello->alpn, std::vector<std::string>{"h2"});
  EXPECT_TRUE(hello->hasPreSharedKey);
  EXPECT_FALSE(hello->echOffered);
}

TEST(TlsClientHelloTest, DraftEsni) {
  // No extensions but ESNI (0xffce, 2 opaque bytes).
  const auto bytes =
      hexBytes("16 03 01 00 35 01 00 00 31 " + kHelloFront + "00 06 ff ce 00 02 ab cd");
  const auto hello = parseTlsClientHello(bytes);
  ASSERT_TRUE(hello.has_value()) << counterName(hello.error());
  EXPECT_TRUE(hello->esniOffered);
  EXPECT_FALSE(hello->echOffered);
}

TEST(TlsClientHelloTest, BareHandshakeMessage) {
  const auto bytes = hexBytes(kSniAlpnEch);
  const auto hello = parseClientHelloHandshake(std::span<const std::uint8_t>(bytes).subspan(5));
  ASSERT_TRUE(hello.has_value()) << counterName(hello.error());
  EXPECT_EQ(hello->serverName, "www.example.com");
}

TEST(TlsClientHelloTest, HandshakeSplitOverTwoRecords) {
  // The same handshake as kSniAlpnEch, sent as a 40-byte record and a 57-byte record.
  const auto whole = hexBytes(kSniAlpnEch);
  const auto handshake = std::span<const std::uint8_t>(whole).subspan(5);
  std::vector<std::uint8_t> split = hexBytes("16 03 01 00 28");
  split.insert(split.end(), handshake.begin(), handshake.begin() + 40);
  for (std::uint8_t b : hexBytes("16 03 01 00 39")) split.push_back(b);
  split.insert(split.end(), handshake.begin() + 40, handshake.end());
  const auto hello = parseTlsClientHello(split);
  ASSERT_TRUE(hello.has_value()) << counterName(hello.error());
  EXPECT_EQ(hello->serverName, "www.example.com");
  EXPECT_TRUE(hello->echOffered);

  // Without its second record the hello continues in a later segment.
  const auto first = parseTlsClientHello(std::span<const std::uint8_t>(split).first(45));
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error(), DecodeError::kTlsTruncated);
}

struct TlsErrorCase {
  std::string name;
  std::string hex;
  DecodeError expected;
};

class TlsErrorTest : public ::testing::TestWithParam<TlsErrorCase> {};

TEST_P(TlsErrorTest, Fails) {
  const auto bytes = hexBytes(GetParam().hex);
  const auto hello = parseTlsClientHello(bytes);
  ASSERT_FALSE(hello.has_value());
  EXPECT_EQ(counterName(hello.error()), counterName(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Records, TlsErrorTest,
    ::testing::Values(
        // The first 60 of 102 bytes: the record continues in the next segment.
        TlsErrorCase{"cut_short", kSniAlpnEch.substr(0, 60 * 3), DecodeError::kTlsTruncated},
        TlsErrorCase{"record_header_only", "16 03 01 00", DecodeError::kTlsTruncated},
        // Extensions length 0x40 where 0x32 bytes follow.
        TlsErrorCase{
            "extensions_length_lies",
            "16 03 01 00 61 01 00 00 5d " + kHelloFront + "00 40" + kSniAlpnEch.substr(52 * 3),
            DecodeError::kTlsBadLength},
        // Server name list says 0x13 bytes, the extension holds 0x12 after it.
        TlsErrorCase{"server_name_list_length_lies",
                     "16 03 01 00 61 01 00 00 5d " + kHelloFront + "00 32 00 00 00 14 00 13" +
                         kSniAlpnEch.substr(58 * 3),
                     DecodeError::kTlsBadLength},
        // Session id length 33 (at most 32); the random is 32 zero bytes.
        TlsErrorCase{"session_id_too_long",
                     "16 03 01 00 27 01 00 00 23 03 03 " + std::string(64, '0') + " 21",
                     DecodeError::kTlsBadLength},
        TlsErrorCase{"record_length_over_2_14", "16 03 01 40 01 01 00 00 00",
                     DecodeError::kTlsBadLength},
        // A ServerHello (handshake type 2).
        TlsErrorCase{"server_hello", "16 03 03 00 04 02 00 00 00", DecodeError::kTlsNotClientHello},
        TlsErrorCase{"application_data", "17 03 03 00 02 ab cd", DecodeError::kTlsNotClientHello},
        TlsErrorCase{"not_tls_major_version", "16 fe fd 00 04 01 00 00 00",
                     DecodeError::kTlsNotClientHello},
        TlsErrorCase{"empty", "", DecodeError::kTlsNotClientHello}),
    [](const auto& testInfo) { return testInfo.param.name; });

TEST(TlsClientHelloTest, HandshakeLongerThanGivenIsTruncated) {
  const auto bytes = hexBytes("01 00 01 00 03 03");
  const auto hello = parseClientHelloHandshake(bytes);
  ASSERT_FALSE(hello.has_value());
  EXPECT_EQ(hello.error(), DecodeError::kTlsTruncated);
  const auto other = parseClientHelloHandshake(hexBytes("02 00 00 00"));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error(), DecodeError::kTlsNotClientHello);
}

TEST(TlsClientHelloTest, EveryTruncationFails) {
  const auto bytes = hexBytes(kSniAlpnEch);
  for (std::size_t size = 1; size < bytes.size(); ++size) {
    const auto hello = parseTlsClientHello(std::span<const std::uint8_t>(bytes).first(size));
    ASSERT_FALSE(hello.has_value()) << size;
    EXPECT_EQ(hello.error(), DecodeError::kTlsTruncated) << size;
  }
}

}  // namespace
}  // namespace baawatch::decode
