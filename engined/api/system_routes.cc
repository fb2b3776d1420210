#include "engined/api/system_routes.h"

#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "engined/api/api_util.h"
#include "engined/daemon/container_json.h"
#include "engined/logs/time_parse.h"

namespace berth::engined::api {

namespace {

using http::Request;
using http::ResponseWriter;

std::string OsName() {
  absl::StatusOr<std::string> text = ReadFile("/etc/os-release");
  if (!text.ok()) return "Linux";
  for (std::string_view line : Split(*text, '\n')) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string v(line.substr(12));
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "Linux";
}

nlohmann::json Version(const SystemInfo& info) {
  struct utsname u {};
  ::uname(&u);
  return {
      {"Platform", {{"Name", "Berth Engine"}}},
      {"Components",
       {{{"Name", "Engine"},
         {"Version", info.version},
         {"Details",
          {{"ApiVersion", info.api_version},
           {"MinAPIVersion", info.min_api_version},
           {"Os", "linux"},
           {"Arch", "amd64"},
           {"KernelVersion", u.release}}}},
        {{"Name", "berth-containerd"}, {"Version", info.version}, {"Details", {{"GitCommit", ""}}}},
        {{"Name", "berth-runtime"}, {"Version", info.version}, {"Details", {{"GitCommit", ""}}}},
        {{"Name", "berth-init"}, {"Version", info.version}, {"Details", {{"GitCommit", ""}}}}}},
      {"Version", info.version},
      {"ApiVersion", info.api_version},
      {"MinAPIVersion", info.min_api_version},
      {"GitCommit", ""},
      {"GoVersion", "n/a (C++)"},
      {"Os", "linux"},
      {"Arch", "amd64"},
      {"KernelVersion", u.release},
      {"BuildTime", ""},
  };
}

nlohmann::json Info(const SystemInfo& info, ContainerManager& containers) {
  int running = 0, paused = 0, stopped = 0, total = 0;
  for (const ContainerRef& entry : containers.store().List()) {
    std::lock_guard<std::mutex> lock(entry->mu);
    ++total;
    switch (entry->c.state.status) {
      case RunState::kRunning:
      case RunState::kRestarting:
        ++running;
        break;
      case RunState::kPaused:
        ++paused;
        break;
      default:
        ++stopped;
    }
  }
  struct utsname u {};
  ::uname(&u);
  struct sysinfo si {};
  ::sysinfo(&si);
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  bool cgroup2 = PathExists("/sys/fs/cgroup/cgroup.controllers");
  return {
      {"ID", ""},
      {"Containers", total},
      {"ContainersRunning", running},
      {"ContainersPaused", paused},
      {"ContainersStopped", stopped},
      {"Images", info.image_count ? info.image_count() : 0},
      {"Driver", "overlay2"},
      // [][2]string: nlohmann would read the pairs' braces as an object.
      {"DriverStatus",
       nlohmann::json::array({nlohmann::json::array({"Backing Filesystem", "extfs"}),
                              nlohmann::json::array({"Supports d_type", "true"})})},
      {"Plugins",
       {{"Volume", {"local"}},
        {"Network", {"host", "none"}},
        {"Authorization", nullptr},
        {"Log", {"json-file", "none"}}}},
      {"MemoryLimit", true},
      {"SwapLimit", PathExists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")},
      {"KernelMemory", false},
      {"CpuCfsPeriod", true},
      {"CpuCfsQuota", true},
      {"CPUShares", true},
      {"CPUSet", true},
      {"PidsLimit", true},
      {"IPv4Forwarding", true},
      {"BridgeNfIptables", false},
      {"BridgeNfIp6tables", false},
      {"Debug", false},
      {"NFd", 0},
      {"OomKillDisable", true},
      {"NGoroutines", 0},
      {"SystemTime", NowRfc3339Nano()},
      {"LoggingDriver", "json-file"},
      {"CgroupDriver", "cgroupfs"},
      {"CgroupVersion", cgroup2 ? "2" : "1"},
      {"NEventsListener", 0},
      {"KernelVersion", u.release},
      {"OperatingSystem", OsName()},
      {"OSVersion", ""},
      {"OSType", "linux"},
      {"Architecture", u.machine},
      {"IndexServerAddress", "https://index.docker.io/v1/"},
      {"RegistryConfig",
       {{"AllowNondistributableArtifactsCIDRs", nullptr},
        {"AllowNondistributableArtifactsHostnames", nullptr},
        {"InsecureRegistryCIDRs", {"127.0.0.0/8"}},
        {"IndexConfigs", nlohmann::json::object()},
        {"Mirrors", nullptr}}},
      {"NCPU", ::sysconf(_SC_NPROCESSORS_ONLN)},
      {"MemTotal", static_cast<int64_t>(si.totalram) * si.mem_unit},
      {"GenericResources", nullptr},
      {"DockerRootDir", info.data_root},
      {"HttpProxy", ""},
      {"HttpsProxy", ""},
      {"NoProxy", ""},
      {"Name", host},
      {"Labels", nlohmann::json::array()},
      {"ExperimentalBuild", false},
      {"ServerVersion", info.version},
      {"Runtimes", {{"runc", {{"path", info.runtime}}}}},
      {"DefaultRuntime", "runc"},
      {"Swarm",
       {{"NodeID", ""},
        {"NodeAddr", ""},
        {"LocalNodeState", "inactive"},
        {"ControlAvailable", false},
        {"Error", ""},
        {"RemoteManagers", nullptr}}},
      {"LiveRestoreEnabled", true},
      {"Isolation", ""},
      {"InitBinary", "berth-init"},
      {"ContainerdCommit", {{"ID", ""}, {"Expected", ""}}},
      {"RuncCommit", {{"ID", ""}, {"Expected", ""}}},
      {"InitCommit", {{"ID", ""}, {"Expected", ""}}},
      {"SecurityOptions", {"name=seccomp,profile=builtin"}},
      {"Warnings", nlohmann::json::array()},
  };
}

// docker's event filters: type, container, event / action, image, label,
// volume; a filter key with several values matches any of them.
bool EventMatches(const nlohmann::json& e, const Filters& filters, ContainerManager& containers) {
  auto any = [&](const char* key, const std::function<bool(const std::string&)>& pred) {
    auto it = filters.find(key);
    if (it == filters.end() || it->second.empty()) return true;
    for (const std::string& v : it->second) {
      if (pred(v)) return true;
    }
    return false;
  };
  std::string type = JsonString(e, "Type");
  std::string action = JsonString(e, "Action");
  std::string id = e["Actor"].value("ID", "");
  const nlohmann::json& attrs = e["Actor"]["Attributes"];
  std::string name = attrs.value("name", "");
  return any("type", [&](const std::string& v) { return v == type; }) &&
         any("event", [&](const std::string& v) { return action.rfind(v, 0) == 0; }) &&
         any("container",
             [&](const std::string& v) {
               if (type != "container") return false;
               if (v == name || id.rfind(v, 0) == 0) return true;
               absl::StatusOr<ContainerRef> c = containers.Get(v);
               return c.ok() && (*c)->c.id == id;
             }) &&
         any("image",
             [&](const std::string& v) { return attrs.value("image", "") == v || id == v; }) &&
         any("volume", [&](const std::string& v) { return type == "volume" && id == v; }) &&
         any("label", [&](const std::string& v) {
           auto [key, value] = SplitOnce(v, '=');
           auto it = attrs.find(std::string(key));
           return it != attrs.end() && (!value.has_value() || *it == std::string(*value));
         });
}

void Events(ContainerManager& containers, EventBus& bus, Request& r, ResponseWriter& w) {
  absl::StatusOr<Filters> filters = ParseFilters(r.Query("filters"));
  if (!filters.ok()) return w.Error(filters.status());
  int64_t now = logs::NowNanos();
  int64_t since = 0, until = 0;
  if (std::string v = r.Query("since"); !v.empty()) {
    absl::StatusOr<int64_t> t = logs::ParseDockerTime(v, now);
    if (!t.ok()) return w.Error(t.status());
    since = *t;
  }
  if (std::string v = r.Query("until"); !v.empty()) {
    absl::StatusOr<int64_t> t = logs::ParseDockerTime(v, now);
    if (!t.ok()) return w.Error(t.status());
    until = *t;
  }
  w.BeginStream(200, "application/json");
  bus.Stream(
      since, until,
      [&](const nlohmann::json& e) {
        if (!EventMatches(e, *filters, containers)) return true;
        return w.Write(e.dump() + "\n");
      },
      [&] { return w.ClientGone(); });
}

void DiskUsage(const SystemInfo& info, ContainerManager& containers, ResponseWriter& w) {
  nlohmann::json list = nlohmann::json::array();
  for (const ContainerRef& entry : containers.store().List()) {
    std::lock_guard<std::mutex> lock(entry->mu);
    nlohmann::json c = ContainerSummaryJson(entry->c);
    c["SizeRw"] = 0;
    c["SizeRootFs"] = 0;
    list.push_back(c);
  }
  w.Json(
      200,
      {{"LayersSize", info.layers_size ? info.layers_size() : 0},
       {"Images", info.disk_usage_images ? info.disk_usage_images() : nlohmann::json::array()},
       {"Containers", list},
       {"Volumes", info.disk_usage_volumes ? info.disk_usage_volumes() : nlohmann::json::array()},
       {"BuildCache", nlohmann::json::array()}});
}

}  // namespace

void AddSystemRoutes(http::Router& router, const SystemInfo& info, ContainerManager& containers,
                     EventBus& events) {
  auto ping = [](Request&, ResponseWriter& w) {
    w.SetHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    w.SetHeader("Pragma", "no-cache");
    w.Body(200, "text/plain; charset=utf-8", "OK");
  };
  router.Add("GET", "/_ping", ping);
  router.Add("HEAD", "/_ping", ping);
  router.Add("GET", "/version",
             [info](Request&, ResponseWriter& w) { w.Json(200, Version(info)); });
  router.Add("GET", "/info", [info, &containers](Request&, ResponseWriter& w) {
    w.Json(200, Info(info, containers));
  });
  router.Add("GET", "/events", [&containers, &events](Request& r, ResponseWriter& w) {
    Events(containers, events, r, w);
  });
  router.Add("GET", "/system/df",
             [info, &containers](Request&, ResponseWriter& w) { DiskUsage(info, containers, w); });
}

}  // namespace berth::engined::api
