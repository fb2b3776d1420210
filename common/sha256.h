// SHA-256 for the programs that must stay small and static (berth-runtime
// keys its seccomp cache with it, berth-shim names its socket), through
// nettle's static archive: its SHA-256 objects add ~46 KB with the SHA-NI
// path, where libcrypto.a's SHA256() pulls in ~4 MB of OpenSSL's init. The
// content store keeps OpenSSL (containerd/core/content/digest.h).
//
//   Sha256 h;
//   h.Update("abc");
//   std::string hex = ToHex(h.Finish());  // "ba7816bf..."
#pragma once

#include <nettle/sha2.h>

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
  sha256_ctx ctx_;
};

Sha256Digest Sha256Of(std::string_view data);
// Lower-case hex of the 32 bytes.
std::string ToHex(const Sha256Digest& digest);

}  // namespace berth
