#include "common/sha256.h"

namespace berth {

Sha256::Sha256() { sha256_init(&ctx_); }

void Sha256::Update(std::string_view data) { Update(data.data(), data.size()); }

void Sha256::Update(const void* data, size_t size) {
  sha256_update(&ctx_, size, static_cast<const uint8_t*>(data));
}

Sha256Digest Sha256::Finish() {
  Sha256Digest out;
  sha256_digest(&ctx_, out.size(), out.data());
  return out;
}

Sha256Digest Sha256Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

std::string ToHex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace berth
