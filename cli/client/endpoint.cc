#include "cli/client/endpoint.h"

#include "common/status.h"
#include "common/strings.h"

namespace berth::cli::client {

std::string Endpoint::ToString() const {
  if (kind == Kind::kUnix) return "unix://" + path;
  return fmt::format("tcp://{}:{}", host, port);
}

absl::StatusOr<Endpoint> ParseHost(std::string_view host, const TlsOptions& tls) {
  Endpoint e;
  e.tls = tls;
  std::string_view rest = host;
  if (rest.starts_with("unix://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("tcp://") || rest.starts_with("http://") ||
             rest.starts_with("https://")) {
    if (rest.starts_with("https://")) e.tls.enabled = true;
    rest.remove_prefix(rest.find("://") + 3);
    if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
      if (rest.substr(slash) != "/") {
        return InvalidArgumentf("invalid host {:?}: a path is not supported", host);
      }
      rest = rest.substr(0, slash);
    }
    e.kind = Endpoint::Kind::kTcp;
    uint16_t default_port = e.tls.enabled ? 2376 : 2375;
    size_t colon = rest.rfind(':');
    bool bracketed = rest.starts_with('[');
    if (colon == std::string_view::npos || (bracketed && rest.back() == ']')) {
      e.host = std::string(rest);
      e.port = default_port;
    } else {
      e.host = std::string(rest.substr(0, colon));
      std::optional<uint64_t> port = ParseUint64(rest.substr(colon + 1));
      if (!port || *port == 0 || *port > 65535) {
        return InvalidArgumentf("invalid host {:?}: bad port", host);
      }
      e.port = static_cast<uint16_t>(*port);
    }
    if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') {
      e.host = e.host.substr(1, e.host.size() - 2);
    }
    if (e.host.empty()) e.host = "localhost";
    return e;
  } else if (!rest.starts_with('/')) {
    return InvalidArgumentf(
        "invalid host {:?}: expected unix:///path/to/socket, tcp://host:port or an absolute "
        "socket path",
        host);
  }
  if (rest.empty()) return InvalidArgumentf("invalid host {:?}: no socket path", host);
  e.kind = Endpoint::Kind::kUnix;
  e.path = std::string(rest);
  return e;
}

}  // namespace berth::cli::client
