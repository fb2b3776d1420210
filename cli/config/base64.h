// Base64 as Go's encoding/base64 does it: StdEncoding (the `auth` field of
// config.json) and URLEncoding (the X-Registry-Auth header), both padded.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::cli::config {

enum class Base64Alphabet { kStd, kUrl };

std::string Base64Encode(std::string_view data, Base64Alphabet alphabet = Base64Alphabet::kStd);

// Decodes padded base64 in `alphabet`; unpadded input is accepted too.
// InvalidArgument on a character outside the alphabet or a bad length.
absl::StatusOr<std::string> Base64Decode(std::string_view text,
                                         Base64Alphabet alphabet = Base64Alphabet::kStd);

}  // namespace berth::cli::config
