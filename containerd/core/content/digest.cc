#include "containerd/core/content/digest.h"

#include <cstdlib>

#include "common/status.h"

namespace berth::containerd::content {
namespace {

constexpr std::string_view kPrefix = "sha256:";
constexpr size_t kHexLength = 64;

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string ToHex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

// OpenSSL fails only on allocation failure or a broken build; neither is
// something a caller can handle, so it is fatal like operator new.
void CheckEvp(int rc) {
  if (rc != 1) std::abort();
}

}  // namespace

absl::StatusOr<Digest> Digest::Parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgumentf("invalid digest {:?}: want \"sha256:<64 lowercase hex digits>\"", text);
  }
  if (text.substr(0, colon + 1) != kPrefix) {
    return InvalidArgumentf("unsupported digest algorithm {:?} in {:?}: only sha256 is supported",
                            text.substr(0, colon), text);
  }
  std::string_view hex = text.substr(colon + 1);
  if (hex.size() != kHexLength || !IsLowerHex(hex)) {
    return InvalidArgumentf("invalid digest {:?}: want \"sha256:<64 lowercase hex digits>\"", text);
  }
  return Digest(std::string(hex));
}

absl::StatusOr<Digest> Digest::FromHex(std::string_view hex) {
  if (hex.size() != kHexLength || !IsLowerHex(hex)) {
    return InvalidArgumentf("invalid sha256 hex {:?}: want 64 lowercase hex digits", hex);
  }
  return Digest(std::string(hex));
}

Digest Digest::Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Current();
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) std::abort();
  Reset();
}

void Sha256::Reset() { CheckEvp(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr)); }

void Sha256::Update(std::string_view data) {
  CheckEvp(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()));
}

Digest Sha256::Current() const {
  std::unique_ptr<EVP_MD_CTX, CtxFree> copy(EVP_MD_CTX_new());
  if (!copy) std::abort();
  CheckEvp(EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  CheckEvp(EVP_DigestFinal_ex(copy.get(), out, &len));
  return Digest(ToHex(out, len));
}

}  // namespace berth::containerd::content
