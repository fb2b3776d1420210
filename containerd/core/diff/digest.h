// Streaming SHA-256 (OpenSSL EVP) that yields OCI digests ("sha256:<hex>").
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::containerd::diff {

class Sha256 {
 public:
  static absl::StatusOr<Sha256> New();

  void Update(std::string_view data);
  // "sha256:<hex>" of everything given to Update. Once only.
  absl::StatusOr<std::string> Digest();
  int64_t size() const { return size_; }

 private:
  struct Deleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  explicit Sha256(EVP_MD_CTX* ctx) : ctx_(ctx) {}

  std::unique_ptr<EVP_MD_CTX, Deleter> ctx_;
  int64_t size_ = 0;
};

}  // namespace berth::containerd::diff
