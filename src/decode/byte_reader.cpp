#include "baawatch/decode/byte_reader.hpp"

namespace baawatch::decode {

// Every read goes through need(): once a read would cross the end the reader is failed for
// good, so callers check ok() once after a run of reads instead of after each one.
bool ByteReader::need(std::size_t n) {
  if (!ok_ || n > bytes_.size() - offset_) {
    ok_ = false;
    return false;
  }
  return true;
}

std::uint8_t ByteReader::u8() {
  if (!need(1)) return 0;
  return bytes_[offset_++];
}

std::uint16_t ByteReader::u16() {
  if (!need(2)) return 0;
  const auto value =
      static_cast<std::uint16_t>((std::uint16_t{bytes_[offset_]} << 8) | bytes_[offset_ + 1]);
  offset_ += 2;
  return value;
}

std::uint32_t ByteReader::u24() {
  if (!need(3)) return 0;
  const std::uint32_t value = (std::uint32_t{bytes_[offset_]} << 16) |
                              (std::uint32_t{bytes_[offset_ + 1]} << 8) |
                              std::uint32_t{bytes_[offset_ + 2]};
  offset_ += 3;
  return value;
}

std::uint32_t ByteReader::u32() {
  if (!need(4)) return 0;
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | bytes_[offset_ + i];
  offset_ += 4;
  return value;
}

std::uint64_t ByteReader::u64() {
  if (!need(8)) return 0;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value = (value << 8) | bytes_[offset_ + i];
  offset_ += 8;
  return value;
}

std::span<const std::uint8_t> ByteReader::bytes(std::size_t n) {
  if (!need(n)) return {};
  const auto view = bytes_.subspan(offset_, n);
  offset_ += n;
  return view;
}

void ByteReader::skip(std::size_t n) {
  if (need(n)) offset_ += n;
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
