// Content digests ("sha256:<64 lowercase hex>") and the incremental hasher
// behind them. Only sha256 is supported, as the OCI image spec requires of
// every registry and containerd uses for its local store.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace berth::containerd::content {

class Digest {
 public:
  // Accepts exactly "sha256:" followed by 64 lowercase hex digits; anything
  // else is InvalidArgument naming the text (another algorithm says that
  // only sha256 is supported).
  static absl::StatusOr<Digest> Parse(std::string_view text);
  // From the 64 hex digits alone (a blob's file name).
  static absl::StatusOr<Digest> FromHex(std::string_view hex);
  // The digest of `data`, for small in-memory content.
  static Digest Of(std::string_view data);

  Digest() = default;  // empty: no digest (optional expectations)

  bool empty() const { return hex_.empty(); }
  std::string_view algorithm() const { return "sha256"; }
  const std::string& hex() const { return hex_; }
  std::string str() const { return empty() ? std::string() : "sha256:" + hex_; }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  friend class Sha256;
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// Incremental sha256 over OpenSSL's EVP interface. Move-only.
class Sha256 {
 public:
  Sha256();
  Sha256(Sha256&&) noexcept = default;
  Sha256& operator=(Sha256&&) noexcept = default;

  void Update(std::string_view data);
  // The digest of everything so far; the hasher can keep going afterwards.
  Digest Current() const;
  void Reset();

 private:
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

}  // namespace berth::containerd::content
