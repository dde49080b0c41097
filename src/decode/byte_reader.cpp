#include "baawatch/decode/byte_reader.hpp"

namespace baawatch::decode {

std::uint32_t ByteReader::u24() {
  if (!need(3)) return 0;
  const std::uint32_t value = (std::uint32_t{bytes_[offset_]} << 16) |
                              (std::uint32_t{bytes_[offset_ + 1]} << 8) |
                              std::uint32_t{bytes_[offset_ + 2]};
  offset_ += 3;
  return value;
}

std::uint64_t ByteReader::u64() {
  if (!need(8)) return 0;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value = (value << 8) | bytes_[offset_ + i];
  offset_ += 8;
  return value;
}

void ByteReader::seek(std::size_t offset) {
  // Seeking to the very end is allowed (nothing left to read); past it fails like a read would.
  if (!ok_ || offset > bytes_.size()) {
    ok_ = false;
    return;
  }
  offset_ = offset;
}

std::span<const std::uint8_t> ByteReader::rest() const {
  if (!ok_) return {};
  return bytes_.subspan(offset_);
}

}  // namespace baawatch::decode
