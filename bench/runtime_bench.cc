// berth-runtime-bench: create + start + wait + delete of a trivial busybox
// container, N times in sequence, for berth-runtime and (where installed)
// runc and crun, in one run. Prints medians and ratios, and the peak RSS of
// the `create` process (the runtime's own memory, measured by wait4).
//
// All runtimes run in one private mount namespace with the hybrid host's
// cgroup2 mount (/sys/fs/cgroup/unified) unmounted: crun 1.8 refuses hybrid
// hosts, berth-runtime and runc do not mind.
//
// --docker-spec: the bundle's config.json is the one berthd writes for
// `docker run --network none busybox true` (engined's BuildSpec: docker's
// default seccomp profile, capabilities, masked and read-only paths, the
// /etc/hosts, hostname and resolv.conf binds), instead of `runc spec`'s.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "engined/spec/spec_builder.h"
#include "tests/testimage/testimage.h"

namespace {

using Clock = std::chrono::steady_clock;

struct RunResult {
  double total_ms = 0;
  double create_ms = 0;
  double start_ms = 0;
  double wait_ms = 0;
  double delete_ms = 0;
  long create_maxrss_kb = 0;
};

struct Summary {
  std::string name;
  std::vector<RunResult> runs;
  int failures = 0;
};

std::string g_rss_exec;  // berth-rss-exec, next to this binary

// Runs `argv` through berth-rss-exec; returns the exit code and sets the
// program's own peak RSS.
int RunTimed(const std::vector<std::string>& argv, long* maxrss_kb) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return -1;
  berth::SpawnOptions o;
  o.argv = {g_rss_exec};
  o.argv.insert(o.argv.end(), argv.begin(), argv.end());
  o.fds = {{3, fds[1]}};
  absl::StatusOr<berth::ScopedPid> child = berth::Spawn(o);
  close(fds[1]);
  if (!child.ok()) {
    close(fds[0]);
    std::fprintf(stderr, "spawn %s: %s\n", argv[0].c_str(),
                 std::string(child.status().message()).c_str());
    return -1;
  }
  pid_t pid = child->release();
  char buf[64] = {};
  ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
  close(fds[0]);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  int code = -1;
  long rss = 0;
  if (n <= 0 || std::sscanf(buf, "%d %ld", &code, &rss) != 2) return -1;
  if (maxrss_kb) *maxrss_kb = rss;
  return code;
}

// Waits for the container's init (reparented to us, the subreaper) to exit.
void WaitForInit(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::optional<RunResult> OneRun(const std::string& runtime, const std::string& root,
                                const std::string& bundle, const std::string& id) {
  std::string pid_file = root + "/" + id + ".pid";
  RunResult r;
  auto t0 = Clock::now();
  if (RunTimed({runtime, "--root", root, "create", "--bundle", bundle, "--pid-file", pid_file, id},
               &r.create_maxrss_kb) != 0) {
    return std::nullopt;
  }
  auto t1 = Clock::now();
  absl::StatusOr<std::string> pid_text = berth::ReadFile(pid_file);
  if (!pid_text.ok()) return std::nullopt;
  pid_t pid = static_cast<pid_t>(std::stol(*pid_text));
  if (RunTimed({runtime, "--root", root, "start", id}, nullptr) != 0) return std::nullopt;
  auto t2 = Clock::now();
  WaitForInit(pid);
  auto t3 = Clock::now();
  if (RunTimed({runtime, "--root", root, "delete", id}, nullptr) != 0) return std::nullopt;
  auto t4 = Clock::now();
  unlink(pid_file.c_str());
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  r.create_ms = ms(t0, t1);
  r.start_ms = ms(t1, t2);
  r.wait_ms = ms(t2, t3);
  r.delete_ms = ms(t3, t4);
  r.total_ms = ms(t0, t4);
  return r;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string Which(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"}) {
    std::string path = std::string(dir) + "/" + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// A private mount namespace without the cgroup2 mount of a hybrid host.
void IsolateMounts() {
  if (unshare(CLONE_NEWNS) < 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    std::perror("private mount namespace");
    std::exit(1);
  }
  if (berth::PathExists("/sys/fs/cgroup/unified/cgroup.procs")) {
    umount2("/sys/fs/cgroup/unified", MNT_DETACH);
  }
}

// The cgroup parent of --docker-spec's containers (docker's is /docker):
// the runtimes remove each container's cgroup, and the benchmark this one.
std::string DockerSpecCgroupParent() { return "/berth-runtime-bench-" + std::to_string(getpid()); }

// config.json as berthd builds it for `docker run --network none IMAGE true`,
// with the /etc files it binds in (written under `dir`).
absl::StatusOr<berth::json::Json> DockerSpec(const std::string& dir, const std::string& rootfs) {
  namespace es = berth::engined::spec;
  es::SpecInput in;
  in.id = std::string(64, 'b');
  in.config = {{"Cmd", {"true"}}, {"Env", {es::kDefaultPathEnv}}};
  in.host_config = {{"NetworkMode", "none"}};
  in.rootfs = rootfs;
  in.cgroup_parent = DockerSpecCgroupParent();
  for (const char* name : {"hostname", "hosts", "resolv.conf"}) {
    std::string path = dir + "/" + name;
    BERTH_RETURN_IF_ERROR(berth::WriteFile(path, std::string(name) == "hostname" ? "bench\n" : ""));
    in.mounts.push_back({std::string("/etc/") + name, "bind", path, {"rbind", "rprivate"}});
  }
  return es::BuildSpec(in);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"create+start+wait+delete latency of OCI runtimes", "berth-runtime-bench"};
  std::string berth_runtime;
  int iterations = 100;
  int warmup = 5;
  bool docker_spec = false;
  bool no_others = false;
  std::string compare, bundle_only;
  app.add_option("--berth-runtime", berth_runtime, "path of berth-runtime")->required();
  app.add_option("-n,--iterations", iterations, "measured runs per runtime (default 100)");
  app.add_option("--warmup", warmup, "unmeasured runs first (default 5)");
  app.add_flag("--docker-spec", docker_spec,
               "config.json as berthd writes it (docker's seccomp profile, masked paths, binds; "
               "cgroups under /berth-runtime-bench-PID)");
  app.add_option("--compare", compare, "a second berth-runtime build, run in turn with the first");
  app.add_flag("--berth-only", no_others, "leave out runc and crun");
  app.add_option("--write-bundle", bundle_only, "only write the bundle to this directory");
  CLI11_PARSE(app, argc, argv);
  g_rss_exec = berth::JoinPath(
      std::string(argv[0]).substr(0, std::string(argv[0]).find_last_of('/') + 1), "berth-rss-exec");
  if (access(g_rss_exec.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "berth-runtime-bench: %s not found\n", g_rss_exec.c_str());
    return 1;
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "berth-runtime-bench: needs root\n");
    return 1;
  }
  IsolateMounts();
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  char dir_template[] = "/tmp/berth-bench-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  std::string bundle = bundle_only.empty() ? dir + "/bundle" : bundle_only;
  if (!bundle_only.empty()) (void)berth::RemoveAll(bundle_only);
  berth::testimage::ConfigOptions config;
  config.args = {"true"};
  absl::Status made = berth::testimage::CreateBundle(
      bundle, berth::testimage::DefaultRuntimeConfig(config), {});
  if (made.ok() && docker_spec) {
    absl::StatusOr<berth::json::Json> spec = DockerSpec(bundle, bundle + "/rootfs");
    made = spec.ok() ? berth::WriteFile(bundle + "/config.json", berth::json::Dump(*spec))
                     : spec.status();
  }
  if (!made.ok()) {
    std::fprintf(stderr, "bundle: %s\n", std::string(made.message()).c_str());
    return 1;
  }

  if (!bundle_only.empty()) {
    (void)berth::RemoveAll(dir);
    std::printf("bundle written to %s\n", bundle_only.c_str());
    return 0;
  }

  std::vector<std::pair<std::string, std::string>> runtimes = {{"berth-runtime", berth_runtime}};
  if (!compare.empty()) runtimes.emplace_back("berth-B", compare);
  for (const char* name : {"runc", "crun"}) {
    std::string path = no_others ? "" : Which(name);
    if (path.empty()) {
      std::printf("%s: %s, skipped\n", name, no_others ? "--berth-only" : "not installed");
    } else {
      runtimes.emplace_back(name, path);
    }
  }
  // The runtimes take turns run by run, so load from elsewhere weighs on
  // all of them alike.
  std::vector<Summary> summaries(runtimes.size());
  for (int i = 0; i < warmup + iterations; ++i) {
    for (size_t k = 0; k < runtimes.size(); ++k) {
      const auto& [name, path] = runtimes[k];
      Summary& s = summaries[k];
      s.name = name;
      std::string root = dir + "/state-" + name;
      std::string id = "bench-" + name + "-" + std::to_string(i);
      std::optional<RunResult> r = OneRun(path, root, bundle, id);
      if (!r) {
        ++s.failures;
        RunTimed({path, "--root", root, "delete", "--force", id}, nullptr);
        continue;
      }
      if (i >= warmup) s.runs.push_back(*r);
    }
  }

  std::printf("\ncreate + start + wait + delete, %d runs each (after %d warm-up runs)\n", iterations, warmup);
  std::printf("%-14s %10s %10s %10s %9s %9s %9s %9s %14s %7s\n", "runtime", "median ms",
              "p90 ms", "min ms", "create", "start", "wait", "delete", "create RSS KB", "failed");
  std::map<std::string, double> medians, rss;
  for (const Summary& s : summaries) {
    std::vector<double> total, create, start, wait, del, mem;
    for (const RunResult& r : s.runs) {
      total.push_back(r.total_ms);
      create.push_back(r.create_ms);
      start.push_back(r.start_ms);
      wait.push_back(r.wait_ms);
      del.push_back(r.delete_ms);
      mem.push_back(static_cast<double>(r.create_maxrss_kb));
    }
    medians[s.name] = Percentile(total, 0.5);
    rss[s.name] = mem.empty() ? 0 : *std::max_element(mem.begin(), mem.end());
    std::printf("%-14s %10.2f %10.2f %10.2f %9.2f %9.2f %9.2f %9.2f %14.0f %7d\n", s.name.c_str(),
                medians[s.name], Percentile(total, 0.9), Percentile(total, 0.0),
                Percentile(create, 0.5), Percentile(start, 0.5), Percentile(wait, 0.5),
                Percentile(del, 0.5), rss[s.name], s.failures);
  }
  std::printf("(create / start / wait / delete: medians of each step, ms)\n\n");
  for (const char* other : {"berth-B", "runc", "crun"}) {
    if (medians.count(other) && medians[other] > 0) {
      std::printf("berth-runtime / %-5s median latency: %.2f   peak create RSS: %.2f\n", other,
                  medians["berth-runtime"] / medians[other], rss["berth-runtime"] / rss[other]);
    }
  }
  (void)berth::RemoveAll(dir);
  if (docker_spec) {
    std::error_code ec;
    for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
      rmdir((hierarchy.path().string() + DockerSpecCgroupParent()).c_str());
    }
  }
  return 0;
}
