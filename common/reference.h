// Image references with docker's grammar and normalization
// (distribution/reference: ParseNormalizedNamed + TagNameOnly):
//   busybox                    -> docker.io/library/busybox:latest
//   localhost:5000/a/b@sha256:.. -> localhost:5000/a/b@sha256:..
// Only sha256 digests are accepted, as the content store holds no others.
// Shared by berth-containerd (its registry client) and berthd (image names):
// pure text, no I/O.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth {

inline constexpr char kDefaultDomain[] = "docker.io";
inline constexpr char kDefaultTag[] = "latest";

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty only when a digest is given without a tag
  std::string digest;  // "sha256:<64 hex>"; empty unless "@sha256:..." was given

  // InvalidArgument naming the text and the problem ("repository name must
  // be lowercase", "invalid tag", ...).
  static absl::StatusOr<Reference> Parse(std::string_view text);

  // "domain/path"
  std::string Name() const { return domain + "/" + path; }
  // The canonical form: "docker.io/library/busybox:latest", "...@sha256:..".
  std::string String() const;
  // The short form docker prints: "busybox:latest", "user/app:1", others
  // as String().
  std::string Familiar() const;
  // What the manifest is fetched by: the digest when there is one, else the tag.
  std::string Object() const { return digest.empty() ? tag : digest; }
  // The host to talk to: docker.io is served by registry-1.docker.io.
  std::string RegistryHost() const;

  friend bool operator==(const Reference&, const Reference&) = default;
};

// Whether `text` is "sha256:" and 64 lowercase hex digits.
bool IsSha256Digest(std::string_view text);

// The registry host for a reference domain (docker.io -> registry-1.docker.io).
std::string RegistryHostFor(std::string_view domain);

}  // namespace berth
