#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/for_each.h"

namespace berth::cli {
namespace {

struct WaitOptions {
  std::vector<std::string> containers;
};

// Prints each container's exit code, one per line, as they exit in turn.
int Wait(WaitOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  return ForEachTarget(
      cli, o.containers,
      [&](const std::string& id) -> absl::Status {
        absl::StatusOr<nlohmann::json> r =
            (*api)->DoJson({.method = "POST", .path = "/containers/" + id + "/wait"});
        if (!r.ok()) return r.status();
        if (r->contains("Error") && (*r)["Error"].is_object() &&
            !(*r)["Error"].value("Message", "").empty()) {
          return absl::UnknownError((*r)["Error"]["Message"].get<std::string>());
        }
        std::fprintf(cli.out(), "%lld\n",
                     static_cast<long long>(r->value("StatusCode", int64_t{0})));
        std::fflush(cli.out());
        return absl::OkStatus();
      },
      /*print_names=*/false);
}

}  // namespace

CLI::App* AddWaitCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<WaitOptions>();
  CLI::App* sub = AddCommand<WaitOptions>(
      parent, cli, "wait", "Block until one or more containers stop, then print their exit codes",
      o, Wait);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("containers", o->containers, "Containers")->required();
  return sub;
}

}  // namespace berth::cli
