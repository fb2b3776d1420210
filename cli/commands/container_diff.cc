// berth diff CONTAINER: GET /containers/<id>/changes printed as docker
// does, one "C|A|D PATH" line each, in the daemon's order.
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"

namespace berth::cli {
namespace {

struct DiffOptions {
  std::string container;
};

int Diff(DiffOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  absl::StatusOr<nlohmann::json> changes =
      (*api)->GetJson("/containers/" + o.container + "/changes");
  if (!changes.ok()) return cli.Fail(changes.status());
  std::string text;
  if (changes->is_array()) {
    for (const nlohmann::json& c : *changes) {
      int kind = c.value("Kind", 0);
      text += kind == 1 ? 'A' : kind == 2 ? 'D' : 'C';
      text += " " + c.value("Path", "") + "\n";
    }
  }
  std::fputs(text.c_str(), cli.out());
  return 0;
}

}  // namespace

CLI::App* AddDiffCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* sub = AddCommand<DiffOptions>(
      parent, cli, "diff", "Inspect changes to files or directories on a container's filesystem", o,
      Diff);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("container", o->container, "Container")->required();
  return sub;
}

}  // namespace berth::cli
