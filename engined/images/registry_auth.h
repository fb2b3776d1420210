// docker's X-Registry-Auth header: base64url JSON {username, password,
// serveraddress, identitytoken} (AuthConfig), into the Images service's
// RegistryAuth.
#pragma once

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "engined/containerd_client/containerd_client.h"

namespace berth::engined::images {

// nullopt for an empty header or one without credentials ("{}", as the
// CLI sends for anonymous pulls); InvalidArgument when it does not decode.
absl::StatusOr<std::optional<ctrpb::RegistryAuth>> DecodeRegistryAuth(std::string_view header);

// Base64 in either alphabet (std or url), padding optional.
absl::StatusOr<std::string> DecodeBase64Any(std::string_view text);

}  // namespace berth::engined::images
