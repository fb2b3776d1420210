// SHA-256 content digests as the OCI image spec writes them.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::testimage {

// Lower-case hex SHA-256 of `data` (OpenSSL EVP).
absl::StatusOr<std::string> Sha256Hex(std::string_view data);

// "sha256:<hex>".
absl::StatusOr<std::string> Sha256Digest(std::string_view data);

// The hex part of "sha256:<hex>"; InvalidArgument for anything else.
absl::StatusOr<std::string> DigestHex(std::string_view digest);

}  // namespace berth::testimage
