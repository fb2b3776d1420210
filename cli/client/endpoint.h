// Where berthd listens, as `-H`, BERTH_HOST or a context give it:
// unix:///run/berth/berth.sock, tcp://host:2376 (TLS), or a bare socket path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::cli::client {

inline constexpr char kDefaultHost[] = "unix:///run/berth/berth.sock";

struct TlsOptions {
  bool enabled = false;
  bool verify = true;  // --tlsverify: check the daemon's certificate against ca
  std::string ca;      // PEM files; empty: the system's trust store / none
  std::string cert;
  std::string key;
};

struct Endpoint {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix
  std::string host;  // kTcp
  uint16_t port = 0;
  TlsOptions tls;

  // The form it was given in, for messages: "unix:///run/berth/berth.sock".
  std::string ToString() const;
};

// "unix:///path", "tcp://host:port" (port defaults to 2376 with TLS, 2375
// without), "/path". Anything else is an InvalidArgument naming the value.
absl::StatusOr<Endpoint> ParseHost(std::string_view host, const TlsOptions& tls = {});

}  // namespace berth::cli::client
