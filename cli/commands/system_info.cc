// berth info: docker's Client / Server report (cli/command/system/info.go),
// the daemon's warnings on stderr, or --format over the same data.
#include "cli/commands/system_info.h"

#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/context_commands.h"
#include "cli/commands/system_commands.h"
#include "cli/config/config_file.h"
#include "cli/output/template.h"
#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct InfoOptions {
  std::string format;
};

const char* GoArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__)
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv)
  return "riscv64";
#else
  return "unknown";
#endif
}

// Go's fmt.Println of one JSON value: strings bare, numbers and bools as
// Go prints them, null as "<nil>".
std::string Plain(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string Field(const nlohmann::json& info, const char* key) {
  return info.contains(key) ? Plain(info[key]) : "";
}

std::string Number(const nlohmann::json& info, const char* key) {
  return info.contains(key) && info[key].is_number() ? info[key].dump() : "0";
}

std::string Bool(const nlohmann::json& info, const char* key) {
  return info.contains(key) && info[key].is_boolean() && info[key].get<bool>() ? "true" : "false";
}

std::string Words(const nlohmann::json& list) {
  std::vector<std::string> parts;
  if (list.is_array()) {
    for (const nlohmann::json& v : list) parts.push_back(Plain(v));
  }
  return Join(parts, " ");
}

class Printer {
 public:
  explicit Printer(std::FILE* out) : out_(out) {}
  void Line(const std::string& text) { std::fprintf(out_, "%s\n", text.c_str()); }
  // fprintln(label, value)
  void Pair(const std::string& label, const std::string& value) { Line(label + " " + value); }
  // fprintlnNonEmpty
  void NonEmpty(const std::string& label, const std::string& value) {
    if (!value.empty()) Pair(label, value);
  }
  void Pairs(const nlohmann::json& pairs, const std::string& indent) {
    if (pairs.is_object()) {  // {"k": "v"}, as some daemons send it
      for (auto it = pairs.begin(); it != pairs.end(); ++it) {
        Line(indent + it.key() + ": " + Plain(*it));
      }
      return;
    }
    if (!pairs.is_array()) return;
    for (const nlohmann::json& p : pairs) {
      if (p.is_array() && p.size() >= 2) Line(indent + Plain(p[0]) + ": " + Plain(p[1]));
    }
  }

 private:
  std::FILE* out_;
};

void PrintSecurityOptions(Printer& p, const nlohmann::json& options) {
  if (!options.is_array() || options.empty()) return;
  p.Line(" Security Options:");
  for (const nlohmann::json& opt : options) {
    std::string text = Plain(opt);
    if (text.find('=') == std::string::npos) {
      p.Line("  " + text);
      continue;
    }
    std::string name, profile;
    for (std::string_view kv : Split(text, ',')) {
      auto [key, value] = SplitOnce(kv, '=');
      if (key == "name") name = std::string(value.value_or(""));
      if (key == "profile") profile = std::string(value.value_or(""));
    }
    p.Line("  " + name);
    if (!profile.empty()) p.Pair("   Profile:", profile);
  }
}

void PrintServer(Cli& cli, Printer& p, const nlohmann::json& info, const std::string& username) {
  p.Pair(" Containers:", Number(info, "Containers"));
  p.Pair("  Running:", Number(info, "ContainersRunning"));
  p.Pair("  Paused:", Number(info, "ContainersPaused"));
  p.Pair("  Stopped:", Number(info, "ContainersStopped"));
  p.Pair(" Images:", Number(info, "Images"));
  p.NonEmpty(" Server Version:", Field(info, "ServerVersion"));
  p.NonEmpty(" Storage Driver:", Field(info, "Driver"));
  p.Pairs(info.value("DriverStatus", nlohmann::json()), "  ");
  p.Pairs(info.value("SystemStatus", nlohmann::json()), " ");
  p.NonEmpty(" Logging Driver:", Field(info, "LoggingDriver"));
  p.NonEmpty(" Cgroup Driver:", Field(info, "CgroupDriver"));
  p.NonEmpty(" Cgroup Version:", Field(info, "CgroupVersion"));
  const nlohmann::json plugins = info.value("Plugins", nlohmann::json::object());
  p.Line(" Plugins:");
  p.Pair("  Volume:", Words(plugins.value("Volume", nlohmann::json())));
  p.Pair("  Network:", Words(plugins.value("Network", nlohmann::json())));
  if (const nlohmann::json authz = plugins.value("Authorization", nlohmann::json());
      authz.is_array() && !authz.empty()) {
    p.Pair("  Authorization:", Words(authz));
  }
  p.Pair("  Log:", Words(plugins.value("Log", nlohmann::json())));
  if (const nlohmann::json cdi = info.value("CDISpecDirs", nlohmann::json());
      cdi.is_array() && !cdi.empty()) {
    p.Line(" CDI spec directories:");
    for (const nlohmann::json& dir : cdi) p.Line("  " + Plain(dir));
  }
  if (const nlohmann::json devices = info.value("DiscoveredDevices", nlohmann::json());
      devices.is_array() && !devices.empty()) {
    p.Line(" Discovered Devices:");
    for (const nlohmann::json& d : devices) {
      p.Line("  " + d.value("Source", "") + ": " + d.value("ID", ""));
    }
  }
  const nlohmann::json swarm = info.value("Swarm", nlohmann::json::object());
  std::string state = swarm.is_object() ? swarm.value("LocalNodeState", "") : "";
  p.Pair(" Swarm:", state);
  if (state != "inactive" && state != "locked" && swarm.is_object()) {
    p.Pair("  NodeID:", swarm.value("NodeID", ""));
    if (std::string e = swarm.value("Error", ""); !e.empty()) p.Pair("  Error:", e);
    p.Pair("  Is Manager:", Bool(swarm, "ControlAvailable"));
    p.Pair("  Node Address:", swarm.value("NodeAddr", ""));
  }
  if (const nlohmann::json runtimes = info.value("Runtimes", nlohmann::json());
      runtimes.is_object() && !runtimes.empty()) {
    std::vector<std::string> names;
    for (auto it = runtimes.begin(); it != runtimes.end(); ++it) names.push_back(it.key());
    p.Pair(" Runtimes:", Join(names, " "));
    p.Pair(" Default Runtime:", Field(info, "DefaultRuntime"));
  }
  std::string os_type = Field(info, "OSType");
  if (os_type == "linux") {
    auto commit = [&](const char* key) {
      const nlohmann::json c = info.value(key, nlohmann::json::object());
      return c.is_object() ? c.value("ID", "") : std::string();
    };
    p.Pair(" Init Binary:", Field(info, "InitBinary"));
    p.Pair(" containerd version:", commit("ContainerdCommit"));
    p.Pair(" runc version:", commit("RuncCommit"));
    p.Pair(" init version:", commit("InitCommit"));
    PrintSecurityOptions(p, info.value("SecurityOptions", nlohmann::json()));
  }
  if (os_type == "windows") p.Pair(" Default Isolation:", Field(info, "Isolation"));
  p.NonEmpty(" Kernel Version:", Field(info, "KernelVersion"));
  p.NonEmpty(" Operating System:", Field(info, "OperatingSystem"));
  p.NonEmpty(" OSType:", os_type);
  p.NonEmpty(" Architecture:", Field(info, "Architecture"));
  p.Pair(" CPUs:", Number(info, "NCPU"));
  p.Pair(" Total Memory:", BytesSize(info.value("MemTotal", 0.0)));
  p.NonEmpty(" Name:", Field(info, "Name"));
  p.NonEmpty(" ID:", Field(info, "ID"));
  p.Pair(" Docker Root Dir:", Field(info, "DockerRootDir"));
  p.Pair(" Debug Mode:", Bool(info, "Debug"));
  if (Bool(info, "Debug") == "true" || cli.options().debug) {
    p.Pair("  File Descriptors:", Number(info, "NFd"));
    p.Pair("  Goroutines:", Number(info, "NGoroutines"));
    p.Pair("  System Time:", Field(info, "SystemTime"));
    p.Pair("  EventsListeners:", Number(info, "NEventsListener"));
  }
  p.NonEmpty(" HTTP Proxy:", Field(info, "HttpProxy"));
  p.NonEmpty(" HTTPS Proxy:", Field(info, "HttpsProxy"));
  p.NonEmpty(" No Proxy:", Field(info, "NoProxy"));
  p.NonEmpty(" Username:", username);
  if (const nlohmann::json labels = info.value("Labels", nlohmann::json());
      labels.is_array() && !labels.empty()) {
    p.Line(" Labels:");
    for (const nlohmann::json& l : labels) p.Line("  " + Plain(l));
  }
  p.Pair(" Experimental:", Bool(info, "ExperimentalBuild"));
  const nlohmann::json registry = info.value("RegistryConfig", nlohmann::json());
  if (registry.is_object()) {
    const nlohmann::json cidrs = registry.value("InsecureRegistryCIDRs", nlohmann::json());
    const nlohmann::json indexes = registry.value("IndexConfigs", nlohmann::json());
    bool has_cidrs = cidrs.is_array() && !cidrs.empty();
    bool has_indexes = indexes.is_object() && !indexes.empty();
    if (has_cidrs || has_indexes) {
      p.Line(" Insecure Registries:");
      if (has_indexes) {
        for (auto it = indexes.begin(); it != indexes.end(); ++it) {
          if (!it->value("Secure", false)) p.Line("  " + it->value("Name", it.key()));
        }
      }
      if (has_cidrs) {
        for (const nlohmann::json& c : cidrs) p.Line("  " + Plain(c));
      }
    }
    if (const nlohmann::json mirrors = registry.value("Mirrors", nlohmann::json());
        mirrors.is_array() && !mirrors.empty()) {
      p.Line(" Registry Mirrors:");
      for (const nlohmann::json& m : mirrors) p.Line("  " + Plain(m));
    }
  }
  p.Pair(" Live Restore Enabled:", Bool(info, "LiveRestoreEnabled"));
  p.NonEmpty(" Product License:", Field(info, "ProductLicense"));
  if (const nlohmann::json pools = info.value("DefaultAddressPools", nlohmann::json());
      pools.is_array() && !pools.empty()) {
    p.Line(" Default Address Pools:");
    for (const nlohmann::json& pool : pools) {
      p.Line("   Base: " + pool.value("Base", "") + ", Size: " + Number(pool, "Size"));
    }
  }
  p.Line("");
}

int Info(InfoOptions& o, Cli& cli) {
  std::optional<output::Template> tmpl;
  if (!o.format.empty()) {
    absl::StatusOr<output::Template> parsed =
        output::Template::Parse(o.format == "json" ? "{{json .}}" : o.format);
    if (!parsed.ok()) {
      return cli.Fail(
          InvalidArgumentf("template parsing error: {}", ToStd(parsed.status().message())), 64);
    }
    tmpl = std::move(*parsed);
  }
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  absl::StatusOr<nlohmann::json> info =
      api.ok() ? (*api)->GetJson("/info") : absl::StatusOr<nlohmann::json>(api.status());
  // A daemon that answered with an error is reported in the Server
  // section; one that cannot be reached fails the command after the
  // client's section.
  bool unreachable = !info.ok() && !client::IsDaemonError(info.status());
  ClientVersion client = CurrentClientVersion(cli, /*negotiate=*/info.ok());
  nlohmann::ordered_json client_info = {{"Debug", cli.options().debug},
                                        {"Version", client.version},
                                        {"DefaultAPIVersion", client.default_api_version},
                                        {"Os", client.os},
                                        {"Arch", client.arch},
                                        {"Context", client.context},
                                        {"Plugins", nlohmann::json::array()},
                                        {"Warnings", nullptr}};

  if (tmpl) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    if (info.ok() && info->is_object()) {
      nlohmann::ordered_json server = nlohmann::ordered_json::parse(info->dump());
      for (auto it = server.begin(); it != server.end(); ++it) doc[it.key()] = it.value();
    } else if (!unreachable) {
      doc["ServerErrors"] = {client::ErrorLine(info.status())};
      std::fprintf(cli.err(), "%s\n", client::ErrorLine(info.status()).c_str());
    }
    doc["ClientInfo"] = client_info;
    absl::StatusOr<std::string> out = tmpl->Execute(nlohmann::json::parse(doc.dump()));
    if (unreachable) return cli.Fail(info.status());
    if (!out.ok()) {
      std::fputs("\n", cli.out());
      return cli.Fail(out.status());
    }
    std::fprintf(cli.out(), "%s\n", out->c_str());
    return 0;
  }

  Printer p(cli.out());
  p.Line("Client:");
  p.Pair(" Version:   ", client.version);
  p.Pair(" Context:   ", client.context);
  p.Pair(" Debug Mode:", cli.options().debug ? "true" : "false");
  p.Line("");
  p.Line("Server:");
  if (unreachable) return cli.Fail(info.status());
  if (!info.ok()) {
    std::fflush(cli.out());
    std::fprintf(cli.err(), "ERROR: %s\n", client::ErrorLine(info.status()).c_str());
    std::fprintf(cli.err(), "errors pretty printing info\n");
    cli.set_exit_code(1);
    return 1;
  }
  std::string username;
  absl::StatusOr<std::string> dir = cli.ConfigDir();
  if (absl::StatusOr<config::ConfigFile> file =
          dir.ok() ? config::ConfigFile::Load(*dir)
                   : absl::StatusOr<config::ConfigFile>(dir.status());
      file.ok()) {
    auto it = file->auths().find("https://index.docker.io/v1/");
    if (it != file->auths().end()) username = it->second.username;
  }
  PrintServer(cli, p, *info, username);
  std::fflush(cli.out());
  if (const nlohmann::json warnings = info->value("Warnings", nlohmann::json());
      warnings.is_array()) {
    for (const nlohmann::json& w : warnings) std::fprintf(cli.err(), "%s\n", Plain(w).c_str());
  }
  return 0;
}

}  // namespace

ClientVersion CurrentClientVersion(Cli& cli, bool negotiate) {
  ClientVersion v;
  v.version = BERTH_CLI_VERSION;
  v.default_api_version = client::kApiVersion;
  v.api_version = client::kApiVersion;
  v.arch = GoArch();
  v.context = CurrentContextName(cli);
  if (negotiate) {
    if (absl::StatusOr<client::EngineClient*> api = cli.Client(); api.ok()) {
      if (absl::StatusOr<std::string> version = (*api)->ApiVersion(); version.ok()) {
        v.api_version = *version;
      }
    }
  }
  return v;
}

CLI::App* AddInfoCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* sub =
      AddCommand<InfoOptions>(parent, cli, "info", "Display system-wide information", o, Info);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("-f,--format", o->format,
                  "Format output using a custom template: 'json' or a Go template");
  return sub;
}

}  // namespace berth::cli
