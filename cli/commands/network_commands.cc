// berth network ls | inspect | rm | prune | create | connect | disconnect,
// as docker's cli/command/network. berthd has only the predefined networks
// yet, so create, connect and disconnect report the daemon's refusal.
#include <algorithm>

#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/confirm.h"
#include "cli/commands/display.h"
#include "cli/commands/for_each.h"
#include "cli/commands/groups.h"
#include "cli/commands/inspect_printer.h"
#include "cli/commands/system_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

// ---- ls ----

struct ListOptions {
  bool quiet = false;
  bool no_trunc = false;
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
  absl::StatusOr<nlohmann::json> list = (*api)->GetJson("/networks", query);
  if (!list.ok()) return cli.Fail(list.status());
  std::vector<nlohmann::json> networks;
  if (list->is_array()) networks = list->get<std::vector<nlohmann::json>>();
  std::sort(networks.begin(), networks.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return NaturalLess(a.value("Name", ""), b.value("Name", ""));
  });
  std::vector<nlohmann::json> rows, labels;
  for (const nlohmann::json& n : networks) {
    std::string id = n.value("Id", "");
    nlohmann::json n_labels = n.value("Labels", nlohmann::json::object());
    if (!n_labels.is_object()) n_labels = nlohmann::json::object();
    int64_t created = ParseRfc3339(n.value("Created", ""));
    rows.push_back({{"ID", o.no_trunc ? id : id.substr(0, 12)},
                    {"Name", n.value("Name", "")},
                    {"Driver", n.value("Driver", "")},
                    {"Scope", n.value("Scope", "")},
                    {"IPv6", n.value("EnableIPv6", false) ? "true" : "false"},
                    {"Internal", n.value("Internal", false) ? "true" : "false"},
                    {"Labels", SortedLabels(n_labels)},
                    {"CreatedAt", created > 0 ? GoTime(created) : ""}});
    labels.push_back(n_labels);
  }
  static const nlohmann::json headers = {{"ID", "NETWORK ID"}, {"Name", "NAME"},
                                         {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
                                         {"IPv6", "IPV6"},     {"Internal", "INTERNAL"},
                                         {"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"}};
  constexpr char kDefault[] = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
  std::string format = o.format;
  if (format.empty() || format == "table") {
    format = o.quiet ? "{{.ID}}" : kDefault;
  } else if (format == "raw") {
    format = o.quiet ? "network_id: {{.ID}}"
                     : "network_id: {{.ID}}\nname: {{.Name}}\ndriver: {{.Driver}}\nscope: "
                       "{{.Scope}}\n";
  }
  absl::Status s = PrintRows(cli, format, kDefault, headers, rows, labels, "ID");
  return s.ok() ? 0 : cli.Fail(s);
}

// ---- inspect ----

struct InspectOptions {
  std::vector<std::string> names;
  std::string format;
  bool verbose = false;
};

int Inspect(InspectOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  std::vector<std::string> found;
  std::vector<absl::Status> errors;
  for (const std::string& name : o.names) {
    client::Request r{.path = "/networks/" + name};
    if (o.verbose) r.query.emplace_back("verbose", "true");
    absl::StatusOr<client::Response> got = (*api)->Do(r);
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

// ---- rm ----

struct RemoveOptions {
  std::vector<std::string> names;
  bool force = false;
};

int Remove(RemoveOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  return ForEachTarget(cli, o.names, [&](const std::string& name) {
    absl::Status s = (*api)->Do({.method = "DELETE", .path = "/networks/" + name}).status();
    // --force: a network that is not there is not an error.
    if (o.force && absl::IsNotFound(s)) return absl::OkStatus();
    return s;
  });
}

// ---- prune ----

struct PruneOptions {
  bool force = false;
  std::vector<std::string> filters;
};

int Prune(PruneOptions& o, Cli& cli) {
  absl::StatusOr<std::string> filters = FiltersJson(o.filters);
  if (!filters.ok()) return cli.Fail(filters.status());
  if (!o.force &&
      !Confirm(
          cli,
          "WARNING! This will remove all custom networks not used by at least one container.")) {
    return 0;
  }
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Request r{.method = "POST", .path = "/networks/prune"};
  if (!filters->empty()) r.query.emplace_back("filters", *filters);
  absl::StatusOr<nlohmann::json> report = (*api)->DoJson(r);
  if (!report.ok()) return cli.Fail(report.status());
  const nlohmann::json deleted = report->value("NetworksDeleted", nlohmann::json());
  if (deleted.is_array() && !deleted.empty()) {
    std::string out = "Deleted Networks:\n";
    for (const nlohmann::json& name : deleted) {
      if (name.is_string()) out += name.get<std::string>() + "\n";
    }
    std::fprintf(cli.out(), "%s\n", out.c_str());
  }
  return 0;
}

// ---- create, connect, disconnect: the daemon answers ----

struct CreateOptions {
  std::string name;
  std::string driver = "bridge";
  std::vector<std::string> labels;
  std::vector<std::string> opts;
  std::vector<std::string> subnets, gateways, ip_ranges;
  bool internal = false, attachable = false, ipv6 = false;
};

int Create(CreateOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  nlohmann::json labels = nlohmann::json::object(), options = nlohmann::json::object();
  for (const std::string& l : o.labels) {
    auto [k, v] = SplitOnce(l, '=');
    labels[std::string(k)] = v ? std::string(*v) : std::string();
  }
  for (const std::string& opt : o.opts) {
    auto [k, v] = SplitOnce(opt, '=');
    options[std::string(k)] = v ? std::string(*v) : std::string();
  }
  nlohmann::json ipam_config = nlohmann::json::array();
  for (size_t i = 0; i < o.subnets.size(); ++i) {
    nlohmann::json c = {{"Subnet", o.subnets[i]}};
    if (i < o.gateways.size()) c["Gateway"] = o.gateways[i];
    if (i < o.ip_ranges.size()) c["IPRange"] = o.ip_ranges[i];
    ipam_config.push_back(c);
  }
  nlohmann::json body = {
      {"Name", o.name},         {"Driver", o.driver},
      {"Internal", o.internal}, {"Attachable", o.attachable},
      {"EnableIPv6", o.ipv6},   {"Options", options},
      {"Labels", labels},       {"IPAM", {{"Driver", "default"}, {"Config", ipam_config}}}};
  absl::StatusOr<nlohmann::json> created =
      (*api)->DoJson({.method = "POST", .path = "/networks/create", .json = body});
  if (!created.ok()) return cli.Fail(created.status());
  std::fprintf(cli.out(), "%s\n", created->value("Id", "").c_str());
  return 0;
}

struct ConnectOptions {
  std::string network;
  std::string container;
  bool force = false;
};

int Connect(ConnectOptions& o, Cli& cli, const std::string& action) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  nlohmann::json body = {{"Container", o.container}};
  if (action == "disconnect") body["Force"] = o.force;
  absl::Status s =
      (*api)
          ->Do({.method = "POST", .path = "/networks/" + o.network + "/" + action, .json = body})
          .status();
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

void AddNetworkCommands(CLI::App& root, Cli& cli) {
  CLI::App* group = AddGroup(root, cli, "network", "Manage networks");

  auto list = std::make_shared<ListOptions>();
  CLI::App* sub = AddCommand<ListOptions>(*group, cli, "ls", "List networks", list, List, {"list"});
  if (cli.Builds(*sub)) {
    sub->add_flag("-q,--quiet", list->quiet, "Only display network IDs");
    sub->add_flag("--no-trunc", list->no_trunc, "Do not truncate the output");
    sub->add_option("--format", list->format,
                    "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or "
                    "a Go template");
    sub->add_option("-f,--filter", list->filters, "Provide filter values (e.g. \"driver=bridge\")");
  }

  auto inspect = std::make_shared<InspectOptions>();
  sub = AddCommand<InspectOptions>(*group, cli, "inspect",
                                   "Display detailed information on one or more networks", inspect,
                                   Inspect);
  if (cli.Builds(*sub)) {
    sub->add_option("networks", inspect->names, "Networks")->required();
    sub->add_option("-f,--format", inspect->format, "Format output using a custom template");
    sub->add_flag("-v,--verbose", inspect->verbose, "Verbose output for diagnostics");
  }

  auto remove = std::make_shared<RemoveOptions>();
  sub = AddCommand<RemoveOptions>(*group, cli, "rm", "Remove one or more networks", remove, Remove,
                                  {"remove"});
  if (cli.Builds(*sub)) {
    sub->add_option("networks", remove->names, "Networks")->required();
    sub->add_flag("-f,--force", remove->force, "Do not error if the network does not exist");
  }

  auto prune = std::make_shared<PruneOptions>();
  sub = AddCommand<PruneOptions>(*group, cli, "prune", "Remove all unused networks", prune, Prune);
  if (cli.Builds(*sub)) {
    sub->add_flag("-f,--force", prune->force, "Do not prompt for confirmation");
    sub->add_option("--filter", prune->filters,
                    "Provide filter values (e.g. \"until=<timestamp>\")");
  }

  auto create = std::make_shared<CreateOptions>();
  sub = AddCommand<CreateOptions>(*group, cli, "create",
                                  "Create a network (user-defined networks are not supported yet)",
                                  create, Create);
  if (cli.Builds(*sub)) {
    sub->add_option("network", create->name, "Network name")->required();
    sub->add_option("-d,--driver", create->driver, "Driver to manage the Network")
        ->capture_default_str();
    sub->add_option("--label", create->labels, "Set metadata on a network");
    sub->add_option("-o,--opt", create->opts, "Set driver specific options");
    sub->add_option("--subnet", create->subnets, "Subnet in CIDR format");
    sub->add_option("--gateway", create->gateways, "IPv4 or IPv6 Gateway for the master subnet");
    sub->add_option("--ip-range", create->ip_ranges, "Allocate container ip from a sub-range");
    sub->add_flag("--internal", create->internal, "Restrict external access to the network");
    sub->add_flag("--attachable", create->attachable, "Enable manual container attachment");
    sub->add_flag("--ipv6", create->ipv6, "Enable or disable IPv6 networking");
  }

  for (const char* action : {"connect", "disconnect"}) {
    auto o = std::make_shared<ConnectOptions>();
    std::string name = action;
    sub = AddCommand<ConnectOptions>(
        *group, cli, name,
        name == "connect" ? "Connect a container to a network"
                          : "Disconnect a container from a network",
        o, [name](ConnectOptions& opts, Cli& c) { return Connect(opts, c, name); });
    if (cli.Builds(*sub)) {
      sub->add_option("network", o->network, "Network")->required();
      sub->add_option("container", o->container, "Container")->required();
      if (name == "disconnect") {
        sub->add_flag("-f,--force", o->force, "Force the container to disconnect from a network");
      }
    }
  }
}

}  // namespace berth::cli
