#pragma once
// Bounds-checked big-endian reader over a byte span. Any read past the end fails sticky: the
// reader returns zeros / empty spans from then on and ok() stays false, so a decoder is a straight
// run of reads followed by one check (mercury's datum idea). Never allocates, never throws.
#include <cstddef>
#include <cstdint>
#include <span>

namespace baawatch::decode {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  // The short reads are inline: the decoder makes a dozen of them per packet.
  std::uint8_t u8() {
    if (!need(1)) return 0;
    return bytes_[offset_++];
  }
  std::uint16_t u16() {
    if (!need(2)) return 0;
    const auto value =
        static_cast<std::uint16_t>((std::uint16_t{bytes_[offset_]} << 8) | bytes_[offset_ + 1]);
    offset_ += 2;
    return value;
  }
  std::uint32_t u24();
  std::uint32_t u32() {
    if (!need(4)) return 0;
    const std::uint32_t value =
        (std::uint32_t{bytes_[offset_]} << 24) | (std::uint32_t{bytes_[offset_ + 1]} << 16) |
        (std::uint32_t{bytes_[offset_ + 2]} << 8) | std::uint32_t{bytes_[offset_ + 3]};
    offset_ += 4;
    return value;
  }
  std::uint64_t u64();
  // A view of the next n bytes (empty and failed when fewer remain).
  std::span<const std::uint8_t> bytes(std::size_t n) {
    if (!need(n)) return {};
    const auto view = bytes_.subspan(offset_, n);
    offset_ += n;
    return view;
  }
  void skip(std::size_t n) {
    if (need(n)) offset_ += n;
  }
  // Moves to an absolute offset within the original span (used for DNS compression pointers).
  void seek(std::size_t offset);

  bool ok() const { return ok_; }
  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return ok_ ? bytes_.size() - offset_ : 0; }
  std::span<const std::uint8_t> rest() const;
  std::span<const std::uint8_t> whole() const { return bytes_; }

 private:
  // Every read goes through need(): once a read would cross the end the reader is failed for
  // good, so callers check ok() once after a run of reads instead of after each one.
  bool need(std::size_t n) {
    if (!ok_ || n > bytes_.size() - offset_) {
      ok_ = false;
      return false;
    }
    return true;
  }
  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
  bool ok_ = true;
};

}  // namespace baawatch::decode
