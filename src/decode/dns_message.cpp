#include "baawatch/decode/dns_message.hpp"

#include "baawatch/decode/byte_reader.hpp"

namespace baawatch::decode {
namespace {

constexpr std::size_t kMaxQuestions = 64;
constexpr std::size_t kMaxRecords = 256;
// RFC 1035 §2.3.4: labels of 63 octets or less, names of 255 octets or less (wire form).
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxNameWire = 255;
// Pointers must point backwards, so a name can never loop; the hop limit also bounds the work a
// crafted message can cause (a 255-byte name has at most 127 labels, real ones use 1-3 pointers).
constexpr int kMaxPointerHops = 32;

char lowerAscii(std::uint8_t byte) {
  return static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + ('a' - 'A') : byte);
}

// Reads a possibly compressed name (RFC 1035 §4.1.4) starting at the reader's position and leaves
// the reader just after the name's in-place bytes (after the first pointer, if any).
Expected<std::string, DecodeError> readName(ByteReader& reader) {
  std::string name;
  ByteReader cursor(reader.whole());
  cursor.seek(reader.offset());
  std::size_t wireLength = 1;  // the root label
  std::size_t resumeAt = 0;
  bool jumped = false;
  int hops = 0;
  // Every pointer must land strictly before the start of the name it continues (anything in
  // between would re-read labels already read); this bound moves back with each jump, so the walk
  // always ends.
  std::size_t pointerLimit = reader.offset();
  while (true) {
    const std::uint8_t length = cursor.u8();
    if (!cursor.ok()) return unexpected(DecodeError::kDnsTruncated);
    if ((length & 0xc0) == 0xc0) {
      const std::size_t target = (std::size_t{length & 0x3fu} << 8) | cursor.u8();
      if (!cursor.ok()) return unexpected(DecodeError::kDnsTruncated);
      if (++hops > kMaxPointerHops || target >= pointerLimit) {
        return unexpected(DecodeError::kDnsCompressionLoop);
      }
      if (!jumped) resumeAt = cursor.offset();
      jumped = true;
      pointerLimit = target;
      cursor.seek(target);
      continue;
    }
    // 0x40 and 0x80 are the reserved extended-label types (RFC 6891 §5): not a name we can read.
    if ((length & 0xc0) != 0) return unexpected(DecodeError::kDnsBadName);
    if (length == 0) break;
    if (length > kMaxLabel) return unexpected(DecodeError::kDnsBadName);
    wireLength += std::size_t{length} + 1;
    if (wireLength > kMaxNameWire) return unexpected(DecodeError::kDnsBadName);
    const auto label = cursor.bytes(length);
    if (!cursor.ok()) return unexpected(DecodeError::kDnsTruncated);
    if (!name.empty()) name.push_back('.');
    for (std::uint8_t byte : label) name.push_back(lowerAscii(byte));
  }
  reader.seek(jumped ? resumeAt : cursor.offset());
  return name;
}

// Fills one record; returns false when the record is not one we keep (it was still consumed).
Expected<bool, DecodeError> readRecord(ByteReader& reader, DnsRecord& record) {
  auto name = readName(reader);
  if (!name) return unexpected(name.error());
  record.name = std::move(*name);
  record.type = reader.u16();
  reader.skip(2);  // class (mDNS puts the cache-flush bit here; we accept any class)
  record.ttl = reader.u32();
  const std::size_t dataLength = reader.u16();
  const std::size_t dataStart = reader.offset();
  reader.skip(dataLength);
  if (!reader.ok()) return unexpected(DecodeError::kDnsTruncated);
  const std::size_t dataEnd = reader.offset();

  ByteReader data(reader.whole());
  data.seek(dataStart);
  switch (record.type) {
    case dns_type::kA:
      if (dataLength != 4) return false;  // malformed address: skip the record, keep going
      record.address = IpAddress::fromV4(data.bytes(4).first<4>());
      return true;
    case dns_type::kAaaa:
      if (dataLength != 16) return false;
      record.address = IpAddress::fromV6(data.bytes(16).first<16>());
      return true;
    case dns_type::kSrv:
      data.skip(6);  // priority, weight, port (RFC 2782)
      [[fallthrough]];
    case dns_type::kCname:
    case dns_type::kPtr: {
      auto target = readName(data);
      if (!target) return unexpected(target.error());
      // The target's in-place bytes must stay inside RDATA (pointers may go anywhere earlier).
      if (!data.ok() || data.offset() > dataEnd) return unexpected(DecodeError::kDnsTruncated);
      record.target = std::move(*target);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

Expected<DnsMessage, DecodeError> parseDnsMessage(std::span<const std::uint8_t> message) {
  ByteReader reader(message);
  DnsMessage result;
  // RFC 1035 §4.1.1: id, flags (QR is the top bit, RCODE the low 4), four section counts.
  result.id = reader.u16();
  const std::uint16_t flags = reader.u16();
  const std::size_t questionCount = reader.u16();
  const std::size_t recordCount =
      std::size_t{reader.u16()} + std::size_t{reader.u16()} + std::size_t{reader.u16()};
  if (!reader.ok()) return unexpected(DecodeError::kDnsTruncated);
  result.isResponse = (flags & 0x8000) != 0;
  result.responseCode = static_cast<std::uint8_t>(flags & 0x000f);

  // A question takes at least 5 bytes, so the count cannot make this loop long.
  for (std::size_t i = 0; i < questionCount; ++i) {
    auto name = readName(reader);
    if (!name) return unexpected(name.error());
    const std::uint16_t type = reader.u16();
    reader.skip(2);  // class
    if (!reader.ok()) return unexpected(DecodeError::kDnsTruncated);
    if (i < kMaxQuestions) result.questions.push_back({std::move(*name), type});
  }
  if (questionCount > kMaxQuestions) result.recordsTruncated = true;

  // Records: keep what parsed. A bad record ends the walk but does not discard the questions and
  // records before it, because those are what attribution needs (a reply whose additional
  // section is cut still names the addresses in its answer section).
  for (std::size_t i = 0; i < recordCount; ++i) {
    if (result.answers.size() == kMaxRecords) {
      result.recordsTruncated = true;
      break;
    }
    DnsRecord record;
    auto kept = readRecord(reader, record);
    if (!kept) {
      result.recordsTruncated = true;
      break;
    }
    if (*kept) result.answers.push_back(std::move(record));
  }
  return result;
}

}  // namespace baawatch::decode
