#include "classify/client_hello_reader.hpp"

#include <array>
#include <utility>

#include "baawatch/decode/quic_initial.hpp"

namespace baawatch::classify {

// What a flow keeps while its hello is incomplete: the stream so far and, for QUIC, the
// Destination Connection ID its Initial keys derive from (RFC 9001 §5.2: the client's first
// one, even when later Initials carry the server's choice).
struct PartialClientHello {
  explicit PartialClientHello(decode::HandshakeReassembler held) : stream(std::move(held)) {}
  decode::HandshakeReassembler stream;
  std::array<std::uint8_t, 20> keyCid{};
  std::uint8_t keyCidLength = 0;
  std::span<const std::uint8_t> cid() const {
    return std::span<const std::uint8_t>(keyCid).first(keyCidLength);
  }
};

ClientHelloProgress::ClientHelloProgress() = default;
ClientHelloProgress::~ClientHelloProgress() = default;
ClientHelloProgress::ClientHelloProgress(ClientHelloProgress&&) noexcept = default;
ClientHelloProgress& ClientHelloProgress::operator=(ClientHelloProgress&&) noexcept = default;

namespace {

// Segments whose sequence number lies this far behind the stream start are old (a keep-alive
// probe, a retransmitted SYN's byte): not part of the hello.
constexpr std::uint32_t kBehindStream = 0x80000000u;
// A datagram coalesces at most one packet per packet number space (RFC 9000 §12.2).
constexpr int kMaxCoalescedInitials = 3;

std::size_t read24(std::span<const std::uint8_t> bytes, std::size_t at) {
  return (std::size_t{bytes[at]} << 16) | (std::size_t{bytes[at + 1]} << 8) | bytes[at + 2];
}

}  // namespace

ClientHelloReader::ClientHelloReader(decode::HandshakeReassemblyLimits limits)
    : limits_(limits), scratch_(limits) {}

void ClientHelloReader::giveUp(ClientHelloProgress& progress, decode::DecodeError error,
                               Counters& counters) {
  if (error != decode::DecodeError::kTlsNotClientHello) counters.add(decode::counterName(error));
  progress.finished = true;
  progress.partial.reset();
}

std::optional<decode::TlsClientHello> ClientHelloReader::tryParse(
    ClientHelloProgress& progress, const decode::HandshakeReassembler& stream, Framing framing,
    Counters& counters) {
  const auto prefix = stream.contiguousPrefix();
  if (prefix.empty()) return std::nullopt;
  auto hello = framing == Framing::kTlsRecords ? decode::parseTlsClientHello(prefix)
                                               : decode::parseClientHelloHandshake(prefix);
  if (hello) {
    progress.finished = true;
    progress.partial.reset();
    return std::move(*hello);
  }
  if (hello.error() != decode::DecodeError::kTlsTruncated) {
    giveUp(progress, hello.error(), counters);
    return std::nullopt;
  }
  // Still partial: a hello that announces more than the bound will never fit.
  const std::size_t header = framing == Framing::kTlsRecords ? 5 : 0;
  if (prefix.size() >= header + 4 &&
      4 + read24(prefix, header + 1) > limits_.maxBytes - header) {
    giveUp(progress, decode::DecodeError::kHelloTooLarge, counters);
  }
  return std::nullopt;
}

std::optional<decode::TlsClientHello> ClientHelloReader::onTcpSegment(
    ClientHelloProgress& progress, const decode::DecodedPacket& packet, Counters& counters) {
  if (progress.finished) return std::nullopt;
  if ((packet.tcpFlags & decode::tcp_flags::kSyn) != 0) {
    // The client's SYN: its data starts one past the initial sequence number.
    progress.tcpStreamStart = packet.tcpSequence + 1;
    progress.tcpStartKnown = true;
  }
  if (packet.payload.empty()) return std::nullopt;
  std::uint32_t offset = 0;
  if (progress.tcpStartKnown) {
    // TCP Fast Open data in a SYN (RFC 7413) starts at ISN + 1 too.
    const bool syn = (packet.tcpFlags & decode::tcp_flags::kSyn) != 0;
    offset = packet.tcpSequence + (syn ? 1u : 0u) - progress.tcpStreamStart;
  }
  if (offset >= kBehindStream) return std::nullopt;

  if (!progress.partial) {
    progress.packetsTried += 1;
    if (offset == 0) {
      // Nearly every hello fits its first segment: parse it in place, allocate nothing.
      auto hello = decode::parseTlsClientHello(packet.payload);
      if (hello) {
        progress.finished = true;
        return std::move(*hello);
      }
      if (hello.error() == decode::DecodeError::kTlsNotClientHello) {
        // The stream does not start with a hello (a proxy's CONNECT, STARTTLS): look at the
        // next few segments as they come, each as a possible start, as without a SYN.
        progress.tcpStartKnown = false;
        if (progress.packetsTried >= kMaxPacketsWithoutHello) progress.finished = true;
        return std::nullopt;
      }
      counters.add(decode::counterName(hello.error()));
      if (hello.error() != decode::DecodeError::kTlsTruncated) {
        progress.finished = true;
        return std::nullopt;
      }
      if (!progress.tcpStartKnown) {
        progress.tcpStreamStart = packet.tcpSequence;
        progress.tcpStartKnown = true;
      }
    } else if (offset >= limits_.maxBytes) {
      // A later segment, out of reach of any hello.
      if (progress.packetsTried >= kMaxPacketsWithoutHello) progress.finished = true;
      return std::nullopt;
    }
    // The start of a hello continues later, or a later segment came before the first: keep it.
    progress.partial = std::make_unique<PartialClientHello>(decode::HandshakeReassembler(limits_));
  }

  decode::HandshakeReassembler& stream = progress.partial->stream;
  if (auto counted = stream.countPacket(); !counted) {
    giveUp(progress, counted.error(), counters);
    return std::nullopt;
  }
  if (auto added = stream.add(offset, packet.payload); !added) {
    giveUp(progress, added.error(), counters);
    return std::nullopt;
  }
  return tryParse(progress, stream, Framing::kTlsRecords, counters);
}

std::optional<decode::TlsClientHello> ClientHelloReader::onQuicDatagram(
    ClientHelloProgress& progress, std::span<const std::uint8_t> datagram, Counters& counters) {
  if (progress.finished || datagram.empty()) return std::nullopt;
  if ((datagram[0] & 0x80) == 0) {
    // A short-header (1-RTT) packet: the client has its handshake keys, so its hello was sent
    // whole; what is missing will not come.
    if (progress.partial) giveUp(progress, decode::DecodeError::kTlsTruncated, counters);
    return std::nullopt;
  }
  if (!progress.partial) {
    progress.packetsTried += 1;
    if (progress.packetsTried > kMaxPacketsWithoutHello) {
      progress.finished = true;
      return std::nullopt;
    }
  }
  decode::HandshakeReassembler& stream = progress.partial ? progress.partial->stream : scratch_;
  if (!progress.partial) scratch_.clear();
  std::array<std::uint8_t, 20> firstCid{};
  std::size_t firstCidLength = 0;
  bool anyCrypto = false;
  bool anyInitial = false;

  std::span<const std::uint8_t> rest = datagram;
  for (int packet = 0; packet < kMaxCoalescedInitials && !rest.empty(); ++packet) {
    const auto keyCid = progress.partial ? progress.partial->cid() : std::span<const std::uint8_t>{};
    auto initial = decode::decryptClientInitial(rest, plaintext_, keyCid);
    if (!initial && initial.error() == decode::DecodeError::kQuicDecryptFailed && !keyCid.empty()) {
      // After a Retry the client derives new keys from the server's chosen connection ID.
      initial = decode::decryptClientInitial(rest, plaintext_);
    }
    if (!initial) {
      // The first packet of a client datagram that is an Initial is first (RFC 9000 §12.2); a
      // 0-RTT or Handshake packet after it ends what we read.
      if (initial.error() != decode::DecodeError::kQuicNotInitial) {
        counters.add(decode::counterName(initial.error()));
      }
      break;
    }
    anyInitial = true;
    if (firstCidLength == 0) {
      firstCidLength = initial->destinationCid.size();
      std::copy(initial->destinationCid.begin(), initial->destinationCid.end(), firstCid.begin());
    }
    auto frames = decode::parseInitialFrames(initial->frames);
    if (!frames) {
      counters.add(decode::counterName(frames.error()));
      break;
    }
    if (frames->tooManyCryptoFrames) {
      giveUp(progress, decode::DecodeError::kHelloTooFragmented, counters);
      return std::nullopt;
    }
    if (frames->cryptoCount > 0) {
      if (auto counted = stream.countPacket(); !counted) {
        giveUp(progress, counted.error(), counters);
        return std::nullopt;
      }
    }
    for (const auto& fragment : frames->cryptoFragments()) {
      if (auto added = stream.add(fragment.offset, fragment.data); !added) {
        giveUp(progress, added.error(), counters);
        return std::nullopt;
      }
      anyCrypto = true;
    }
    rest = rest.subspan(initial->packetLength);
  }
  if (!anyInitial && progress.partial) {
    // A Handshake packet from the client: as with 1-RTT, the hello was sent whole.
    giveUp(progress, decode::DecodeError::kTlsTruncated, counters);
    return std::nullopt;
  }
  if (!anyCrypto) return std::nullopt;

  auto hello = tryParse(progress, stream, Framing::kHandshakeMessages, counters);
  if (!hello && !progress.finished && !progress.partial) {
    // The hello continues in a later Initial: keep this datagram's share with the flow.
    progress.partial = std::make_unique<PartialClientHello>(scratch_);
    progress.partial->keyCid = firstCid;
    progress.partial->keyCidLength = static_cast<std::uint8_t>(firstCidLength);
  }
  return hello;
}

}  // namespace baawatch::classify
