#include "baawatch/decode/handshake_reassembler.hpp"

#include <algorithm>
#include <cstring>

namespace baawatch::decode {

Expected<void, DecodeError> HandshakeReassembler::add(std::uint64_t offset,
                                                      std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  if (offset >= limits_.maxBytes || bytes.size() > limits_.maxBytes - offset) {
    return unexpected(DecodeError::kHelloTooLarge);
  }
  const auto begin = static_cast<std::uint32_t>(offset);
  const auto end = static_cast<std::uint32_t>(offset + bytes.size());

  // The ranges this piece touches or adjoins merge into one; count what would remain first so
  // a refused piece leaves everything as it was.
  auto first = std::lower_bound(ranges_.begin(), ranges_.end(), begin,
                                [](const auto& range, std::uint32_t at) { return range.second < at; });
  auto last = first;
  while (last != ranges_.end() && last->first <= end) ++last;
  const std::size_t merged = static_cast<std::size_t>(last - first);
  if (merged == 0 && ranges_.size() >= kMaxRanges) {
    return unexpected(DecodeError::kHelloTooFragmented);
  }

  if (bytes_.size() < end) bytes_.resize(end);
  // Copy only into the gaps between held ranges: bytes held first are kept.
  std::uint32_t cursor = begin;
  for (auto it = first; it != last && cursor < end; ++it) {
    if (it->first > cursor) {
      std::memcpy(bytes_.data() + cursor, bytes.data() + (cursor - begin), it->first - cursor);
    }
    cursor = std::max(cursor, it->second);
  }
  if (cursor < end) std::memcpy(bytes_.data() + cursor, bytes.data() + (cursor - begin), end - cursor);

  std::pair<std::uint32_t, std::uint32_t> joined{begin, end};
  if (merged > 0) {
    joined.first = std::min(begin, first->first);
    joined.second = std::max(end, (last - 1)->second);
    *first = joined;
    ranges_.erase(first + 1, last);
  } else {
    ranges_.insert(first, joined);
  }
  return {};
}

Expected<void, DecodeError> HandshakeReassembler::countPacket() {
  if (packets_ >= limits_.maxPackets) return unexpected(DecodeError::kHelloTooManyPackets);
  packets_ += 1;
  return {};
}

std::span<const std::uint8_t> HandshakeReassembler::contiguousPrefix() const {
  if (ranges_.empty() || ranges_.front().first != 0) return {};
  return std::span<const std::uint8_t>(bytes_).first(ranges_.front().second);
}

void HandshakeReassembler::clear() {
  bytes_.clear();
  ranges_.clear();
  packets_ = 0;
}

}  // namespace baawatch::decode
