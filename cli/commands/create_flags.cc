#include "cli/commands/create_flags.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

using nlohmann::json;

// "KEY=VALUE" as given; "KEY" alone takes the CLI's own environment's
// value, and is dropped when it has none (docker's rule).
void AddEnv(json& env, const std::string& entry) {
  if (entry.find('=') != std::string::npos) {
    env.push_back(entry);
  } else if (const char* v = std::getenv(entry.c_str()); v != nullptr) {
    env.push_back(entry + "=" + v);
  }
}

// The non-comment lines of an --env-file / --label-file.
absl::StatusOr<std::vector<std::string>> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ErrnoErrorf(errno, "open {}", path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    std::string_view t = TrimSpace(line);
    if (t.empty() || t[0] == '#') continue;
    lines.emplace_back(t);
  }
  return lines;
}

// Go durations ("1m30s", "500ms", "2h") in nanoseconds.
absl::StatusOr<int64_t> ParseDuration(const std::string& text) {
  static const std::vector<std::pair<std::string, double>> kUnits = {
      {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  if (text == "0") return 0;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (start == i) return InvalidArgumentf("invalid duration {:?}", text);
    double value = std::strtod(text.substr(start, i - start).c_str(), nullptr);
    size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    auto it =
        std::find_if(kUnits.begin(), kUnits.end(), [&](const auto& u) { return u.first == unit; });
    if (it == kUnits.end()) return InvalidArgumentf("invalid duration {:?}: unknown unit", text);
    total += value * it->second;
  }
  return static_cast<int64_t>(total);
}

absl::StatusOr<int64_t> Bytes(const std::string& flag, const std::string& value) {
  absl::StatusOr<int64_t> n = RAMInBytes(value);
  if (!n.ok())
    return InvalidArgumentf("invalid argument {:?} for \"{}\" flag: {}", value, flag, n.status());
  return n;
}

absl::Status AddRestart(json& host, const CreateFlags& f) {
  auto [name, count] = SplitOnce(f.restart, ':');
  json policy = {{"Name", std::string(name)}, {"MaximumRetryCount", 0}};
  if (name != "no" && name != "always" && name != "unless-stopped" && name != "on-failure") {
    return InvalidArgumentf("invalid restart policy {:?}", f.restart);
  }
  if (count) {
    std::optional<int64_t> n = ParseInt64(*count);
    if (name != "on-failure") {
      return InvalidArgumentf(
          "invalid restart policy {:?}: a maximum restart count is only "
          "valid with on-failure",
          f.restart);
    }
    if (!n || *n < 0) return InvalidArgumentf("invalid restart policy {:?}", f.restart);
    policy["MaximumRetryCount"] = *n;
  }
  if (f.rm && name != "no") {
    return absl::InvalidArgumentError("Conflicting options: --restart and --rm");
  }
  host["RestartPolicy"] = policy;
  return absl::OkStatus();
}

// "[ip:][hostPort:]containerPort[/proto]" into PortBindings / ExposedPorts.
absl::Status AddPublish(json& host, json& exposed, const std::string& spec) {
  std::string_view s = spec;
  std::string proto = "tcp";
  if (size_t slash = s.rfind('/'); slash != std::string_view::npos) {
    proto = std::string(s.substr(slash + 1));
    s = s.substr(0, slash);
  }
  std::vector<std::string> parts = SplitToStrings(s, ':');
  std::string ip, host_port, container_port;
  if (parts.size() == 1) {
    container_port = parts[0];
  } else if (parts.size() == 2) {
    host_port = parts[0];
    container_port = parts[1];
  } else if (parts.size() == 3) {
    ip = parts[0];
    host_port = parts[1];
    container_port = parts[2];
  } else {
    return InvalidArgumentf("invalid publish spec {:?}", spec);
  }
  if (!ParseUint64(container_port) || (proto != "tcp" && proto != "udp" && proto != "sctp")) {
    return InvalidArgumentf("invalid publish spec {:?}: bad port or protocol", spec);
  }
  std::string key = container_port + "/" + proto;
  exposed[key] = json::object();
  host["PortBindings"][key].push_back({{"HostIp", ip}, {"HostPort", host_port}});
  return absl::OkStatus();
}

// --mount type=bind,source=/a,target=/b,readonly
absl::StatusOr<json> ParseMount(const std::string& spec) {
  json m = {{"Type", "volume"}};
  for (const std::string& field : SplitToStrings(spec, ',', true)) {
    auto [k, v] = SplitOnce(field, '=');
    std::string key(TrimSpace(k));
    std::string value = v ? std::string(*v) : "";
    if (key == "type") {
      m["Type"] = value;
    } else if (key == "source" || key == "src") {
      m["Source"] = value;
    } else if (key == "target" || key == "destination" || key == "dst") {
      m["Target"] = value;
    } else if (key == "readonly" || key == "ro") {
      m["ReadOnly"] = !v || value == "1" || value == "true";
    } else if (key == "bind-propagation") {
      m["BindOptions"]["Propagation"] = value;
    } else if (key == "volume-nocopy") {
      m["VolumeOptions"]["NoCopy"] = !v || value == "1" || value == "true";
    } else if (key == "volume-driver") {
      m["VolumeOptions"]["DriverConfig"]["Name"] = value;
    } else if (key == "volume-opt") {
      auto [ok, ov] = SplitOnce(value, '=');
      m["VolumeOptions"]["DriverConfig"]["Options"][std::string(ok)] = std::string(ov.value_or(""));
    } else if (key == "volume-label") {
      auto [lk, lv] = SplitOnce(value, '=');
      m["VolumeOptions"]["Labels"][std::string(lk)] = std::string(lv.value_or(""));
    } else if (key == "tmpfs-size") {
      BERTH_ASSIGN_OR_RETURN(int64_t size, Bytes("mount", value));
      m["TmpfsOptions"]["SizeBytes"] = size;
    } else if (key == "tmpfs-mode") {
      m["TmpfsOptions"]["Mode"] = std::strtol(value.c_str(), nullptr, 8);
    } else {
      return InvalidArgumentf("invalid mount spec {:?}: unknown field {:?}", spec, key);
    }
  }
  if (!m.contains("Target")) return InvalidArgumentf("invalid mount spec {:?}: no target", spec);
  return m;
}

// "/dev/x[:/dev/y[:rwm]]"
json ParseDevice(const std::string& spec) {
  std::vector<std::string> parts = SplitToStrings(spec, ':');
  json d = {{"PathOnHost", parts[0]}, {"PathInContainer", parts[0]}, {"CgroupPermissions", "rwm"}};
  if (parts.size() >= 2) {
    if (parts.size() == 2 && parts[1].find('/') == std::string::npos) {
      d["CgroupPermissions"] = parts[1];
    } else {
      d["PathInContainer"] = parts[1];
    }
  }
  if (parts.size() >= 3) d["CgroupPermissions"] = parts[2];
  return d;
}

absl::StatusOr<json> ParseUlimit(const std::string& spec) {
  auto [name, limits] = SplitOnce(spec, '=');
  if (!limits) return InvalidArgumentf("invalid ulimit argument: {}", spec);
  auto [soft, hard] = SplitOnce(*limits, ':');
  std::optional<int64_t> s = ParseInt64(soft);
  std::optional<int64_t> h = hard ? ParseInt64(*hard) : s;
  if (!s || !h) return InvalidArgumentf("invalid ulimit argument: {}", spec);
  if (*s > *h && *h != -1) {
    return InvalidArgumentf("ulimit soft limit must be less than or equal to hard limit: {}", spec);
  }
  return json{{"Name", std::string(name)}, {"Soft", *s}, {"Hard", *h}};
}

absl::Status KeyValues(json& out, const std::vector<std::string>& entries, const char* what) {
  for (const std::string& e : entries) {
    auto [k, v] = SplitOnce(e, '=');
    if (k.empty()) return InvalidArgumentf("invalid {} {:?}: empty key", what, e);
    out[std::string(k)] = std::string(v.value_or(""));
  }
  return absl::OkStatus();
}

// docker's validateDeviceCgroupRule: "TYPE MAJOR:MINOR ACCESS", TYPE one of
// a, b, c; MAJOR and MINOR numbers or *; ACCESS 1-3 of r, w, m.
bool ValidDeviceCgroupRule(const std::string& rule) {
  std::vector<std::string> parts = SplitToStrings(rule, ' ');
  if (parts.size() != 3 || parts[0].size() != 1 ||
      std::string_view("abc").find(parts[0][0]) == std::string_view::npos) {
    return false;
  }
  auto [major, minor] = SplitOnce(parts[1], ':');
  auto number = [](std::string_view n) {
    return n == "*" || (!n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
             return std::isdigit(static_cast<unsigned char>(c)) != 0;
           }));
  };
  if (!minor || !number(major) || !number(*minor)) return false;
  const std::string& access = parts[2];
  return !access.empty() && access.size() <= 3 &&
         access.find_first_not_of("rwm") == std::string::npos;
}

}  // namespace

absl::StatusOr<json> EnvList(const std::vector<std::string>& files,
                             const std::vector<std::string>& env) {
  json out = json::array();
  for (const std::string& file : files) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> lines, ReadLines(file));
    for (const std::string& line : lines) AddEnv(out, line);
  }
  for (const std::string& e : env) AddEnv(out, e);
  return out;
}

void AddCreateFlags(CLI::App& c, CreateFlags& f) {
  c.add_option("-a,--attach", f.attach, "Attach to STDIN, STDOUT or STDERR");
  c.add_option("-e,--env", f.env, "Set environment variables");
  c.add_option("--env-file", f.env_files, "Read in a file of environment variables");
  c.add_option("-l,--label", f.labels, "Set meta data on a container");
  c.add_option("--label-file", f.label_files, "Read in a line delimited file of labels");
  c.add_option("--name", f.name, "Assign a name to the container");
  c.add_option("-h,--hostname", f.hostname, "Container host name");
  c.add_option("--domainname", f.domainname, "Container NIS domain name");
  c.add_option("-u,--user", f.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  c.add_option("-w,--workdir", f.workdir, "Working directory inside the container");
  f.entrypoint_set =
      c.add_option("--entrypoint", f.entrypoint, "Overwrite the default ENTRYPOINT of the image");
  c.add_option("--stop-signal", f.stop_signal, "Signal to stop the container");
  c.add_option("--stop-timeout", f.stop_timeout, "Timeout (in seconds) to stop a container");
  c.add_option("--platform", f.platform, "Set platform if server is multi-platform capable");
  c.add_option("--pull", f.pull, "Pull image before running (\"always\", \"missing\", \"never\")")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  c.add_flag("-t,--tty", f.tty, "Allocate a pseudo-TTY");
  c.add_flag("-i,--interactive", f.interactive, "Keep STDIN open even if not attached");
  c.add_option("--expose", f.expose, "Expose a port or a range of ports");
  c.add_option("--health-cmd", f.health_cmd, "Command to run to check health");
  c.add_option("--health-interval", f.health_interval, "Time between running the check");
  c.add_option("--health-timeout", f.health_timeout, "Maximum time to allow one check to run");
  c.add_option("--health-start-period", f.health_start_period,
               "Start period for the container to initialize");
  c.add_option("--health-retries", f.health_retries,
               "Consecutive failures needed to report unhealthy");
  c.add_option("--health-start-interval", f.health_start_interval,
               "Time between running the check during the start period");
  c.add_flag("--no-healthcheck", f.no_healthcheck, "Disable any container-specified HEALTHCHECK");
  c.add_option("-v,--volume", f.binds, "Bind mount a volume");
  c.add_option("--mount", f.mounts, "Attach a filesystem mount to the container");
  c.add_option("--tmpfs", f.tmpfs, "Mount a tmpfs directory");
  c.add_option("--volumes-from", f.volumes_from, "Mount volumes from the specified container(s)");
  c.add_option("--cap-add", f.cap_add, "Add Linux capabilities");
  c.add_option("--cap-drop", f.cap_drop, "Drop Linux capabilities");
  c.add_option("--security-opt", f.security_opt, "Security Options");
  c.add_option("--ulimit", f.ulimits, "Ulimit options");
  c.add_option("--group-add", f.group_add, "Add additional groups to join");
  c.add_option("--sysctl", f.sysctls, "Sysctl options");
  c.add_option("--device", f.devices, "Add a host device to the container");
  c.add_option("--log-driver", f.log_driver, "Logging driver for the container");
  c.add_option("--log-opt", f.log_opts, "Log driver options");
  c.add_option("--dns", f.dns, "Set custom DNS servers");
  c.add_option("--dns-option", f.dns_options, "Set DNS options");
  c.add_option("--dns-search", f.dns_search, "Set custom DNS search domains");
  c.add_option("--add-host", f.add_hosts, "Add a custom host-to-IP mapping (host:ip)");
  c.add_option("-p,--publish", f.publish, "Publish a container's port(s) to the host");
  c.add_flag("-P,--publish-all", f.publish_all, "Publish all exposed ports to random ports");
  c.add_option("--link", f.links, "Add link to another container");
  c.add_option("--annotation", f.annotations, "Add an annotation to the container");
  c.add_option("--network,--net", f.network, "Connect a container to a network");
  c.add_option("--restart", f.restart, "Restart policy to apply when a container exits");
  c.add_option("-m,--memory", f.memory, "Memory limit");
  c.add_option("--memory-swap", f.memory_swap,
               "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
  c.add_option("--memory-reservation", f.memory_reservation, "Memory soft limit");
  c.add_option("--cpus", f.cpus, "Number of CPUs");
  c.add_option("-c,--cpu-shares", f.cpu_shares, "CPU shares (relative weight)");
  c.add_option("--cpuset-cpus", f.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  c.add_option("--cpuset-mems", f.cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  c.add_option("--cpu-period", f.cpu_period, "Limit CPU CFS (Completely Fair Scheduler) period");
  c.add_option("--cpu-quota", f.cpu_quota, "Limit CPU CFS (Completely Fair Scheduler) quota");
  c.add_option("--pids-limit", f.pids_limit, "Tune container pids limit (set -1 for unlimited)");
  c.add_option("--oom-score-adj", f.oom_score_adj, "Tune host's OOM preferences (-1000 to 1000)");
  c.add_option("--memory-swappiness", f.memory_swappiness,
               "Tune container memory swappiness (0 to 100)");
  c.add_option("--blkio-weight", f.blkio_weight,
               "Block IO (relative weight), between 10 and 1000, or 0 to disable");
  c.add_option("--device-cgroup-rule", f.device_cgroup_rules,
               "Add a rule to the cgroup allowed devices list");
  c.add_option("--cidfile", f.cidfile, "Write the container ID to the file");
  c.add_flag("-q,--quiet", f.quiet, "Suppress the pull output");
  c.add_flag("--disable-content-trust", f.disable_content_trust,
             "Skip image verification (default true)");
  c.add_flag("--oom-kill-disable", f.oom_kill_disable, "Disable OOM Killer");
  c.add_option("--ipc", f.ipc, "IPC mode to use");
  c.add_option("--pid", f.pid, "PID namespace to use");
  c.add_option("--uts", f.uts, "UTS namespace to use");
  c.add_option("--shm-size", f.shm_size, "Size of /dev/shm");
  c.add_option("--cgroup-parent", f.cgroup_parent, "Optional parent cgroup for the container");
  c.add_option("--cgroupns", f.cgroupns, "Cgroup namespace to use (host|private)");
  c.add_option("--runtime", f.runtime, "Runtime to use for this container");
  c.add_option("--userns", f.userns, "User namespace to use");
  c.add_option("--mac-address", f.mac_address, "Container MAC address");
  c.add_flag("--rm", f.rm, "Automatically remove the container when it exits");
  c.add_flag("--privileged", f.privileged, "Give extended privileges to this container");
  c.add_flag("--read-only", f.read_only, "Mount the container's root filesystem as read only");
  c.add_flag("--init", f.init,
             "Run an init inside the container that forwards signals and reaps processes");
}

absl::StatusOr<json> CreateRequestBody(const CreateFlags& f, const std::string& image,
                                       const std::vector<std::string>& args, bool detached) {
  json config = json::object();
  json host = json::object();
  config["Image"] = image;

  BERTH_ASSIGN_OR_RETURN(config["Env"], EnvList(f.env_files, f.env));

  json labels = json::object();
  std::vector<std::string> label_entries;
  for (const std::string& file : f.label_files) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> lines, ReadLines(file));
    label_entries.insert(label_entries.end(), lines.begin(), lines.end());
  }
  label_entries.insert(label_entries.end(), f.labels.begin(), f.labels.end());
  BERTH_RETURN_IF_ERROR(KeyValues(labels, label_entries, "label"));
  config["Labels"] = labels;

  if (!args.empty()) config["Cmd"] = args;
  if (f.entrypoint_set != nullptr && f.entrypoint_set->count() > 0) {
    config["Entrypoint"] = json::array({f.entrypoint});
  }
  config["Hostname"] = f.hostname;
  config["Domainname"] = f.domainname;
  config["User"] = f.user;
  config["WorkingDir"] = f.workdir;
  if (!f.stop_signal.empty()) config["StopSignal"] = f.stop_signal;
  if (f.stop_timeout) config["StopTimeout"] = *f.stop_timeout;
  config["Tty"] = f.tty;
  config["OpenStdin"] = f.interactive;

  // Attach: -a picks streams; by default stdout and stderr, and stdin
  // with -i. Detached (run -d) attaches nothing.
  bool in = false, out = false, err = false;
  if (f.attach.empty()) {
    out = err = true;
    in = f.interactive;
  }
  for (const std::string& a : f.attach) {
    std::string s = a;
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (s == "stdin") {
      in = true;
    } else if (s == "stdout") {
      out = true;
    } else if (s == "stderr") {
      err = true;
    } else {
      return InvalidArgumentf(
          "invalid argument {:?} for \"-a, --attach\" flag: valid streams "
          "are STDIN, STDOUT and STDERR",
          a);
    }
  }
  if (detached) {
    if (!f.attach.empty()) return absl::InvalidArgumentError("Conflicting options: -a and -d");
    in = out = err = false;
  }
  config["AttachStdin"] = in;
  config["AttachStdout"] = out;
  config["AttachStderr"] = err;
  config["StdinOnce"] = f.interactive && in;

  json exposed = json::object();
  for (const std::string& e : f.expose) {
    std::string key = e.find('/') == std::string::npos ? e + "/tcp" : e;
    exposed[key] = json::object();
  }
  for (const std::string& p : f.publish) BERTH_RETURN_IF_ERROR(AddPublish(host, exposed, p));
  if (!exposed.empty()) config["ExposedPorts"] = exposed;
  host["PublishAllPorts"] = f.publish_all;

  if (f.no_healthcheck) {
    config["Healthcheck"] = {{"Test", {"NONE"}}};
  } else if (!f.health_cmd.empty() || !f.health_interval.empty() || !f.health_timeout.empty() ||
             !f.health_start_period.empty() || !f.health_start_interval.empty() ||
             f.health_retries) {
    json hc = json::object();
    if (!f.health_cmd.empty()) hc["Test"] = {"CMD-SHELL", f.health_cmd};
    for (auto [flag, key] :
         {std::pair{&f.health_interval, "Interval"}, std::pair{&f.health_timeout, "Timeout"},
          std::pair{&f.health_start_period, "StartPeriod"},
          std::pair{&f.health_start_interval, "StartInterval"}}) {
      if (flag->empty()) continue;
      BERTH_ASSIGN_OR_RETURN(int64_t ns, ParseDuration(*flag));
      hc[key] = ns;
    }
    if (f.health_retries) hc["Retries"] = *f.health_retries;
    config["Healthcheck"] = hc;
  }

  // -v: "src:dst[:opts]" is a bind or named volume; "/dst" alone an
  // anonymous volume, declared in the config as docker does.
  json binds = json::array();
  json volumes = json::object();
  for (const std::string& v : f.binds) {
    if (v.find(':') == std::string::npos) {
      volumes[v] = json::object();
    } else {
      binds.push_back(v);
    }
  }
  host["Binds"] = binds;
  if (!volumes.empty()) config["Volumes"] = volumes;
  json mounts = json::array();
  for (const std::string& m : f.mounts) {
    BERTH_ASSIGN_OR_RETURN(json mount, ParseMount(m));
    mounts.push_back(mount);
  }
  if (!mounts.empty()) host["Mounts"] = mounts;
  if (!f.tmpfs.empty()) {
    json tmpfs = json::object();
    for (const std::string& t : f.tmpfs) {
      auto [path, opts] = SplitOnce(t, ':');
      tmpfs[std::string(path)] = std::string(opts.value_or(""));
    }
    host["Tmpfs"] = tmpfs;
  }
  host["VolumesFrom"] = f.volumes_from;

  BERTH_RETURN_IF_ERROR(AddRestart(host, f));
  host["AutoRemove"] = f.rm;
  host["NetworkMode"] = f.network;
  host["Privileged"] = f.privileged;
  host["ReadonlyRootfs"] = f.read_only;
  if (f.init) host["Init"] = true;
  host["CapAdd"] = f.cap_add;
  host["CapDrop"] = f.cap_drop;
  host["SecurityOpt"] = f.security_opt;
  host["GroupAdd"] = f.group_add;
  host["Links"] = f.links;
  host["Dns"] = f.dns;
  host["DnsOptions"] = f.dns_options;
  host["DnsSearch"] = f.dns_search;
  host["ExtraHosts"] = f.add_hosts;
  if (!f.annotations.empty()) {
    json annotations = json::object();
    BERTH_RETURN_IF_ERROR(KeyValues(annotations, f.annotations, "annotation"));
    host["Annotations"] = annotations;
  }

  if (!f.memory.empty()) {
    BERTH_ASSIGN_OR_RETURN(int64_t n, Bytes("--memory", f.memory));
    host["Memory"] = n;
  }
  if (!f.memory_swap.empty()) {
    if (f.memory_swap == "-1") {
      host["MemorySwap"] = -1;
    } else {
      BERTH_ASSIGN_OR_RETURN(int64_t n, Bytes("--memory-swap", f.memory_swap));
      host["MemorySwap"] = n;
    }
  }
  if (!f.memory_reservation.empty()) {
    BERTH_ASSIGN_OR_RETURN(int64_t n, Bytes("--memory-reservation", f.memory_reservation));
    host["MemoryReservation"] = n;
  }
  if (!f.shm_size.empty()) {
    BERTH_ASSIGN_OR_RETURN(int64_t n, Bytes("--shm-size", f.shm_size));
    host["ShmSize"] = n;
  }
  if (!f.cpus.empty()) {
    char* end = nullptr;
    double cpus = std::strtod(f.cpus.c_str(), &end);
    if (end == f.cpus.c_str() || *end != '\0' || cpus < 0) {
      return InvalidArgumentf(
          "invalid argument {:?} for \"--cpus\" flag: failed to parse {:?} "
          "as a rational number",
          f.cpus, f.cpus);
    }
    host["NanoCpus"] = static_cast<int64_t>(cpus * 1e9);
  }
  if (f.cpu_shares) host["CpuShares"] = *f.cpu_shares;
  if (f.cpu_period) host["CpuPeriod"] = *f.cpu_period;
  if (f.cpu_quota) host["CpuQuota"] = *f.cpu_quota;
  if (f.pids_limit) host["PidsLimit"] = *f.pids_limit;
  if (f.oom_score_adj) {
    if (*f.oom_score_adj < -1000 || *f.oom_score_adj > 1000) {
      return InvalidArgumentf("invalid value {}, range for oom score adj is [-1000, 1000]",
                              *f.oom_score_adj);
    }
    host["OomScoreAdj"] = *f.oom_score_adj;
  }
  if (f.oom_kill_disable) host["OomKillDisable"] = true;
  // Sent always, as docker sends them (-1: the kernel's default).
  int64_t swappiness = f.memory_swappiness.value_or(-1);
  if (swappiness != -1 && (swappiness < 0 || swappiness > 100)) {
    return InvalidArgumentf("invalid value: {}. Valid memory swappiness range is 0-100",
                            swappiness);
  }
  host["MemorySwappiness"] = swappiness;
  host["BlkioWeight"] = f.blkio_weight.value_or(0);
  for (const std::string& rule : f.device_cgroup_rules) {
    if (!ValidDeviceCgroupRule(rule)) {
      return InvalidArgumentf(
          "invalid argument {:?} for \"--device-cgroup-rule\" flag: invalid device cgroup "
          "format '{}'",
          rule, rule);
    }
  }
  if (!f.device_cgroup_rules.empty()) host["DeviceCgroupRules"] = f.device_cgroup_rules;
  host["CpusetCpus"] = f.cpuset_cpus;
  host["CpusetMems"] = f.cpuset_mems;
  host["IpcMode"] = f.ipc;
  host["PidMode"] = f.pid;
  host["UTSMode"] = f.uts;
  host["CgroupParent"] = f.cgroup_parent;
  if (!f.cgroupns.empty()) host["CgroupnsMode"] = f.cgroupns;
  if (!f.runtime.empty()) host["Runtime"] = f.runtime;
  host["UsernsMode"] = f.userns;
  if (!f.mac_address.empty()) config["MacAddress"] = f.mac_address;

  json ulimits = json::array();
  for (const std::string& u : f.ulimits) {
    BERTH_ASSIGN_OR_RETURN(json limit, ParseUlimit(u));
    ulimits.push_back(limit);
  }
  host["Ulimits"] = ulimits;
  json devices = json::array();
  for (const std::string& d : f.devices) devices.push_back(ParseDevice(d));
  host["Devices"] = devices;
  if (!f.sysctls.empty()) {
    json sysctls = json::object();
    BERTH_RETURN_IF_ERROR(KeyValues(sysctls, f.sysctls, "sysctl"));
    host["Sysctls"] = sysctls;
  }
  json log_config = {{"Type", f.log_driver}, {"Config", json::object()}};
  BERTH_RETURN_IF_ERROR(KeyValues(log_config["Config"], f.log_opts, "log-opt"));
  host["LogConfig"] = log_config;

  config["HostConfig"] = host;
  config["NetworkingConfig"] = {{"EndpointsConfig", json::object()}};
  return config;
}

}  // namespace berth::cli
