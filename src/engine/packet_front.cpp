#include "packet_front.hpp"

namespace baawatch::engine {
namespace {

constexpr Microseconds kHousekeepingEvery = 1000000;  // expiry and flushing once a packet-second

}  // namespace

bool isDhcpPacket(const decode::DecodedPacket& packet) {
  return packet.transport == decode::Transport::kUdp &&
         ((packet.sourcePort == 68 && packet.destinationPort == 67) ||
          (packet.sourcePort == 67 && packet.destinationPort == 68));
}

bool isMdnsPacket(const decode::DecodedPacket& packet) {
  return packet.transport == decode::Transport::kUdp &&
         (packet.sourcePort == 5353 || packet.destinationPort == 5353);
}

bool isDnsCandidate(const decode::DecodedPacket& packet) {
  if (packet.transport != decode::Transport::kUdp && packet.transport != decode::Transport::kTcp)
    return false;
  return packet.sourcePort == 53 && !isDhcpPacket(packet) && !isMdnsPacket(packet);
}

const decode::PacketDecoder& PacketFront::decoderFor(int linkType) {
  if (lastDecoder_ != nullptr && linkType == lastLinkType_) return *lastDecoder_;
  auto it = decoders_.find(linkType);
  if (it == decoders_.end()) it = decoders_.emplace(linkType, decode::PacketDecoder(linkType)).first;
  lastDecoder_ = &it->second;
  lastLinkType_ = linkType;
  return it->second;
}

void PacketFront::start(Timestamp time) {
  now_ = time;
  lastHousekeeping_ = time;
  lastStats_ = time;
  started_ = true;
}

void PacketFront::process(const capture::RawPacket& raw, FrontObserver& observer) {
  ++packetNumber_;
  wireBytes_ += raw.wireLength;
  if (!started_) start(raw.time);
  if (raw.time > now_) now_ = raw.time;

  auto decoded = decoderFor(raw.linkType).decode(raw.data, raw.wireLength, raw.time);
  if (!decoded) {
    counters_.add(decode::counterName(decoded.error()));
    if (decoded.error() != decode::DecodeError::kNotIp) counters_.add("decode.malformed");
    return;
  }
  if (auto* arp = std::get_if<decode::ArpPacket>(&*decoded)) {
    counters_.add("decode.arp");
    observer.arp(*arp, raw.time);
    return;
  }
  const auto& packet = std::get<decode::DecodedPacket>(*decoded);
  ++ipPackets_;
  sideChannels(packet, observer);
  if (packet.isFragment && packet.payload.empty() && packet.sourcePort == 0) {
    // Later fragments carry no ports: they cannot be placed in a flow without reassembly.
    counters_.add("decode.fragment_skipped");
    return;
  }
  observer.flowPacket(packet, packetNumber_);
}

void PacketFront::sideChannels(const decode::DecodedPacket& packet, FrontObserver& observer) {
  if (packet.sourceMac && clinical_.isClinical(packet.source)) {
    observer.sender(packet.source, *packet.sourceMac, packet.time);
  }
  if (isDhcpPacket(packet)) {
    auto dhcp = decode::parseDhcpMessage(packet.payload);
    if (dhcp) {
      observer.dhcp(*dhcp, packet.time);
    } else {
      counters_.add(decode::counterName(dhcp.error()));
    }
    return;
  }
  if (isMdnsPacket(packet)) {
    auto mdns = decode::parseDnsMessage(packet.payload);
    if (mdns) {
      observer.mdns(*mdns, packet.time);
    } else {
      counters_.add("decode.mdns.malformed");
    }
  }
}

void PacketFront::advanceTo(Timestamp now) {
  if (!started_) {
    // Nothing captured yet: the first packet or tick starts the clocks.
    start(now);
    return;
  }
  if (now > now_) now_ = now;
}

bool PacketFront::housekeepingDue() {
  if (!started_ || now_.micros - lastHousekeeping_.micros < kHousekeepingEvery) return false;
  lastHousekeeping_ = now_;
  return true;
}

bool PacketFront::statsDue(double intervalSeconds) {
  if (intervalSeconds <= 0 ||
      now_.micros - lastStats_.micros < static_cast<Microseconds>(intervalSeconds * 1e6))
    return false;
  lastStats_ = now_;
  return true;
}

}  // namespace baawatch::engine
