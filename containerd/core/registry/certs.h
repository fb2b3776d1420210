// Per-registry TLS settings in docker's certs.d layout (docker's
// registry.ReadCertsDirectory; containerd reads the same files from a
// hosts dir without hosts.toml):
//
//   <certs dir>/<host[:port]>/*.crt           CA certificates trusted for the
//                                             host, besides the system's
//   <certs dir>/<host[:port]>/NAME.cert + NAME.key
//                                             a client certificate and its
//                                             key, for registries that want
//                                             mutual TLS
//
// The host directory is named as the registry is in image references
// ("registry.lan:5000", "127.0.0.1:5000"). Other files are ignored, as
// docker does. Transport-free: files in, validated PEM out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::containerd::registry {

struct HostTls {
  std::string dir;                    // <certs dir>/<host>
  std::vector<std::string> ca_files;  // the *.crt files, in name order
  std::string ca_pem;                 // their certificates, PEM, concatenated
  // The client certificate and key files (both empty: none). With several
  // pairs, the first by name (every pair is checked).
  std::string client_cert;
  std::string client_key;
};

// `certs_dir`/`host`; empty when `certs_dir` is.
std::string HostCertsDir(const std::string& certs_dir, const std::string& host);
// Whether `certs_dir` has a directory for `host`: the host speaks TLS.
bool HasHostCertsDir(const std::string& certs_dir, const std::string& host);

// The TLS settings of `host` from `certs_dir`: nullopt when `certs_dir` is
// empty or has no directory for the host. FailedPrecondition naming the
// host and the file for a .crt that holds no certificate or a malformed
// one, a .cert without its .key or a .key without its .cert, a key that
// is encrypted or does not belong to its certificate, and a file that
// cannot be read.
absl::StatusOr<std::optional<HostTls>> LoadHostTls(const std::string& certs_dir,
                                                   const std::string& host);

}  // namespace berth::containerd::registry
