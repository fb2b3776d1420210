#include "cli/commands/command.h"
#include "cli/commands/confirm.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/display.h"
#include "common/human_units.h"

namespace berth::cli {
namespace {

struct PruneOptions {
  bool force = false;
  std::vector<std::string> filters;
};

int Prune(PruneOptions& o, Cli& cli) {
  absl::StatusOr<std::string> filters = FiltersJson(o.filters);
  if (!filters.ok()) return cli.Fail(filters.status());
  if (!o.force && !Confirm(cli, "WARNING! This will remove all stopped containers.")) return 0;
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Request r{.method = "POST", .path = "/containers/prune"};
  if (!filters->empty()) r.query.emplace_back("filters", *filters);
  absl::StatusOr<nlohmann::json> report = (*api)->DoJson(r);
  if (!report.ok()) return cli.Fail(report.status());
  const nlohmann::json& deleted = report->value("ContainersDeleted", nlohmann::json());
  if (deleted.is_array() && !deleted.empty()) {
    std::fprintf(cli.out(), "Deleted Containers:\n");
    for (const nlohmann::json& id : deleted) {
      std::fprintf(cli.out(), "%s\n", id.get<std::string>().c_str());
    }
    std::fprintf(cli.out(), "\n");
  }
  std::fprintf(cli.out(), "Total reclaimed space: %s\n",
               HumanSize(report->value("SpaceReclaimed", 0.0)).c_str());
  return 0;
}

}  // namespace

CLI::App* AddContainerPruneCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<PruneOptions>();
  CLI::App* sub =
      AddCommand<PruneOptions>(parent, cli, "prune", "Remove all stopped containers", o, Prune);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_flag("-f,--force", o->force, "Do not prompt for confirmation");
  sub->add_option("--filter", o->filters, "Provide filter values (e.g. \"until=<timestamp>\")");
  return sub;
}

}  // namespace berth::cli
