#include "containerd/core/diff/digest.h"

#include "common/status.h"

namespace berth::containerd::diff {

absl::StatusOr<Sha256> Sha256::New() {
  Sha256 hash(EVP_MD_CTX_new());
  if (!hash.ctx_ || EVP_DigestInit_ex(hash.ctx_.get(), EVP_sha256(), nullptr) != 1) {
    return Internalf("sha256: EVP_DigestInit_ex failed");
  }
  return hash;
}

void Sha256::Update(std::string_view data) {
  // EVP_DigestUpdate on an initialised SHA-256 context cannot fail.
  EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
  size_ += static_cast<int64_t>(data.size());
}

absl::StatusOr<std::string> Sha256::Digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &length) != 1) {
    return Internalf("sha256: EVP_DigestFinal_ex failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

}  // namespace berth::containerd::diff
