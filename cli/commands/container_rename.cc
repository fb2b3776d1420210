#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct RenameOptions {
  std::string container;
  std::string name;
};

int Rename(RenameOptions& o, Cli& cli) {
  std::string name(TrimSpace(o.name));
  if (name.empty()) {
    return cli.Fail(absl::InvalidArgumentError("Error: neither old nor new names may be empty"));
  }
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  absl::Status s = (*api)
                       ->Do({.method = "POST",
                             .path = "/containers/" + o.container + "/rename",
                             .query = {{"name", name}}})
                       .status();
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddRenameCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<RenameOptions>();
  CLI::App* sub = AddCommand<RenameOptions>(parent, cli, "rename", "Rename a container", o, Rename);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("container", o->container, "Container")->required();
  sub->add_option("new_name", o->name, "New name")->required();
  return sub;
}

}  // namespace berth::cli
