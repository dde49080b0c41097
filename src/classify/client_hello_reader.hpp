#pragma once
// Reads a flow's TLS ClientHello from the client's packets: over TCP (one segment, or several
// reassembled by sequence number) or inside QUIC client Initials (decrypted, CRYPTO frames
// reassembled by offset across frames and packets). The per-flow part is ClientHelloProgress,
// a few bytes until a hello turns out to be partial; only then is a reassembly buffer
// allocated, and it is freed as soon as the hello is read or given up.
// Thread: one reader per packet thread (it owns scratch buffers); progress belongs to a flow.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "baawatch/common/counters.hpp"
#include "baawatch/decode/handshake_reassembler.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/decode/tls_client_hello.hpp"

namespace baawatch::classify {

struct PartialClientHello;

struct ClientHelloProgress {
  ClientHelloProgress();
  ~ClientHelloProgress();
  ClientHelloProgress(ClientHelloProgress&&) noexcept;
  ClientHelloProgress& operator=(ClientHelloProgress&&) noexcept;

  std::unique_ptr<PartialClientHello> partial;  // only while a hello is incomplete
  std::uint32_t tcpStreamStart = 0;             // the client's first data byte (ISN + 1)
  bool tcpStartKnown = false;
  bool finished = false;                        // read, or given up
  std::uint8_t packetsTried = 0;                // client packets looked at without a partial
};

class ClientHelloReader {
 public:
  // A flow whose first client packets hold no start of a ClientHello is not a TLS/QUIC flow:
  // stop looking after this many.
  static constexpr std::uint8_t kMaxPacketsWithoutHello = 3;

  explicit ClientHelloReader(decode::HandshakeReassemblyLimits limits = {});

  // A TCP segment from the client. Returns the hello on the segment that completes it.
  std::optional<decode::TlsClientHello> onTcpSegment(ClientHelloProgress& progress,
                                                     const decode::DecodedPacket& packet,
                                                     Counters& counters);
  // A UDP datagram from the client. Returns the hello on the datagram that completes it.
  std::optional<decode::TlsClientHello> onQuicDatagram(ClientHelloProgress& progress,
                                                       std::span<const std::uint8_t> datagram,
                                                       Counters& counters);

 private:
  enum class Framing : std::uint8_t { kTlsRecords, kHandshakeMessages };
  // Parses the contiguous prefix of `stream`; finishes `progress` unless it is still partial.
  std::optional<decode::TlsClientHello> tryParse(ClientHelloProgress& progress,
                                                 const decode::HandshakeReassembler& stream,
                                                 Framing framing, Counters& counters);
  void giveUp(ClientHelloProgress& progress, decode::DecodeError error, Counters& counters);

  decode::HandshakeReassemblyLimits limits_;
  std::vector<std::uint8_t> plaintext_;     // a decrypted Initial, reused
  decode::HandshakeReassembler scratch_;    // one datagram's CRYPTO data, before it is kept
};

}  // namespace baawatch::classify
