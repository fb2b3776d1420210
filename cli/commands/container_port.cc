// berth port: a container's published ports, from inspect's
// NetworkSettings.Ports (docker port).
#include <algorithm>

#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct PortOptions {
  std::string container;
  std::string port;  // PRIVATE_PORT[/PROTO]
};

// Go's net.JoinHostPort: IPv6 addresses in brackets.
std::string JoinHostPort(const std::string& host, const std::string& port) {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

std::string Frontend(const nlohmann::json& binding) {
  return JoinHostPort(binding.value("HostIp", ""), binding.value("HostPort", ""));
}

int Port(PortOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  absl::StatusOr<nlohmann::json> c = (*api)->GetJson("/containers/" + o.container + "/json");
  if (!c.ok()) return cli.Fail(c.status());
  nlohmann::json ports = nlohmann::json::object();
  if (auto ns = c->find("NetworkSettings"); ns != c->end() && ns->is_object()) {
    ports = ns->value("Ports", nlohmann::json::object());
  }
  if (!ports.is_object()) ports = nlohmann::json::object();
  std::vector<std::string> out;
  if (!o.port.empty()) {
    auto [port, proto] = SplitOnce(o.port, '/');
    std::string protocol = proto && !proto->empty() ? std::string(*proto) : "tcp";
    std::optional<uint64_t> number = ParseUint64(port);
    if (!number || *number > 65535) {
      return cli.Fail(
          InvalidArgumentf("Error: invalid port ({}): strconv.ParseUint: parsing "
                           "\"{}\": invalid syntax",
                           port, port));
    }
    auto it = ports.find(std::string(port) + "/" + protocol);
    if (it == ports.end() || !it->is_array()) {
      return cli.Fail(absl::NotFoundError(
          fmt::format("Error: No public port '{}' published for {}", o.port, o.container)));
    }
    for (const nlohmann::json& binding : *it) out.push_back(Frontend(binding));
  } else {
    for (const auto& [from, bindings] : ports.items()) {
      if (!bindings.is_array()) continue;
      for (const nlohmann::json& binding : bindings) {
        out.push_back(from + " -> " + Frontend(binding));
      }
    }
  }
  std::sort(out.begin(), out.end());
  for (const std::string& line : out) std::fprintf(cli.out(), "%s\n", line.c_str());
  return 0;
}

}  // namespace

CLI::App* AddPortCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<PortOptions>();
  CLI::App* sub = AddCommand<PortOptions>(
      parent, cli, "port", "List port mappings or a specific mapping for the container", o, Port);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("container", o->container, "Container")->required();
  sub->add_option("port", o->port, "PRIVATE_PORT[/PROTO]");
  return sub;
}

}  // namespace berth::cli
