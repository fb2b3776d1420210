// Opening a Connection to an Endpoint: a unix socket, plain TCP, or TLS
// over TCP (OpenSSL, with the CA / client certificate of TlsOptions).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "cli/client/connection.h"
#include "cli/client/endpoint.h"

namespace berth::cli::client {

// Errors are Unavailable and name the endpoint and the failing call.
absl::StatusOr<std::unique_ptr<Connection>> DialEndpoint(const Endpoint& endpoint);

}  // namespace berth::cli::client
