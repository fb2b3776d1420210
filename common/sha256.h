// SHA-256 (FIPS 180-4) without OpenSSL, for the programs that must stay small
// and static: berth-runtime keys its seccomp cache with it, and linking
// libcrypto statically for one digest would add ~3 MB to a binary that is
// copied into a memfd on every create.
//
//   Sha256 h;
//   h.Update("abc");
//   std::string hex = ToHex(h.Finish());  // "ba7816bf..."
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  void Update(const void* data, size_t size);
  // The digest of everything given so far; the object must not be used after.
  Sha256Digest Finish();

 private:
  void Block(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

Sha256Digest Sha256Of(std::string_view data);
// Lower-case hex of the 32 bytes.
std::string ToHex(const Sha256Digest& digest);

}  // namespace berth
