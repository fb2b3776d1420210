// berth volume create | inspect | ls | rm | prune, as docker's
// cli/command/volume.
#include <algorithm>

#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/confirm.h"
#include "cli/commands/display.h"
#include "cli/commands/for_each.h"
#include "cli/commands/groups.h"
#include "cli/commands/inspect_printer.h"
#include "cli/commands/system_prune.h"
#include "cli/commands/system_util.h"
#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

// ---- create ----

struct CreateOptions {
  std::string name;       // positional
  std::string flag_name;  // --name (hidden, as docker's)
  std::string driver = "local";
  std::vector<std::string> opts;
  std::vector<std::string> labels;
};

// docker's ConvertKVStringsToMap: "k=v", or "k" for an empty value.
nlohmann::json KeyValues(const std::vector<std::string>& items) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& item : items) {
    auto [key, value] = SplitOnce(item, '=');
    out[std::string(key)] = value ? std::string(*value) : std::string();
  }
  return out;
}

int Create(CreateOptions& o, Cli& cli) {
  if (!o.name.empty() && !o.flag_name.empty()) {
    return cli.Fail(InvalidArgumentf(
        "conflicting options: cannot specify a volume-name through both --name and as a "
        "positional arg"));
  }
  std::string name = o.name.empty() ? o.flag_name : o.name;
  nlohmann::json driver_opts = nlohmann::json::object();
  for (const std::string& opt : o.opts) {
    auto [key, value] = SplitOnce(opt, '=');
    if (!value) {
      return cli.Fail(
          InvalidArgumentf("invalid argument \"{}\" for \"-o, --opt\" flag: "
                           "bad format for opts: {}",
                           opt, opt));
    }
    driver_opts[std::string(key)] = std::string(*value);
  }
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  nlohmann::json body = {{"Name", name},
                         {"Driver", o.driver},
                         {"DriverOpts", driver_opts},
                         {"Labels", KeyValues(o.labels)}};
  absl::StatusOr<nlohmann::json> created =
      (*api)->DoJson({.method = "POST", .path = "/volumes/create", .json = body});
  if (!created.ok()) return cli.Fail(created.status());
  std::fprintf(cli.out(), "%s\n", created->value("Name", "").c_str());
  return 0;
}

// ---- inspect ----

struct InspectOptions {
  std::vector<std::string> names;
  std::string format;
};

int Inspect(InspectOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  std::vector<std::string> found;
  std::vector<absl::Status> errors;
  for (const std::string& name : o.names) {
    absl::StatusOr<client::Response> got = (*api)->Do({.path = "/volumes/" + name});
    if (!got.ok()) {
      if (!client::IsDaemonError(got.status())) return cli.Fail(got.status());
      errors.push_back(got.status());
      continue;
    }
    found.push_back(got->body);
  }
  if (absl::Status s = PrintInspected(cli, found, o.format); !s.ok()) return cli.Fail(s);
  if (errors.empty()) return 0;
  std::fflush(cli.out());
  for (const absl::Status& s : errors) {
    std::fprintf(cli.err(), "%s\n", client::ErrorLine(s).c_str());
  }
  cli.set_exit_code(1);
  return 1;
}

// ---- ls ----

struct ListOptions {
  bool quiet = false;
  std::string format;
  std::vector<std::string> filters;
};

std::string SortedLabels(const nlohmann::json& labels) {
  std::vector<std::string> parts;
  if (labels.is_object()) {
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      parts.push_back(it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump()));
    }
  }
  std::sort(parts.begin(), parts.end());
  return Join(parts, ",");
}

int List(ListOptions& o, Cli& cli) {
  absl::StatusOr<std::string> filters = FiltersJson(o.filters);
  if (!filters.ok()) return cli.Fail(filters.status());
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Query query;
  if (!filters->empty()) query.emplace_back("filters", *filters);
  absl::StatusOr<nlohmann::json> list = (*api)->GetJson("/volumes", query);
  if (!list.ok()) return cli.Fail(list.status());
  std::vector<nlohmann::json> volumes;
  if (list->contains("Volumes") && (*list)["Volumes"].is_array()) {
    volumes = (*list)["Volumes"].get<std::vector<nlohmann::json>>();
  }
  std::sort(volumes.begin(), volumes.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return NaturalLess(a.value("Name", ""), b.value("Name", ""));
  });
  std::vector<nlohmann::json> rows, labels;
  for (const nlohmann::json& v : volumes) {
    const nlohmann::json usage = v.value("UsageData", nlohmann::json());
    bool has_usage = usage.is_object();
    nlohmann::json v_labels = v.value("Labels", nlohmann::json::object());
    rows.push_back(
        {{"Name", v.value("Name", "")},
         {"Driver", v.value("Driver", "")},
         {"Scope", v.value("Scope", "")},
         {"Mountpoint", v.value("Mountpoint", "")},
         {"Labels", SortedLabels(v_labels)},
         {"Links", has_usage ? std::to_string(usage.value("RefCount", int64_t{0})) : "N/A"},
         {"Size", has_usage ? HumanSize(usage.value("Size", 0.0)) : "N/A"},
         {"Group", "N/A"},
         {"Availability", "N/A"},
         {"Status", "N/A"}});
    labels.push_back(v_labels.is_object() ? v_labels : nlohmann::json::object());
  }
  static const nlohmann::json headers = {{"ID", "ID"},
                                         {"Name", "VOLUME NAME"},
                                         {"Group", "GROUP"},
                                         {"Driver", "DRIVER"},
                                         {"Scope", "SCOPE"},
                                         {"Availability", "AVAILABILITY"},
                                         {"Mountpoint", "MOUNTPOINT"},
                                         {"Labels", "LABELS"},
                                         {"Links", "LINKS"},
                                         {"Size", "SIZE"},
                                         {"Status", "STATUS"}};
  std::string format = o.format;
  if (format.empty() || format == "table") {
    format = o.quiet ? "{{.Name}}" : "table {{.Driver}}\t{{.Name}}";
  } else if (format == "raw") {
    format = o.quiet ? "name: {{.Name}}" : "name: {{.Name}}\ndriver: {{.Driver}}\n";
  }
  absl::Status s =
      PrintRows(cli, format, "table {{.Driver}}\t{{.Name}}", headers, rows, labels, "Name");
  return s.ok() ? 0 : cli.Fail(s);
}

// ---- rm ----

struct RemoveOptions {
  std::vector<std::string> names;
  bool force = false;
};

int Remove(RemoveOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  return ForEachTarget(cli, o.names, [&](const std::string& name) {
    client::Request r{.method = "DELETE", .path = "/volumes/" + name};
    if (o.force) r.query.emplace_back("force", "1");
    return (*api)->Do(r).status();
  });
}

// ---- prune ----

struct PruneOptions {
  bool all = false;
  bool force = false;
  std::vector<std::string> filters;
};

int Prune(PruneOptions& o, Cli& cli) {
  absl::StatusOr<PruneResult> result = PruneVolumes(cli, o.filters, o.all, o.force);
  if (!result.ok()) return cli.Fail(result.status());
  if (result->cancelled) return 0;
  if (!result->output.empty()) std::fprintf(cli.out(), "%s\n", result->output.c_str());
  std::fprintf(cli.out(), "Total reclaimed space: %s\n",
               HumanSize(static_cast<double>(result->space_reclaimed)).c_str());
  return 0;
}

}  // namespace

absl::StatusOr<PruneResult> PruneVolumes(Cli& cli, const std::vector<std::string>& filter_flags,
                                         bool all, bool force) {
  absl::StatusOr<std::string> filters_text = FiltersJson(filter_flags);
  if (!filters_text.ok()) return filters_text.status();
  nlohmann::json filters =
      filters_text->empty() ? nlohmann::json::object() : nlohmann::json::parse(*filters_text);
  std::string warning =
      "WARNING! This will remove anonymous local volumes not used by at least one container.";
  if (all) {
    if (filters.contains("all")) {
      return InvalidArgumentf("conflicting options: cannot specify both --all and --filter all=1");
    }
    filters["all"]["true"] = true;
    warning = "WARNING! This will remove all local volumes not used by at least one container.";
  }
  PruneResult result;
  if (!force && !Confirm(cli, warning)) {
    result.cancelled = true;
    return result;
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  client::Request r{.method = "POST", .path = "/volumes/prune"};
  if (!filters.empty()) r.query.emplace_back("filters", filters.dump());
  BERTH_ASSIGN_OR_RETURN(nlohmann::json report, api->DoJson(r));
  const nlohmann::json deleted = report.value("VolumesDeleted", nlohmann::json());
  if (deleted.is_array() && !deleted.empty()) {
    result.output = "Deleted Volumes:\n";
    for (const nlohmann::json& name : deleted) result.output += name.get<std::string>() + "\n";
    result.space_reclaimed = report.value("SpaceReclaimed", uint64_t{0});
  }
  return result;
}

void AddVolumeCommands(CLI::App& root, Cli& cli) {
  CLI::App* group = AddGroup(root, cli, "volume", "Manage volumes");

  auto create = std::make_shared<CreateOptions>();
  CLI::App* sub =
      AddCommand<CreateOptions>(*group, cli, "create", "Create a volume", create, Create);
  if (cli.Builds(*sub)) {
    sub->add_option("volume", create->name, "Volume name");
    sub->add_option("--name", create->flag_name, "Specify volume name")->group("");
    sub->add_option("-d,--driver", create->driver, "Specify volume driver name")
        ->capture_default_str();
    sub->add_option("-o,--opt", create->opts, "Set driver specific options");
    sub->add_option("--label", create->labels, "Set metadata for a volume");
  }

  auto inspect = std::make_shared<InspectOptions>();
  sub = AddCommand<InspectOptions>(*group, cli, "inspect",
                                   "Display detailed information on one or more volumes", inspect,
                                   Inspect);
  if (cli.Builds(*sub)) {
    sub->add_option("volumes", inspect->names, "Volumes")->required();
    sub->add_option("-f,--format", inspect->format, "Format output using a custom template");
  }

  auto list = std::make_shared<ListOptions>();
  sub = AddCommand<ListOptions>(*group, cli, "ls", "List volumes", list, List, {"list"});
  if (cli.Builds(*sub)) {
    sub->add_flag("-q,--quiet", list->quiet, "Only display volume names");
    sub->add_option("--format", list->format,
                    "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or "
                    "a Go template");
    sub->add_option("-f,--filter", list->filters, "Provide filter values (e.g. \"dangling=true\")");
  }

  auto remove = std::make_shared<RemoveOptions>();
  sub = AddCommand<RemoveOptions>(*group, cli, "rm", "Remove one or more volumes", remove, Remove,
                                  {"remove"});
  if (cli.Builds(*sub)) {
    sub->add_option("volumes", remove->names, "Volumes")->required();
    sub->add_flag("-f,--force", remove->force, "Force the removal of one or more volumes");
  }

  auto prune = std::make_shared<PruneOptions>();
  sub = AddCommand<PruneOptions>(*group, cli, "prune", "Remove unused local volumes", prune, Prune);
  if (cli.Builds(*sub)) {
    sub->add_flag("-a,--all", prune->all, "Remove all unused volumes, not just anonymous ones");
    sub->add_flag("-f,--force", prune->force, "Do not prompt for confirmation");
    sub->add_option("--filter", prune->filters, "Provide filter values (e.g. \"label=<label>\")");
  }
}

}  // namespace berth::cli
