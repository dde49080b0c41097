#pragma once
// Private to capture/: turns one libpcap record into our RawPacket view, for the file and the
// live source alike. The view points into libpcap's buffer (valid until the next read).
#include <pcap/pcap.h>

#include "baawatch/capture/packet_source.hpp"

namespace baawatch::capture {

inline void fillRawPacket(RawPacket& packet, const pcap_pkthdr& header, const u_char* data,
                          int linkType) {
  packet.time = Timestamp{static_cast<Microseconds>(header.ts.tv_sec) * 1000000 +
                          static_cast<Microseconds>(header.ts.tv_usec)};
  packet.wireLength = header.len;
  packet.data = std::span<const std::uint8_t>(data, header.caplen);
  packet.linkType = linkType;
}

}  // namespace baawatch::capture
