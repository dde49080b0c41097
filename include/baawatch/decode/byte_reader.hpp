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

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u24();
  std::uint32_t u32();
  std::uint64_t u64();
  // A view of the next n bytes (empty and failed when fewer remain).
  std::span<const std::uint8_t> bytes(std::size_t n);
  void skip(std::size_t n);
  // Moves to an absolute offset within the original span (used for DNS compression pointers).
  void seek(std::size_t offset);

  bool ok() const { return ok_; }
  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return ok_ ? bytes_.size() - offset_ : 0; }
  std::span<const std::uint8_t> rest() const;
  std::span<const std::uint8_t> whole() const { return bytes_; }

 private:
  bool need(std::size_t n);
  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
  bool ok_ = true;
};

}  // namespace baawatch::decode
