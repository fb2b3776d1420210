// berth ps: docker's columns, filters, --format, -q, --no-trunc, -s.
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/display.h"
#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

constexpr char kDefaultTable[] =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
constexpr char kSizeColumn[] = "\t{{.Size}}";

struct PsOptions {
  bool all = false;
  std::vector<std::string> filters;
  std::string format;
  int last = -1;
  bool latest = false;
  bool no_trunc = false;
  bool quiet = false;
  bool size = false;
};

const nlohmann::json& Headers() {
  static const nlohmann::json h = {{"ID", "CONTAINER ID"},    {"Image", "IMAGE"},
                                   {"Command", "COMMAND"},    {"CreatedAt", "CREATED AT"},
                                   {"RunningFor", "CREATED"}, {"Status", "STATUS"},
                                   {"Ports", "PORTS"},        {"Names", "NAMES"},
                                   {"Size", "SIZE"},          {"Labels", "LABELS"},
                                   {"Mounts", "MOUNTS"},      {"Networks", "NETWORKS"},
                                   {"State", "STATE"},        {"LocalVolumes", "LOCAL VOLUMES"}};
  return h;
}

std::string JoinKeys(const nlohmann::json& labels) {
  std::vector<std::string> parts;
  if (labels.is_object()) {
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      parts.push_back(it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump()));
    }
  }
  return Join(parts, ",");
}

// Docker's ports column: "0.0.0.0:8080->80/tcp, 443/tcp".
std::string Ports(const nlohmann::json& ports) {
  std::vector<std::string> parts;
  if (!ports.is_array()) return "";
  for (const nlohmann::json& p : ports) {
    std::string proto = p.value("Type", "tcp");
    std::string priv = std::to_string(p.value("PrivatePort", 0)) + "/" + proto;
    if (p.contains("PublicPort") && p["PublicPort"].get<int>() != 0) {
      parts.push_back(
          fmt::format("{}:{}->{}", p.value("IP", "0.0.0.0"), p["PublicPort"].get<int>(), priv));
    } else {
      parts.push_back(priv);
    }
  }
  return Join(parts, ", ");
}

nlohmann::json Row(const nlohmann::json& c, const PsOptions& o) {
  bool trunc = !o.no_trunc;
  std::string id = c.value("Id", "");
  std::vector<std::string> names;
  for (const nlohmann::json& n : c.value("Names", nlohmann::json::array())) {
    std::string name = n.get<std::string>();
    if (!name.empty() && name[0] == '/') name.erase(0, 1);
    // Link aliases ("/other/alias") are not the container's own names.
    if (trunc && name.find('/') != std::string::npos) continue;
    names.push_back(name);
  }
  std::string image = c.value("Image", "");
  if (trunc && image.starts_with("sha256:")) image = ShortId(image);
  std::string command = c.value("Command", "");
  if (trunc) command = Ellipsis(command, 20);
  int64_t created = c.value("Created", int64_t{0});
  std::vector<std::string> mounts, networks;
  for (const nlohmann::json& m : c.value("Mounts", nlohmann::json::array())) {
    std::string name = m.value("Name", "");
    if (name.empty()) name = m.value("Source", "");
    if (trunc) name = Ellipsis(name, 15);
    mounts.push_back(name);
  }
  int local_volumes = 0;
  for (const nlohmann::json& m : c.value("Mounts", nlohmann::json::array())) {
    if (m.value("Driver", "") == "local") ++local_volumes;
  }
  nlohmann::json nets = c.value("NetworkSettings", nlohmann::json::object());
  if (nets.contains("Networks") && nets["Networks"].is_object()) {
    for (auto it = nets["Networks"].begin(); it != nets["Networks"].end(); ++it) {
      networks.push_back(it.key());
    }
  }
  std::string size;
  if (c.contains("SizeRw") || c.contains("SizeRootFs")) {
    size = HumanSizeWithPrecision(c.value("SizeRw", 0.0), 3);
    if (c.value("SizeRootFs", 0.0) > 0) {
      size += " (virtual " + HumanSizeWithPrecision(c.value("SizeRootFs", 0.0), 3) + ")";
    }
  }
  return {{"ID", trunc ? ShortId(id) : id},
          {"Image", image},
          {"Command", "\"" + command + "\""},
          {"CreatedAt", GoTime(created)},
          {"RunningFor", TimeAgo(created)},
          {"Status", c.value("Status", "")},
          {"State", c.value("State", "")},
          {"Ports", Ports(c.value("Ports", nlohmann::json::array()))},
          {"Names", Join(names, ",")},
          {"Labels", JoinKeys(c.value("Labels", nlohmann::json::object()))},
          {"Mounts", Join(mounts, ",")},
          {"Networks", Join(networks, ",")},
          {"LocalVolumes", std::to_string(local_volumes)},
          {"Size", size}};
}

int Ps(PsOptions& o, Cli& cli) {
  absl::StatusOr<std::string> filters = FiltersJson(o.filters);
  if (!filters.ok()) return cli.Fail(filters.status());
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Query query;
  if (o.all || o.latest || o.last > 0) query.emplace_back("all", "1");
  if (o.latest) query.emplace_back("limit", "1");
  if (o.last > 0) query.emplace_back("limit", std::to_string(o.last));
  std::string format = o.quiet ? "{{.ID}}" : o.format;
  // --size is implied by a format that shows it.
  bool size = o.size || format.find(".Size") != std::string::npos;
  if (size) query.emplace_back("size", "1");
  if (!filters->empty()) query.emplace_back("filters", *filters);
  absl::StatusOr<nlohmann::json> list = (*api)->GetJson("/containers/json", query);
  if (!list.ok()) return cli.Fail(list.status());
  std::vector<nlohmann::json> rows, labels;
  for (const nlohmann::json& c : *list) {
    rows.push_back(Row(c, o));
    labels.push_back(c.value("Labels", nlohmann::json::object()));
  }
  std::string table = std::string(kDefaultTable) + (o.size ? kSizeColumn : "");
  absl::Status s = PrintRows(cli, format, table, Headers(), rows, labels);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddPsCommand(CLI::App& parent, Cli& cli, const std::string& name) {
  auto o = std::make_shared<PsOptions>();
  CLI::App* sub = AddCommand<PsOptions>(parent, cli, name, "List containers", o, Ps);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_flag("-a,--all", o->all, "Show all containers (default shows just running)");
  sub->add_option("-f,--filter", o->filters, "Filter output based on conditions provided");
  sub->add_option("--format", o->format,
                  "Format output using a custom template: 'table', 'table TEMPLATE', 'json', "
                  "or a Go template");
  sub->add_option("-n,--last", o->last, "Show n last created containers (includes all states)");
  sub->add_flag("-l,--latest", o->latest,
                "Show the latest created container (includes all states)");
  sub->add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
  sub->add_flag("-q,--quiet", o->quiet, "Only display container IDs");
  sub->add_flag("-s,--size", o->size, "Display total file sizes");
  return sub;
}

}  // namespace berth::cli
