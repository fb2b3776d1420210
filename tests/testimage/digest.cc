#include "tests/testimage/digest.h"

#include <openssl/evp.h>

#include "common/status.h"

namespace berth::testimage {

absl::StatusOr<std::string> Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    return Internalf("sha256 of {} bytes: EVP_Digest failed", data.size());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 0xf]);
  }
  return hex;
}

absl::StatusOr<std::string> Sha256Digest(std::string_view data) {
  BERTH_ASSIGN_OR_RETURN(std::string hex, Sha256Hex(data));
  return "sha256:" + hex;
}

absl::StatusOr<std::string> DigestHex(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!digest.starts_with(kPrefix) || digest.size() != kPrefix.size() + 64) {
    return InvalidArgumentf("digest \"{}\": not a sha256 digest", digest);
  }
  std::string_view hex = digest.substr(kPrefix.size());
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return InvalidArgumentf("digest \"{}\": not lower-case hex", digest);
    }
  }
  return std::string(hex);
}

}  // namespace berth::testimage
