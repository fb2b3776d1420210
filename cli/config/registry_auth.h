// What the CLI sends berthd for registry operations (pull, push, create with
// pull): the X-Registry-Auth header, and which registry an image belongs to.
#pragma once

#include <string>
#include <string_view>

#include "cli/config/credentials.h"

namespace berth::cli::config {

// The X-Registry-Auth header value, as docker's registry.EncodeAuthConfig:
// base64url (URL-safe alphabet, padded) of the JSON
// {"username","password","serveraddress","identitytoken"}, empty fields
// omitted (no credentials at all -> base64url("{}") = "e30=").
std::string EncodeRegistryAuth(const AuthConfig& auth);

// The registry hostname an image reference belongs to, by docker's rule: the
// part before the first '/' is a registry when it contains '.' or ':', is
// "localhost", or has upper-case letters; otherwise the image is on Docker
// Hub ("docker.io", also for "index.docker.io/..."):
//   busybox -> docker.io, 127.0.0.1:5000/x:1 -> 127.0.0.1:5000,
//   localhost/x -> localhost, a.b/c -> a.b, user/app -> docker.io.
// Pure text: the reference is not validated (berthd does that).
std::string RegistryOfReference(std::string_view image_ref);

}  // namespace berth::cli::config
