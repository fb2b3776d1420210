#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/for_each.h"

namespace berth::cli {
namespace {

struct RmOptions {
  std::vector<std::string> containers;
  bool force = false;
  bool volumes = false;
  bool link = false;
};

int Rm(RmOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  return ForEachTarget(cli, o.containers, [&](const std::string& id) {
    client::Request r{.method = "DELETE", .path = "/containers/" + id};
    if (o.force) r.query.emplace_back("force", "1");
    if (o.volumes) r.query.emplace_back("v", "1");
    if (o.link) r.query.emplace_back("link", "1");
    return (*api)->Do(r).status();
  });
}

}  // namespace

CLI::App* AddRmCommand(CLI::App& parent, Cli& cli, const std::string& name) {
  auto o = std::make_shared<RmOptions>();
  CLI::App* sub = AddCommand<RmOptions>(parent, cli, name, "Remove one or more containers", o, Rm);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("containers", o->containers, "Containers")->required();
  sub->add_flag("-f,--force", o->force, "Force the removal of a running container (uses SIGKILL)");
  sub->add_flag("-v,--volumes", o->volumes,
                "Remove anonymous volumes associated with the container");
  sub->add_flag("-l,--link", o->link, "Remove the specified link");
  return sub;
}

}  // namespace berth::cli
