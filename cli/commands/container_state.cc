// stop, restart, kill, pause, unpause: one POST per container.
#include <memory>

#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/for_each.h"
#include "common/status.h"

namespace berth::cli {
namespace {

struct StateOptions {
  std::vector<std::string> containers;
  std::optional<int> time;
  std::string signal;
};

// Adds `name`, which POSTs /containers/<id>/<action> for each container.
CLI::App* AddStateCommand(CLI::App& parent, Cli& cli, const std::string& name,
                          const std::string& description, const std::string& action, bool has_time,
                          bool has_signal, const std::string& default_signal) {
  auto o = std::make_shared<StateOptions>();
  o->signal = default_signal;
  CLI::App* sub = AddCommand<StateOptions>(
      parent, cli, name, description, o, [action](StateOptions& opts, Cli& c) {
        absl::StatusOr<client::EngineClient*> api = c.Client();
        if (!api.ok()) return c.Fail(api.status());
        return ForEachTarget(c, opts.containers, [&](const std::string& id) {
          client::Request r{.method = "POST", .path = "/containers/" + id + "/" + action};
          if (opts.time) r.query.emplace_back("t", std::to_string(*opts.time));
          if (!opts.signal.empty()) r.query.emplace_back("signal", opts.signal);
          return (*api)->Do(r).status();
        });
      });
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("containers", o->containers, "Containers")->required();
  if (has_time) {
    sub->add_option("-t,--timeout", o->time, "Seconds to wait before killing the container");
    // docker 28's name; --time, the old one, still works there, unlisted.
    sub->add_option("--time", o->time, "Seconds to wait before killing the container")->group("");
  }
  if (has_signal) {
    sub->add_option("-s,--signal", o->signal,
                    has_time ? "Signal to send to the container"
                             : "Signal to send to the container (default \"KILL\")");
  }
  return sub;
}

}  // namespace

CLI::App* AddStopCommand(CLI::App& parent, Cli& cli) {
  return AddStateCommand(parent, cli, "stop", "Stop one or more running containers", "stop", true,
                         true, "");
}
CLI::App* AddRestartCommand(CLI::App& parent, Cli& cli) {
  return AddStateCommand(parent, cli, "restart", "Restart one or more containers", "restart", true,
                         true, "");
}
CLI::App* AddKillCommand(CLI::App& parent, Cli& cli) {
  return AddStateCommand(parent, cli, "kill", "Kill one or more running containers", "kill", false,
                         true, "");
}
CLI::App* AddPauseCommand(CLI::App& parent, Cli& cli) {
  return AddStateCommand(parent, cli, "pause", "Pause all processes within one or more containers",
                         "pause", false, false, "");
}
CLI::App* AddUnpauseCommand(CLI::App& parent, Cli& cli) {
  return AddStateCommand(parent, cli, "unpause",
                         "Unpause all processes within one or more containers", "unpause", false,
                         false, "");
}

}  // namespace berth::cli
