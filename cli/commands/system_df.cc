// berth system df: docker's disk usage summary (TYPE TOTAL ACTIVE SIZE
// RECLAIMABLE) computed from GET /system/df as docker 28's formatter does,
// or with -v each object's usage.
#include "cli/commands/command.h"
#include "cli/commands/display.h"
#include "cli/commands/system_commands.h"
#include "cli/output/template.h"
#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

constexpr char kSummaryTable[] =
    "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
constexpr char kImageTable[] =
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{."
    "UniqueSize}}\t{{.Containers}}";
constexpr char kContainerTable[] =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{."
    "Status}}\t{{.Names}}";
constexpr char kVolumeTable[] = "table {{.Name}}\t{{.Links}}\t{{.Size}}";
constexpr char kBuildCacheTable[] =
    "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{."
    "UsageCount}}\t{{.Shared}}";

struct DfOptions {
  bool verbose = false;
  std::string format;
};

int64_t Int(const nlohmann::json& j, const char* key, int64_t fallback = 0) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<int64_t>() : fallback;
}

nlohmann::json Items(const nlohmann::json& du, const char* key) {
  return du.contains(key) && du[key].is_array() ? du[key] : nlohmann::json::array();
}

// "1.2GB (50%)": docker's reclaimable column.
std::string Reclaimable(int64_t reclaimable, int64_t total) {
  std::string size = HumanSize(static_cast<double>(reclaimable));
  if (total > 0) return size + " (" + std::to_string(reclaimable * 100 / total) + "%)";
  return size;
}

bool ActiveState(const std::string& state) {
  return state == "running" || state == "paused" || state == "restarting";
}

std::vector<nlohmann::json> SummaryRows(const nlohmann::json& du) {
  std::vector<nlohmann::json> rows;
  nlohmann::json images = Items(du, "Images");
  int64_t layers = Int(du, "LayersSize");
  int64_t used = 0, active = 0;
  for (const nlohmann::json& i : images) {
    if (Int(i, "Containers") == 0) continue;
    ++active;
    if (Int(i, "Size", -1) == -1 || Int(i, "SharedSize", -1) == -1) continue;
    used += Int(i, "Size") - Int(i, "SharedSize");
  }
  rows.push_back({{"Type", "Images"},
                  {"TotalCount", std::to_string(images.size())},
                  {"Active", std::to_string(active)},
                  {"Size", HumanSize(static_cast<double>(layers))},
                  {"Reclaimable", Reclaimable(layers - used, layers)}});

  nlohmann::json containers = Items(du, "Containers");
  int64_t size = 0, reclaimable = 0;
  active = 0;
  for (const nlohmann::json& c : containers) {
    bool is_active = ActiveState(c.value("State", ""));
    if (is_active) ++active;
    if (!is_active) reclaimable += Int(c, "SizeRw");
    size += Int(c, "SizeRw");
  }
  rows.push_back({{"Type", "Containers"},
                  {"TotalCount", std::to_string(containers.size())},
                  {"Active", std::to_string(active)},
                  {"Size", HumanSize(static_cast<double>(size))},
                  {"Reclaimable", Reclaimable(reclaimable, size)}});

  nlohmann::json volumes = Items(du, "Volumes");
  size = reclaimable = active = 0;
  for (const nlohmann::json& v : volumes) {
    const nlohmann::json usage = v.value("UsageData", nlohmann::json::object());
    if (Int(usage, "RefCount") > 0) ++active;
    int64_t s = Int(usage, "Size", -1);
    if (s == -1) continue;
    if (Int(usage, "RefCount") == 0) reclaimable += s;
    size += s;
  }
  rows.push_back({{"Type", "Local Volumes"},
                  {"TotalCount", std::to_string(volumes.size())},
                  {"Active", std::to_string(active)},
                  {"Size", HumanSize(static_cast<double>(size))},
                  {"Reclaimable", Reclaimable(reclaimable, size)}});

  nlohmann::json cache = Items(du, "BuildCache");
  int64_t builder = 0, in_use = 0;
  active = 0;
  for (const nlohmann::json& b : cache) {
    bool shared = b.value("Shared", false), use = b.value("InUse", false);
    if (!shared) builder += Int(b, "Size");
    if (use) ++active;
    if (use && !shared) in_use += Int(b, "Size");
  }
  rows.push_back({{"Type", "Build Cache"},
                  {"TotalCount", std::to_string(cache.size())},
                  {"Active", std::to_string(active)},
                  {"Size", HumanSize(static_cast<double>(builder))},
                  {"Reclaimable", HumanSize(static_cast<double>(builder - in_use))}});
  return rows;
}

// "docker.io/library/busybox:latest" -> {"busybox", "latest"}.
std::pair<std::string, std::string> RepoTag(const nlohmann::json& image) {
  const nlohmann::json tags = image.value("RepoTags", nlohmann::json::array());
  if (!tags.is_array() || tags.empty() || !tags[0].is_string() || tags[0] == "<none>:<none>") {
    return {"<none>", "<none>"};
  }
  std::string ref = tags[0].get<std::string>();
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {"<none>", "<none>"};
  }
  std::string repo = ref.substr(0, colon);
  for (const char* prefix : {"docker.io/library/", "docker.io/"}) {
    if (repo.starts_with(prefix)) {
      repo = repo.substr(std::string_view(prefix).size());
      break;
    }
  }
  return {repo, ref.substr(colon + 1)};
}

std::string Ago(int64_t unix_seconds) { return unix_seconds == 0 ? "" : TimeAgo(unix_seconds); }

nlohmann::json ImageRow(const nlohmann::json& i, bool trunc) {
  auto [repo, tag] = RepoTag(i);
  int64_t size = Int(i, "Size", -1), shared = Int(i, "SharedSize", -1);
  int64_t containers = Int(i, "Containers", -1);
  std::string id = i.value("Id", "");
  return {{"Repository", repo},
          {"Tag", tag},
          {"ID", trunc ? ShortId(id) : id},
          {"CreatedSince", Ago(Int(i, "Created"))},
          {"Size", HumanSizeWithPrecision(static_cast<double>(size), 3)},
          {"SharedSize", shared == -1 ? "N/A" : HumanSize(static_cast<double>(shared))},
          {"UniqueSize",
           size == -1 || shared == -1 ? "N/A" : HumanSize(static_cast<double>(size - shared))},
          {"Containers", containers == -1 ? "N/A" : std::to_string(containers)}};
}

nlohmann::json ContainerRow(const nlohmann::json& c, bool trunc) {
  std::string id = c.value("Id", "");
  std::vector<std::string> names;
  for (const nlohmann::json& n : c.value("Names", nlohmann::json::array())) {
    std::string name = n.get<std::string>();
    if (!name.empty() && name[0] == '/') name.erase(0, 1);
    if (trunc && name.find('/') != std::string::npos) continue;
    names.push_back(name);
  }
  int local_volumes = 0;
  for (const nlohmann::json& m : c.value("Mounts", nlohmann::json::array())) {
    if (m.value("Driver", "") == "local") ++local_volumes;
  }
  std::string image = c.value("Image", "");
  if (trunc && image.starts_with("sha256:")) image = ShortId(image);
  std::string command = c.value("Command", "");
  if (trunc) command = Ellipsis(command, 20);
  return {{"ID", trunc ? ShortId(id) : id},
          {"Image", image},
          {"Command", "\"" + command + "\""},
          {"LocalVolumes", std::to_string(local_volumes)},
          {"Size", HumanSizeWithPrecision(static_cast<double>(Int(c, "SizeRw")), 3)},
          {"RunningFor", Ago(Int(c, "Created"))},
          {"Status", c.value("Status", "")},
          {"Names", Join(names, ",")}};
}

nlohmann::json VolumeRow(const nlohmann::json& v) {
  const nlohmann::json usage = v.value("UsageData", nlohmann::json());
  bool has = usage.is_object();
  return {{"Name", v.value("Name", "")},
          {"Links", has ? std::to_string(Int(usage, "RefCount")) : "N/A"},
          {"Size", has ? HumanSize(static_cast<double>(Int(usage, "Size"))) : "N/A"}};
}

nlohmann::json BuildCacheRow(const nlohmann::json& b, bool trunc) {
  std::string id = b.value("ID", "");
  if (trunc && id.size() > 12) id = id.substr(0, 12);
  std::string type = b.value("Type", "");
  std::string last_used = b.value("LastUsedAt", "");
  return {{"ID", id},
          {"CacheType", type},
          {"Size", HumanSizeWithPrecision(static_cast<double>(Int(b, "Size")), 3)},
          {"CreatedSince", Ago(ParseRfc3339(b.value("CreatedAt", "")))},
          {"LastUsedSince", last_used.empty() ? "" : Ago(ParseRfc3339(last_used))},
          {"UsageCount", std::to_string(Int(b, "UsageCount"))},
          {"Shared", b.value("Shared", false) ? "true" : "false"}};
}

const nlohmann::json& Headers() {
  static const nlohmann::json h = {{"Type", "TYPE"},
                                   {"TotalCount", "TOTAL"},
                                   {"Active", "ACTIVE"},
                                   {"Size", "SIZE"},
                                   {"Reclaimable", "RECLAIMABLE"},
                                   {"Repository", "REPOSITORY"},
                                   {"Tag", "TAG"},
                                   {"ID", "ID"},
                                   {"CreatedSince", "CREATED"},
                                   {"SharedSize", "SHARED SIZE"},
                                   {"UniqueSize", "UNIQUE SIZE"},
                                   {"Containers", "CONTAINERS"},
                                   {"Image", "IMAGE"},
                                   {"Command", "COMMAND"},
                                   {"LocalVolumes", "LOCAL VOLUMES"},
                                   {"RunningFor", "CREATED"},
                                   {"Status", "STATUS"},
                                   {"Names", "NAMES"},
                                   {"Name", "VOLUME NAME"},
                                   {"Links", "LINKS"},
                                   {"CacheType", "CACHE TYPE"},
                                   {"LastUsedSince", "LAST USED"},
                                   {"UsageCount", "USAGE"},
                                   {"Shared", "SHARED"}};
  return h;
}

absl::Status VerboseTables(Cli& cli, const nlohmann::json& du) {
  auto section = [&](const char* title, const char* table, const char* id_header,
                     const std::vector<nlohmann::json>& rows) {
    std::fputs(title, cli.out());
    nlohmann::json headers = Headers();
    headers["ID"] = id_header;
    return PrintRows(cli, "", table, headers, rows);
  };
  std::vector<nlohmann::json> rows;
  for (const nlohmann::json& i : Items(du, "Images")) rows.push_back(ImageRow(i, true));
  BERTH_RETURN_IF_ERROR(section("Images space usage:\n\n", kImageTable, "IMAGE ID", rows));
  rows.clear();
  for (const nlohmann::json& c : Items(du, "Containers")) rows.push_back(ContainerRow(c, true));
  BERTH_RETURN_IF_ERROR(
      section("\nContainers space usage:\n\n", kContainerTable, "CONTAINER ID", rows));
  rows.clear();
  for (const nlohmann::json& v : Items(du, "Volumes")) rows.push_back(VolumeRow(v));
  BERTH_RETURN_IF_ERROR(section("\nLocal Volumes space usage:\n\n", kVolumeTable, "ID", rows));
  rows.clear();
  int64_t builder = 0;
  for (const nlohmann::json& b : Items(du, "BuildCache")) {
    if (!b.value("Shared", false)) builder += Int(b, "Size");
    rows.push_back(BuildCacheRow(b, true));
  }
  std::string title = "\nBuild cache usage: " + HumanSize(static_cast<double>(builder)) + "\n\n";
  return section(title.c_str(), kBuildCacheTable, "CACHE ID", rows);
}

int DiskUsage(DfOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  absl::StatusOr<nlohmann::json> du = (*api)->GetJson("/system/df");
  if (!du.ok()) return cli.Fail(du.status());
  absl::Status s;
  if (!o.verbose) {
    std::string format = o.format;
    if (format == "raw") {
      format =
          "type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\nsize: {{.Size}}\n"
          "reclaimable: {{.Reclaimable}}\n";
    }
    s = PrintRows(cli, format, kSummaryTable, Headers(), SummaryRows(*du));
  } else if (o.format.empty() || o.format == "table") {
    s = VerboseTables(cli, *du);
  } else {
    // A template over every object, as docker's verbose --format.
    nlohmann::json data = {{"Images", nlohmann::json::array()},
                           {"Containers", nlohmann::json::array()},
                           {"Volumes", nlohmann::json::array()},
                           {"BuildCache", nlohmann::json::array()}};
    for (const nlohmann::json& i : Items(*du, "Images"))
      data["Images"].push_back(ImageRow(i, false));
    for (const nlohmann::json& c : Items(*du, "Containers")) {
      data["Containers"].push_back(ContainerRow(c, false));
    }
    for (const nlohmann::json& v : Items(*du, "Volumes")) data["Volumes"].push_back(VolumeRow(v));
    for (const nlohmann::json& b : Items(*du, "BuildCache")) {
      data["BuildCache"].push_back(BuildCacheRow(b, false));
    }
    absl::StatusOr<output::Template> tmpl =
        output::Template::Parse(o.format == "json" ? "{{json .}}" : o.format);
    if (!tmpl.ok()) return cli.Fail(tmpl.status());
    absl::StatusOr<std::string> out = tmpl->Execute(data);
    if (!out.ok()) return cli.Fail(out.status());
    std::fprintf(cli.out(), "%s\n", out->c_str());
  }
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddDiskUsageCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<DfOptions>();
  CLI::App* sub = AddCommand<DfOptions>(parent, cli, "df", "Show berth disk usage", o, DiskUsage);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_flag("-v,--verbose", o->verbose, "Show detailed information on space usage");
  sub->add_option("--format", o->format,
                  "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or "
                  "a Go template");
  return sub;
}

}  // namespace berth::cli
