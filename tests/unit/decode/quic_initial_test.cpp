#include "baawatch/decode/quic_initial.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "baawatch/decode/tls_client_hello.hpp"
#include "unit/decode/hex_fixture.hpp"
#include "unit/decode/quic_test_packets.hpp"

namespace baawatch::decode {
namespace {

using testing::hexBytes;

constexpr std::uint32_t kV1 = 0x00000001;
constexpr std::uint32_t kV2 = 0x6b3343cf;
constexpr std::uint32_t kDraft29 = 0xff00001d;

const auto kRfcDcid = hexBytes("8394c8f03e515708");

// RFC 9001 Appendix A.2: the client's Initial, 1200 bytes as sent.
const std::string kRfc9001ClientInitial =
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934";

// RFC 9369 Appendix A.2: the same ClientHello in a QUIC v2 Initial.
const std::string kRfc9369ClientInitial =
    "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
    "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
    "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
    "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
    "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
    "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
    "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
    "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
    "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
    "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
    "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
    "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
    "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
    "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
    "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
    "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
    "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
    "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
    "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
    "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
    "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
    "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
    "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
    "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
    "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
    "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
    "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
    "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
    "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
    "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
    "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
    "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
    "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
    "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
    "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
    "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
    "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
    "a18b2faa745b6fe189cf772a9f84cbfc";

// The CRYPTO frame both appendices protect (then PADDING to 1162 bytes of payload).
const std::string kRfcCryptoFrame =
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff";

template <std::size_t N>
std::string hexOf(const std::array<std::uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (std::uint8_t byte : bytes) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0x0f]);
  }
  return text;
}

TEST(QuicInitialTest, Rfc9001ClientKeys) {
  const auto keys = deriveClientInitialKeys(kV1, kRfcDcid);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(hexOf(keys->key), "1f369613dd76d5467730efcbe3b1a22d");
  EXPECT_EQ(hexOf(keys->iv), "fa044b2f42a3fd3b46fb255c");
  EXPECT_EQ(hexOf(keys->headerProtection), "9f50449e04a0e810283a1e9933adedd2");
}

TEST(QuicInitialTest, Rfc9369ClientKeys) {
  const auto keys = deriveClientInitialKeys(kV2, kRfcDcid);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(hexOf(keys->key), "8b1a0bc121284290a29e0971b5cd045d");
  EXPECT_EQ(hexOf(keys->iv), "91f73e2351d8fa91660e909f");
  EXPECT_EQ(hexOf(keys->headerProtection), "45b95e15235d6f45a6b19cbcb0294ba9");
}

// draft-ietf-quic-tls-29 Appendix A.1 (its own salt, v1 labels).
TEST(QuicInitialTest, Draft29ClientKeys) {
  const auto keys = deriveClientInitialKeys(kDraft29, kRfcDcid);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(hexOf(keys->key), "175257a31eb09dea9366d8bb79ad80ba");
  EXPECT_EQ(hexOf(keys->iv), "6b26114b9cba2b63a9e8dd4f");
  EXPECT_EQ(hexOf(keys->headerProtection), "9ddd12c994c0698b89374a9c077a3077");
}

TEST(QuicInitialTest, UnknownVersionsHaveNoKeys) {
  EXPECT_TRUE(hasKnownInitialProtection(kV1));
  EXPECT_TRUE(hasKnownInitialProtection(kV2));
  EXPECT_TRUE(hasKnownInitialProtection(kDraft29));
  EXPECT_FALSE(hasKnownInitialProtection(0xfaceb002));  // mvfst: salt not public
  EXPECT_FALSE(hasKnownInitialProtection(0xff00001c));  // draft-28
  const auto keys = deriveClientInitialKeys(0xfaceb002, kRfcDcid);
  ASSERT_FALSE(keys.has_value());
  EXPECT_EQ(keys.error(), DecodeError::kQuicNotInitial);
}

// RFC 9001 A.2 and RFC 9369 A.2: the header protection masks of the samples given there.
TEST(QuicInitialTest, HeaderProtectionMasks) {
  const auto v1 = headerProtectionMask(*deriveClientInitialKeys(kV1, kRfcDcid),
                                       hexBytes("d1b1c98dd7689fb8ec11d242b123dc9b"));
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(hexOf(*v1), "437b9aec36");
  const auto v2 = headerProtectionMask(*deriveClientInitialKeys(kV2, kRfcDcid),
                                       hexBytes("ffe67b6abcdb4298b485dd04de806071"));
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(hexOf(*v2), "94a0c95e80");
}

void expectRfcClientInitial(const std::string& packetHex, std::uint32_t version) {
  const auto packet = hexBytes(packetHex);
  ASSERT_EQ(packet.size(), 1200u);
  std::vector<std::uint8_t> plaintext;
  const auto initial = decryptClientInitial(packet, plaintext);
  ASSERT_TRUE(initial.has_value()) << counterName(initial.error());
  EXPECT_EQ(initial->version, version);
  EXPECT_EQ(initial->packetNumber, 2u);
  EXPECT_EQ(initial->packetLength, 1200u);
  EXPECT_EQ(std::vector<std::uint8_t>(initial->destinationCid.begin(), initial->destinationCid.end()),
            kRfcDcid);
  ASSERT_EQ(initial->frames.size(), 1162u);
  const auto crypto = hexBytes(kRfcCryptoFrame);
  EXPECT_TRUE(std::equal(crypto.begin(), crypto.end(), initial->frames.begin()));
  EXPECT_TRUE(std::all_of(initial->frames.begin() + static_cast<std::ptrdiff_t>(crypto.size()),
                          initial->frames.end(), [](std::uint8_t b) { return b == 0; }));

  const auto frames = parseInitialFrames(initial->frames);
  ASSERT_TRUE(frames.has_value()) << counterName(frames.error());
  ASSERT_EQ(frames->cryptoCount, 1u);
  EXPECT_EQ(frames->crypto[0].offset, 0u);
  EXPECT_EQ(frames->crypto[0].data.size(), 0xf1u);
  EXPECT_FALSE(frames->stoppedAtUnknownFrame);
  const auto hello = parseClientHelloHandshake(frames->crypto[0].data);
  ASSERT_TRUE(hello.has_value()) << counterName(hello.error());
  EXPECT_EQ(hello->serverName, "example.com");
  EXPECT_EQ(hello->alpn, std::vector<std::string>{"alpn"});
}

TEST(QuicInitialTest, Rfc9001ClientInitialDecrypts) { expectRfcClientInitial(kRfc9001ClientInitial, kV1); }
TEST(QuicInitialTest, Rfc9369ClientInitialDecrypts) { expectRfcClientInitial(kRfc9369ClientInitial, kV2); }

// The test sealer is the inverse of decryption: it reproduces the RFC packet byte for byte.
TEST(QuicInitialTest, TestSealerReproducesRfc9001Packet) {
  const auto crypto = hexBytes(kRfcCryptoFrame);
  // The appendix encodes packet number 2 in four bytes.
  const auto sealed = testing::sealClientInitial(kV1, kRfcDcid, {}, 2, crypto, 1200, {}, 4);
  EXPECT_EQ(sealed, hexBytes(kRfc9001ClientInitial));
  const auto sealedV2 = testing::sealClientInitial(kV2, kRfcDcid, {}, 2, crypto, 1200, {}, 4);
  EXPECT_EQ(sealedV2, hexBytes(kRfc9369ClientInitial));
}

TEST(QuicInitialTest, Draft29RoundTrip) {
  const auto crypto = hexBytes(kRfcCryptoFrame);
  const auto packet = testing::sealClientInitial(kDraft29, kRfcDcid, hexBytes("0102"), 7, crypto);
  std::vector<std::uint8_t> plaintext;
  const auto initial = decryptClientInitial(packet, plaintext);
  ASSERT_TRUE(initial.has_value()) << counterName(initial.error());
  EXPECT_EQ(initial->version, kDraft29);
  EXPECT_EQ(initial->packetNumber, 7u);
  EXPECT_TRUE(std::equal(crypto.begin(), crypto.end(), initial->frames.begin()));
}

TEST(QuicInitialTest, AnyChangedByteFailsTheTag) {
  auto packet = hexBytes(kRfc9001ClientInitial);
  packet[600] ^= 0x01;
  std::vector<std::uint8_t> plaintext;
  const auto initial = decryptClientInitial(packet, plaintext);
  ASSERT_FALSE(initial.has_value());
  EXPECT_EQ(initial.error(), DecodeError::kQuicDecryptFailed);
}

TEST(QuicInitialTest, KeysFromAnotherConnectionIdFail) {
  const auto packet = hexBytes(kRfc9001ClientInitial);
  std::vector<std::uint8_t> plaintext;
  const auto wrong = decryptClientInitial(packet, plaintext, hexBytes("0001020304050607"));
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error(), DecodeError::kQuicDecryptFailed);
  // A later Initial to the server's connection ID still uses the first DCID's keys.
  const auto crypto = hexBytes(kRfcCryptoFrame);
  const auto later = testing::sealClientInitial(kV1, hexBytes("aabbccdd"), {}, 3, crypto, 1200,
                                                kRfcDcid);
  EXPECT_FALSE(decryptClientInitial(later, plaintext).has_value());
  EXPECT_TRUE(decryptClientInitial(later, plaintext, kRfcDcid).has_value());
}

TEST(QuicInitialTest, NotInitialsAreNamed) {
  std::vector<std::uint8_t> plaintext;
  const auto shortHeader = hexBytes("41 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f");
  EXPECT_EQ(decryptClientInitial(shortHeader, plaintext).error(), DecodeError::kQuicNotInitial);
  auto handshake = hexBytes(kRfc9001ClientInitial);
  handshake[0] = 0xe0;  // type 2: Handshake
  EXPECT_EQ(decryptClientInitial(handshake, plaintext).error(), DecodeError::kQuicNotInitial);
  auto v2TypeBits = hexBytes(kRfc9369ClientInitial);
  v2TypeBits[0] = 0xc0;  // v1's Initial bits are v2's Retry
  EXPECT_EQ(decryptClientInitial(v2TypeBits, plaintext).error(), DecodeError::kQuicNotInitial);
  auto mvfst = hexBytes(kRfc9001ClientInitial);
  mvfst[1] = 0xfa;
  mvfst[2] = 0xce;
  mvfst[3] = 0xb0;
  mvfst[4] = 0x02;
  EXPECT_EQ(decryptClientInitial(mvfst, plaintext).error(), DecodeError::kQuicNotInitial);
  EXPECT_EQ(decryptClientInitial({}, plaintext).error(), DecodeError::kQuicNotInitial);
}

TEST(QuicInitialTest, CutHeadersAreMalformed) {
  const auto packet = hexBytes(kRfc9001ClientInitial);
  std::vector<std::uint8_t> plaintext;
  for (std::size_t size : {6u, 14u, 17u, 20u, 40u, 1199u}) {
    const auto cut = std::span<const std::uint8_t>(packet).first(size);
    const auto initial = decryptClientInitial(cut, plaintext);
    ASSERT_FALSE(initial.has_value()) << size;
    EXPECT_EQ(initial.error(), DecodeError::kQuicMalformed) << size;
  }
  auto longCid = packet;
  longCid[5] = 21;  // RFC 9000 §17.2: at most 20 bytes in v1
  EXPECT_EQ(decryptClientInitial(longCid, plaintext).error(), DecodeError::kQuicMalformed);
}

// A datagram may carry more after the Initial (coalesced packets): packetLength says where.
TEST(QuicInitialTest, CoalescedBytesAfterTheInitialAreNotItsOwn) {
  auto datagram = hexBytes(kRfc9001ClientInitial);
  datagram.insert(datagram.end(), {0xe1, 0x00, 0x00, 0x00, 0x01});
  std::vector<std::uint8_t> plaintext;
  const auto initial = decryptClientInitial(datagram, plaintext);
  ASSERT_TRUE(initial.has_value()) << counterName(initial.error());
  EXPECT_EQ(initial->packetLength, 1200u);
}

TEST(QuicInitialFramesTest, EveryInitialFrameType) {
  // PING, ACK (2 ranges), ACK_ECN, CRYPTO(5, "abc"), CONNECTION_CLOSE (reason "no"), PADDING,
  // CRYPTO(0, "xy").
  const auto payload = hexBytes(
      "01 "
      "02 05 00 01 00 01 01 "
      "03 05 00 00 00 01 02 03 "
      "06 05 03 61 62 63 "
      "1c 0a 06 02 6e 6f "
      "00 00 00 "
      "06 00 02 78 79 00 00");
  const auto frames = parseInitialFrames(payload);
  ASSERT_TRUE(frames.has_value()) << counterName(frames.error());
  ASSERT_EQ(frames->cryptoCount, 2u);
  EXPECT_EQ(frames->crypto[0].offset, 5u);
  EXPECT_EQ(std::string(frames->crypto[0].data.begin(), frames->crypto[0].data.end()), "abc");
  EXPECT_EQ(frames->crypto[1].offset, 0u);
  EXPECT_EQ(std::string(frames->crypto[1].data.begin(), frames->crypto[1].data.end()), "xy");
  EXPECT_TRUE(frames->connectionClose);
  EXPECT_FALSE(frames->stoppedAtUnknownFrame);
}

TEST(QuicInitialFramesTest, UnknownFrameStopsKeepingWhatCameBefore) {
  // CRYPTO(0, "a"), then STREAM (0x08: not allowed in an Initial), then a CRYPTO never read.
  const auto frames = parseInitialFrames(hexBytes("06 00 01 61 08 00 01 62 06 01 01 63"));
  ASSERT_TRUE(frames.has_value());
  EXPECT_TRUE(frames->stoppedAtUnknownFrame);
  EXPECT_EQ(frames->cryptoCount, 1u);
}

TEST(QuicInitialFramesTest, CutFramesFail) {
  for (const char* cut : {"06 00 05 61 62", "06 40", "02 05 00 03 00 01", "1c 0a 06 05 6e",
                          "02 05 00 bf ff ff ff 00"}) {
    const auto frames = parseInitialFrames(hexBytes(cut));
    ASSERT_FALSE(frames.has_value()) << cut;
    EXPECT_EQ(frames.error(), DecodeError::kQuicBadFrame) << cut;
  }
}

TEST(QuicInitialFramesTest, CryptoOffsetPastTheStreamLimitFails) {
  // offset 2^62 - 1 (the largest varint) plus one byte passes the RFC 9000 §19.6 limit.
  const auto frames = parseInitialFrames(hexBytes("06 ff ff ff ff ff ff ff ff 01 61"));
  ASSERT_FALSE(frames.has_value());
  EXPECT_EQ(frames.error(), DecodeError::kQuicBadFrame);
}

TEST(QuicInitialFramesTest, TooManyCryptoFramesAreFlagged) {
  std::vector<std::uint8_t> payload;
  for (std::size_t i = 0; i <= QuicInitialFrames::kMaxCryptoFrames; ++i) {
    const std::uint8_t byte = 0x61;
    const auto frame = testing::cryptoFrame(i, std::span<const std::uint8_t>(&byte, 1));
    payload.insert(payload.end(), frame.begin(), frame.end());
  }
  const auto frames = parseInitialFrames(payload);
  ASSERT_TRUE(frames.has_value());
  EXPECT_TRUE(frames->tooManyCryptoFrames);
  EXPECT_EQ(frames->cryptoCount, QuicInitialFrames::kMaxCryptoFrames);
}

}  // namespace
}  // namespace baawatch::decode
