// TLS over TCP for berthd's -H tcp://... with --tlsverify: a listener
// whose connections do their handshake in their own thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engined/http/listener.h"

namespace berth::engined::http {

struct TlsFiles {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
  std::string ca_file;    // when set, clients must present a cert it signed
};

// Binds host:port (port 0 picks one; *bound_port reports it).
absl::StatusOr<std::unique_ptr<Listener>> CreateTlsListener(boost::asio::io_context& io,
                                                            const std::string& host, int port,
                                                            const TlsFiles& files, int* bound_port);

}  // namespace berth::engined::http
