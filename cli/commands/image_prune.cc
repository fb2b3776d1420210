// berth image prune: POST /images/prune, dangling images only unless -a.
#include "cli/commands/command.h"
#include "cli/commands/confirm.h"
#include "cli/commands/display.h"
#include "cli/commands/image_commands.h"
#include "common/human_units.h"

namespace berth::cli {
namespace {

struct ImagePruneOptions {
  bool all = false;
  bool force = false;
  std::vector<std::string> filters;
};

int ImagePrune(ImagePruneOptions& o, Cli& cli) {
  std::vector<std::string> filters = o.filters;
  filters.push_back(o.all ? "dangling=false" : "dangling=true");
  absl::StatusOr<std::string> filters_json = FiltersJson(filters);
  if (!filters_json.ok()) return cli.Fail(filters_json.status());
  std::string warning = o.all ? "WARNING! This will remove all images without at least one "
                                "container associated to them."
                              : "WARNING! This will remove all dangling images.";
  if (!o.force && !Confirm(cli, warning)) return 0;
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Request r{.method = "POST", .path = "/images/prune"};
  r.query.emplace_back("filters", *filters_json);
  absl::StatusOr<nlohmann::json> report = (*api)->DoJson(r);
  if (!report.ok()) return cli.Fail(report.status());
  double reclaimed = 0;
  const nlohmann::json& deleted = report->value("ImagesDeleted", nlohmann::json());
  if (deleted.is_array() && !deleted.empty()) {
    std::fprintf(cli.out(), "Deleted Images:\n");
    for (const nlohmann::json& d : deleted) {
      std::string untagged = d.value("Untagged", "");
      if (!untagged.empty()) {
        std::fprintf(cli.out(), "untagged: %s\n", untagged.c_str());
      } else {
        std::fprintf(cli.out(), "deleted: %s\n", d.value("Deleted", "").c_str());
      }
    }
    std::fprintf(cli.out(), "\n");
    reclaimed = report->value("SpaceReclaimed", 0.0);
  }
  std::fprintf(cli.out(), "Total reclaimed space: %s\n", HumanSize(reclaimed).c_str());
  return 0;
}

}  // namespace

CLI::App* AddImagePruneCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<ImagePruneOptions>();
  CLI::App* sub =
      AddCommand<ImagePruneOptions>(parent, cli, "prune", "Remove unused images", o, ImagePrune);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_flag("-a,--all", o->all, "Remove all unused images, not just dangling ones");
  sub->add_flag("-f,--force", o->force, "Do not prompt for confirmation");
  sub->add_option("--filter", o->filters, "Provide filter values (e.g. \"until=<timestamp>\")")
      ->allow_extra_args(false);
  return sub;
}

}  // namespace berth::cli
