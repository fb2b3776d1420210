// berth system prune: docker's question listing what goes, then each
// pruner in docker's order, their reports, and the total reclaimed.
#include "cli/commands/system_prune.h"

#include <algorithm>

#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/confirm.h"
#include "cli/commands/display.h"
#include "cli/commands/system_commands.h"
#include "cli/commands/system_util.h"
#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct SystemPruneOptions {
  bool force = false;
  bool all = false;
  bool volumes = false;
  std::vector<std::string> filters;
};

absl::StatusOr<nlohmann::json> FiltersObject(const std::vector<std::string>& flags) {
  BERTH_ASSIGN_OR_RETURN(std::string text, FiltersJson(flags));
  return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
}

// One POST /<what>/prune; a daemon without the endpoint (404) counts as
// docker's NotImplemented: nothing pruned.
absl::StatusOr<std::optional<nlohmann::json>> PostPrune(client::EngineClient& api,
                                                        const std::string& path,
                                                        const nlohmann::json& filters,
                                                        const client::Query& extra = {}) {
  client::Request r{.method = "POST", .path = path, .query = extra};
  if (!filters.empty()) r.query.emplace_back("filters", filters.dump());
  absl::StatusOr<nlohmann::json> report = api.DoJson(r);
  if (!report.ok() && client::IsDaemonError(report.status()) &&
      (report.status().code() == absl::StatusCode::kNotFound ||
       report.status().code() == absl::StatusCode::kUnimplemented)) {
    return std::optional<nlohmann::json>();
  }
  if (!report.ok()) return report.status();
  return std::optional<nlohmann::json>(std::move(*report));
}

std::string IdList(const char* title, const nlohmann::json& ids) {
  if (!ids.is_array() || ids.empty()) return "";
  std::string out = std::string(title) + "\n";
  for (const nlohmann::json& id : ids) out += (id.is_string() ? id.get<std::string>() : "") + "\n";
  return out;
}

int SystemPrune(SystemPruneOptions& o, Cli& cli) {
  absl::StatusOr<nlohmann::json> filters = FiltersObject(o.filters);
  if (!filters.ok()) return cli.Fail(filters.status());
  if (o.volumes && filters->contains("until")) {
    return cli.Fail(
        InvalidArgumentf("ERROR: The \"until\" filter is not supported with \"--volumes\""));
  }
  if (!o.force && !Confirm(cli, SystemPruneWarning(o.all, o.volumes, o.filters))) return 0;
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  uint64_t reclaimed = 0;
  auto print = [&](const std::string& output) {
    if (!output.empty()) std::fprintf(cli.out(), "%s\n", output.c_str());
  };

  absl::StatusOr<std::optional<nlohmann::json>> containers =
      PostPrune(**api, "/containers/prune", *filters);
  if (!containers.ok()) return cli.Fail(containers.status());
  if (*containers) {
    std::string out =
        IdList("Deleted Containers:", (*containers)->value("ContainersDeleted", nlohmann::json()));
    if (!out.empty()) reclaimed += (*containers)->value("SpaceReclaimed", uint64_t{0});
    print(out);
  }

  absl::StatusOr<std::optional<nlohmann::json>> networks =
      PostPrune(**api, "/networks/prune", *filters);
  if (!networks.ok()) return cli.Fail(networks.status());
  if (*networks)
    print(IdList("Deleted Networks:", (*networks)->value("NetworksDeleted", nlohmann::json())));

  if (o.volumes) {
    absl::StatusOr<PruneResult> volumes = PruneVolumes(cli, o.filters, false, true);
    if (!volumes.ok()) return cli.Fail(volumes.status());
    reclaimed += volumes->space_reclaimed;
    print(volumes->output);
  }

  nlohmann::json image_filters = *filters;
  image_filters["dangling"][o.all ? "false" : "true"] = true;
  absl::StatusOr<std::optional<nlohmann::json>> images =
      PostPrune(**api, "/images/prune", image_filters);
  if (!images.ok()) return cli.Fail(images.status());
  if (*images) {
    std::string out;
    const nlohmann::json deleted = (*images)->value("ImagesDeleted", nlohmann::json());
    if (deleted.is_array() && !deleted.empty()) {
      out = "Deleted Images:\n";
      for (const nlohmann::json& item : deleted) {
        std::string untagged = item.value("Untagged", "");
        out += untagged.empty() ? "deleted: " + item.value("Deleted", "") + "\n"
                                : "untagged: " + untagged + "\n";
      }
    }
    reclaimed += (*images)->value("SpaceReclaimed", uint64_t{0});
    print(out);
  }

  client::Query build_query;
  if (o.all) build_query.emplace_back("all", "1");
  absl::StatusOr<std::optional<nlohmann::json>> build =
      PostPrune(**api, "/build/prune", *filters, build_query);
  if (!build.ok()) return cli.Fail(build.status());
  if (*build) {
    reclaimed += (*build)->value("SpaceReclaimed", uint64_t{0});
    print(
        IdList("Deleted build cache objects:", (*build)->value("CachesDeleted", nlohmann::json())));
  }

  std::fprintf(cli.out(), "Total reclaimed space: %s\n",
               HumanSize(static_cast<double>(reclaimed)).c_str());
  return 0;
}

}  // namespace

std::string SystemPruneWarning(bool all, bool volumes, const std::vector<std::string>& filters) {
  std::vector<std::string> warnings = {"all stopped containers",
                                       "all networks not used by at least one container"};
  if (volumes) warnings.push_back("all anonymous volumes not used by at least one container");
  warnings.push_back(all ? "all images without at least one container associated to them"
                         : "all dangling images");
  warnings.push_back(all ? "all build cache" : "unused build cache");
  std::vector<std::string> shown;
  for (const std::string& f : filters) {
    auto [key, value] = SplitOnce(f, '=');
    std::string k(TrimSpace(key));
    if (value && (k == "label" || k == "label!" || k == "until")) {
      shown.push_back(k + "=" + std::string(*value));
    }
  }
  std::sort(shown.begin(), shown.end(),
            [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
  shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
  std::string out = "WARNING! This will remove:";
  for (const std::string& w : warnings) out += "\n  - " + w;
  out += "\n";
  if (!shown.empty()) {
    out += "\n  Items to be pruned will be filtered with:";
    for (const std::string& f : shown) out += "\n  - " + f;
    out += "\n";
  }
  return out;
}

CLI::App* AddSystemPruneCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<SystemPruneOptions>();
  CLI::App* sub =
      AddCommand<SystemPruneOptions>(parent, cli, "prune", "Remove unused data", o, SystemPrune);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_flag("-a,--all", o->all, "Remove all unused images not just dangling ones");
  sub->add_flag("-f,--force", o->force, "Do not prompt for confirmation");
  sub->add_flag("--volumes", o->volumes, "Prune anonymous volumes");
  sub->add_option("--filter", o->filters, "Provide filter values (e.g. \"label=<key>=<value>\")");
  return sub;
}

}  // namespace berth::cli
