// berth logout [SERVER]: the stored credentials for the registry erased
// from its credential helper and from config.json (Docker Hub by default).
#include "cli/commands/command.h"
#include "cli/commands/image_util.h"
#include "cli/commands/registry_commands.h"
#include "cli/config/credentials.h"

namespace berth::cli {
namespace {

struct LogoutOptions {
  std::string server;
};

int Logout(LogoutOptions& o, Cli& cli) {
  bool is_default = o.server.empty();
  std::string server = is_default ? config::kIndexServer : o.server;
  std::string hostname = is_default ? server : config::ConvertToHostname(server);
  absl::StatusOr<config::ConfigFile> file = LoadConfig(cli);
  if (!file.ok()) return cli.Fail(file.status());
  std::fprintf(cli.out(), "Removing login credentials for %s\n", hostname.c_str());
  // EraseCredentials also drops the legacy keys of the same host
  // ("https://host", "http://host", "host/v1/"), as docker tries them all.
  absl::Status erased = config::EraseCredentials(&*file, server);
  if (!erased.ok()) {
    std::fflush(cli.out());
    std::fprintf(cli.err(), "WARNING: could not erase credentials:\n%s: %s\n", server.c_str(),
                 std::string(erased.message()).c_str());
  }
  return 0;
}

}  // namespace

CLI::App* AddLogoutCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<LogoutOptions>();
  CLI::App* sub =
      AddCommand<LogoutOptions>(parent, cli, "logout", "Log out from a registry", o, Logout);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("server", o->server, "SERVER");
  return sub;
}

}  // namespace berth::cli
