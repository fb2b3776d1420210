#include "tests/testutil/registry_process.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

bool Accepting(int port) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = Loopback(port);
  return ::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

}  // namespace

absl::StatusOr<int> FreeLoopbackPort() {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) return ErrnoErrorf(errno, "socket");
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return ErrnoErrorf(errno, "bind a free port on 127.0.0.1");
  }
  return ntohs(addr.sin_port);
}

absl::StatusOr<RegistryProcess> StartRegistry(const std::string& dir,
                                              const std::string& auth_config,
                                              const std::optional<RegistryTls>& tls) {
  RegistryProcess registry;
  BERTH_ASSIGN_OR_RETURN(registry.port, FreeLoopbackPort());
  std::string config = fmt::format(R"(version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {}/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{}
)",
                                   dir, registry.port);
  if (tls) {
    config += fmt::format("  tls:\n    certificate: {}\n    key: {}\n", tls->certificate, tls->key);
    if (!tls->client_cas.empty()) {
      config += "    clientcas:\n";
      for (const std::string& ca : tls->client_cas) config += fmt::format("      - {}\n", ca);
    }
  }
  config += auth_config;
  BERTH_RETURN_IF_ERROR(MkdirAll(dir, 0700));
  BERTH_RETURN_IF_ERROR(WriteFile(dir + "/config.yml", config));
  SpawnOptions o;
  o.argv = {kRegistryBinary, "serve", dir + "/config.yml"};
  o.env = std::vector<std::string>{"PATH=/usr/bin:/bin"};
  BERTH_ASSIGN_OR_RETURN(registry.pid, Spawn(o));
  for (int i = 0; i < 200 && !Accepting(registry.port); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!Accepting(registry.port)) {
    return absl::UnavailableError(
        fmt::format("docker-registry did not start on 127.0.0.1:{}", registry.port));
  }
  return registry;
}

}  // namespace berth::testing
