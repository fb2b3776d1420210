// berth-berthd-bench: `docker run --rm --network none IMAGE true` through
// the docker CLI against berthd and against Debian's dockerd in the same
// run, and the idle memory of each engine's daemons (issue 6: berthd's
// median at most 1/4 of dockerd's; berthd + berth-containerd idle RSS at
// most half of dockerd + containerd).
//
// Each engine runs privately: berthd (which starts its own
// berth-containerd) and /usr/sbin/dockerd (which starts its own
// /usr/bin/containerd) each get their own data root, exec root, config
// file and unix socket in a temp dir, and the same busybox image
// (testimage::CreateDockerArchive) is loaded into both with `docker load`.
// dockerd 20.10 also uses a few fixed host paths whatever its flags say
// (/run/docker/plugins, containerd's shim sockets in /run/containerd/s,
// containerd's /opt/containerd, /etc/docker); the benchmark runs in a
// private mount namespace and mounts a tmpfs on each of those there, so the
// host's are never touched. dockerd gets --iptables=false --ip-masq=false
// --ip-forward=false --bridge=none (no host network or sysctl change) and a
// cgroup parent of its own.
//
// Measured with one docker CLI (DOCKER_HOST=unix://...), after warm-ups:
// N runs in sequence, the engines alternating (and which goes first
// alternating), a short pause after each; then C runs at once per engine.
// The CLI's own cost (`docker version`, one process and two requests) is
// timed against each engine too. Idle memory: RSS of the two daemon
// processes of each engine (berthd + berth-containerd, dockerd +
// containerd; shims and containers are not counted), after a settle time,
// once after the image load and once after the runs.
//
// Without dockerd, berth's numbers are printed alone, with the reason.
// --compare-berthd PATH runs a second berthd (with the berth-containerd,
// berth-shim and berth-runtime found beside it) in dockerd's place, the two
// alternating as berthd and dockerd do: an A/B of two builds under the same
// load.
// Everything is removed at the end, also on failure or Ctrl-C: daemons,
// leftover shims and containers, dockerd's cgroups, mounts, temp dirs.
#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/api_trace.h"
#include "bench/bench_util.h"
#include "bench/process_memory.h"
#include "common/file_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"

namespace {

using berth::bench::Clock;
using berth::bench::Interrupted;
using berth::bench::Ms;
using berth::bench::Percentile;
using berth::bench::Warn;

constexpr char kDockerd[] = "/usr/sbin/dockerd";
constexpr char kImage[] = "busybox:latest";
constexpr auto kCommandTimeout = std::chrono::seconds(120);

struct Options {
  int runs = 20;
  int warmup = 3;
  int concurrency = 20;
  int gap_ms = 100;
  int settle_ms = 3000;
  int version_runs = 10;
  std::string berthd = "berthd";
  std::string compare_berthd;  // a second berthd build, instead of dockerd
  std::string dockerd = kDockerd;
  std::string docker;
  std::string log_level;
  bool with_dockerd = true;
  bool keep = false;
  std::string keep_dir;
  bool trace = false;
};

// The docker CLI and the environment it runs in (HOME in the temp dir, so
// ~/.docker is the benchmark's own).
struct Cli {
  std::string docker;
  std::string home;
};

// Timed runs of one command against one engine.
struct Series {
  std::vector<double> ms;
  double wall_ms = 0;
  int failures = 0;
  std::string first_error;

  void Add(const absl::StatusOr<double>& t) {
    if (t.ok()) {
      ms.push_back(*t);
    } else if (failures++ == 0) {
      first_error = std::string(t.status().message());
    }
  }
  double Median() const { return Percentile(ms, 0.5); }
};

// RSS of an engine's two daemon processes, KiB.
struct EngineMemory {
  std::optional<berth::bench::Memory> daemon;
  std::optional<berth::bench::Memory> helper;
  bool complete() const { return daemon && helper; }
  long RssKb() const { return (daemon ? daemon->rss_kb : 0) + (helper ? helper->rss_kb : 0); }
  long PssKb() const { return (daemon ? daemon->pss_kb : 0) + (helper ? helper->pss_kb : 0); }
};

// An engine daemon started privately in `dir`, stopped (with whatever it
// left: shims, containers, cgroups, mounts) when destroyed.
class Engine {
 public:
  struct Spec {
    std::string name;    // "berthd"
    std::string helper;  // executable name of the daemon it starts: "berth-containerd"
    std::string dir;
    std::string socket;
    std::vector<std::string> argv;
    std::string cgroup_parent;  // removed at the end when not empty
    std::string keep_log_as;    // where the daemon's log is copied at the end, if set
  };

  Engine(Spec spec, Cli cli) : spec_(std::move(spec)), cli_(std::move(cli)) {}
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine() { Stop(); }

  const std::string& name() const { return spec_.name; }
  const std::string& helper() const { return spec_.helper; }
  std::string Log() const { return spec_.dir + "/daemon.log"; }

  absl::Status Start() {
    BERTH_RETURN_IF_ERROR(berth::MkdirAll(spec_.dir + "/logs", 0700));
    berth::UniqueFd log(::open(Log().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!log) return berth::ErrnoErrorf(errno, "open {}", Log());
    berth::SpawnOptions spawn;
    spawn.argv = spec_.argv;
    spawn.fds = {{1, log.get()}, {2, log.get()}};
    BERTH_ASSIGN_OR_RETURN(berth::ScopedPid pid, berth::Spawn(spawn));
    pid_ = pid.release();
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline && !Interrupted() && ::kill(pid_, 0) == 0) {
      if (berth::bench::Listening(spec_.socket) && Docker({"version"}, "version").ok()) {
        return absl::OkStatus();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return absl::UnavailableError(fmt::format("{} did not serve on {}; its log:\n{}", spec_.name,
                                              spec_.socket, berth::bench::Tail(Log(), 15)));
  }

  // `docker ARGS` against this engine, its output in logs/<tag>.log (kept
  // only when it fails); the wall time in ms.
  absl::StatusOr<double> Docker(const std::vector<std::string>& args,
                                const std::string& tag) const {
    std::string log = spec_.dir + "/logs/" + tag + ".log";
    berth::UniqueFd fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return berth::ErrnoErrorf(errno, "open {}", log);
    berth::SpawnOptions spawn = DockerSpawn(args);
    spawn.fds = {{1, fd.get()}, {2, fd.get()}};
    Clock::time_point start = Clock::now();
    BERTH_ASSIGN_OR_RETURN(berth::ScopedPid child, berth::Spawn(spawn));
    fd.reset();
    BERTH_ASSIGN_OR_RETURN(berth::ExitStatus status,
                           berth::testing::WaitChild(child.release(), kCommandTimeout));
    double ms = Ms(start, Clock::now());
    if (!status.success()) {
      return absl::UnavailableError(fmt::format("docker {} against {}: exit {}: {}",
                                                fmt::join(args, " "), spec_.name, status.code,
                                                berth::bench::Tail(log, 3)));
    }
    ::unlink(log.c_str());
    return ms;
  }

  // The lines `docker ARGS` prints on stdout.
  std::vector<std::string> Lines(const std::vector<std::string>& args) const {
    std::vector<std::string> out;
    absl::StatusOr<berth::SpawnResult> r =
        berth::testing::RunCommand(DockerSpawn(args), "", kCommandTimeout, spec_.dir + "/logs");
    if (!r.ok() || !r->status.success()) return out;
    std::istringstream lines(r->out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }

  // From now on the CLI talks to the engine through an ApiTrace relay.
  absl::Status TraceApi() {
    BERTH_ASSIGN_OR_RETURN(trace_,
                           berth::bench::ApiTrace::Start(spec_.dir + "/trace.sock", spec_.socket));
    return absl::OkStatus();
  }
  // The calls the relay saw since the last call (none without TraceApi).
  std::vector<berth::bench::ApiCall> TakeCalls() {
    return trace_ ? trace_->Take() : std::vector<berth::bench::ApiCall>{};
  }

  EngineMemory Memory() const {
    EngineMemory m;
    if (pid_ <= 0) return m;
    m.daemon = berth::bench::Measure(pid_);
    if (std::optional<pid_t> helper = berth::bench::ChildNamed(pid_, spec_.helper)) {
      m.helper = berth::bench::Measure(*helper);
    }
    return m;
  }

  // Removes what runs left (there should be nothing: every run is --rm).
  int RemoveContainers() const {
    std::vector<std::string> ids = Lines({"ps", "-aq"});
    for (const std::string& id : ids) (void)Docker({"rm", "-f", id}, "rm-" + id);
    return static_cast<int>(ids.size());
  }

  void Stop() {
    trace_.reset();
    if (pid_ > 0) {
      // Containers of runs that failed half-way, so that no cgroup or
      // mount of theirs outlives the benchmark.
      if (::kill(pid_, 0) == 0) (void)RemoveContainers();
      ::kill(pid_, SIGTERM);
      absl::StatusOr<berth::ExitStatus> status =
          berth::testing::WaitChild(pid_, std::chrono::seconds(45));
      if (!status.ok()) Warn(spec_.name + " did not stop in 45 s; killed");
      pid_ = 0;
    }
    // Its helper daemon, shims and containers: anything whose command line
    // names the engine's dir.
    for (int i = 0; i < 50; ++i) {
      std::vector<pid_t> left = berth::bench::FindProcesses("", spec_.dir + "/");
      left.erase(std::remove(left.begin(), left.end(), ::getpid()), left.end());
      if (left.empty()) break;
      if (i == 10) {
        for (pid_t pid : left) {
          Warn(fmt::format("{}: process {} still running; killing it", spec_.name, pid));
          ::kill(pid, SIGKILL);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!spec_.cgroup_parent.empty()) berth::bench::RemoveCgroup(spec_.cgroup_parent);
    berth::bench::UnmountUnder(spec_.dir);
    if (!spec_.keep_log_as.empty()) {
      std::error_code ec;
      std::filesystem::copy_file(Log(), spec_.keep_log_as,
                                 std::filesystem::copy_options::overwrite_existing, ec);
    }
  }

 private:
  berth::SpawnOptions DockerSpawn(const std::vector<std::string>& args) const {
    berth::SpawnOptions spawn;
    spawn.argv = {cli_.docker};
    spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
    spawn.env = std::vector<std::string>{
        "DOCKER_HOST=unix://" + (trace_ ? trace_->socket() : spec_.socket), "HOME=" + cli_.home,
        "DOCKER_CLI_HINTS=false", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    return spawn;
  }

  Spec spec_;
  Cli cli_;
  pid_t pid_ = 0;
  std::unique_ptr<berth::bench::ApiTrace> trace_;
};

// `docker run --rm --network none IMAGE true`, the command measured.
absl::StatusOr<double> RunOnce(const Engine& engine, const std::string& tag) {
  return engine.Docker({"run", "--rm", "--network", "none", kImage, "true"}, tag);
}

// `n` runs at once against `engine`, released together; wall time from the
// release to the last one's end.
Series RunConcurrent(const Engine& engine, int n) {
  Series s;
  std::vector<absl::StatusOr<double>> results(static_cast<size_t>(n), absl::UnknownError(""));
  std::latch ready(n + 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      ready.arrive_and_wait();
      results[static_cast<size_t>(i)] = RunOnce(engine, fmt::format("con-{}", i));
    });
  }
  ready.arrive_and_wait();
  Clock::time_point start = Clock::now();
  for (std::thread& t : threads) t.join();
  s.wall_ms = Ms(start, Clock::now());
  for (const auto& r : results) s.Add(r);
  return s;
}

// Where one `docker run`'s time goes, from the calls the relay saw
// (--trace-api): the phases in order, summing to the run's wall time.
constexpr std::array<const char*, 8> kPhases = {
    "CLI start -> HEAD /_ping",
    "_ping -> POST create (CLI)",
    "POST /containers/create",
    "create -> POST start (CLI: attach, wait)",
    "POST /containers/{id}/start",
    "start -> attach stream ends (runs, exits)",
    "attach ends -> wait returns (--rm removal)",
    "wait returns -> CLI exit",
};
using Phases = std::array<double, kPhases.size()>;

std::optional<Phases> PhasesOf(const std::vector<berth::bench::ApiCall>& calls,
                               Clock::time_point spawned, Clock::time_point exited) {
  auto find = [&](const std::string& name) -> const berth::bench::ApiCall* {
    for (const auto& c : calls) {
      if (c.name == name) return &c;
    }
    return nullptr;
  };
  const auto* ping = find("HEAD /_ping");
  const auto* create = find("POST /containers/create");
  const auto* attach = find("POST /containers/{id}/attach");
  const auto* wait = find("POST /containers/{id}/wait");
  const auto* start = find("POST /containers/{id}/start");
  if (!ping || !create || !attach || !wait || !start) return std::nullopt;
  return Phases{Ms(spawned, ping->start),       Ms(ping->start, create->start),
                Ms(create->start, create->end), Ms(create->end, start->start),
                Ms(start->start, start->end),   Ms(start->end, attach->end),
                Ms(attach->end, wait->end),     Ms(wait->end, exited)};
}

struct Result {
  const Engine* engine = nullptr;
  std::vector<Phases> phases;
  std::map<std::string, std::vector<double>> calls;  // ms per call, by name
  Series version;
  Series sequential;
  Series concurrent;
  EngineMemory fresh;
  EngineMemory after;
  int left_containers = 0;
  bool Failed() const {
    return version.failures + sequential.failures + concurrent.failures > 0 || !after.complete();
  }
};

// ---- the report -------------------------------------------------------------

void PrintSeries(const char* label, const Series& s, int asked) {
  std::printf("  %-22s %3zu/%-3d %9.1f %9.1f %9.1f %9.1f", label, s.ms.size(), asked,
              Percentile(s.ms, 0.5), Percentile(s.ms, 0.0), Percentile(s.ms, 0.9),
              Percentile(s.ms, 1.0));
  if (s.wall_ms > 0) std::printf(" %9.0f", s.wall_ms);
  if (s.failures > 0) std::printf("   %d failed, first: %s", s.failures, s.first_error.c_str());
  std::printf("\n");
}

void PrintMemory(const char* label, const Result& r, const EngineMemory& m) {
  auto one = [](const std::optional<berth::bench::Memory>& p) {
    return p ? fmt::format("{:>7} KiB ({:>2} threads)", p->rss_kb, p->threads)
             : std::string("  (not found)");
  };
  std::printf("  %-10s %s %s + %s %s = %7ld KiB RSS (PSS %ld)\n", label, r.engine->name().c_str(),
              one(m.daemon).c_str(), r.engine->helper().c_str(), one(m.helper).c_str(), m.RssKb(),
              m.PssKb());
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

// Medians of the phases of the runs in sequence, and of each call.
void PrintPhases(const std::vector<Result>& results) {
  std::printf(
      "\nwhere a run's time goes (--trace-api: the CLI talks through a relay that notes each "
      "request and the last byte of its answer), median ms of the runs in sequence\n");
  std::printf("  %-44s", "phase");
  for (const Result& r : results) std::printf(" %9s", r.engine->name().c_str());
  if (results.size() > 1) std::printf(" %9s", "ratio");
  std::printf("\n");
  auto row = [&](const std::string& name, const std::vector<std::vector<double>>& values) {
    std::printf("  %-44s", name.c_str());
    for (const auto& v : values) std::printf(" %9.1f", Percentile(v, 0.5));
    if (values.size() > 1) {
      std::printf(" %9.3f", Ratio(Percentile(values[0], 0.5), Percentile(values[1], 0.5)));
    }
    std::printf("\n");
  };
  for (size_t p = 0; p < kPhases.size(); ++p) {
    std::vector<std::vector<double>> values;
    for (const Result& r : results) {
      std::vector<double> v;
      for (const Phases& ph : r.phases) v.push_back(ph[p]);
      values.push_back(v);
    }
    row(kPhases[p], values);
  }
  std::printf("  each call, request -> last byte of its answer:\n");
  std::map<std::string, bool> names;
  for (const Result& r : results) {
    for (const auto& [name, v] : r.calls) names[name] = true;
  }
  for (const auto& [name, unused] : names) {
    std::vector<std::vector<double>> values;
    for (const Result& r : results) {
      auto it = r.calls.find(name);
      values.push_back(it == r.calls.end() ? std::vector<double>{} : it->second);
    }
    row("  " + name, values);
  }
}

void Report(const Options& opt, const std::vector<Result>& results) {
  std::printf(
      "\n`docker run --rm --network none %s true` through the docker CLI, wall ms per run\n"
      "  %-22s %7s %9s %9s %9s %9s %9s\n",
      kImage, "", "n", "median", "min", "p90", "max", "wall");
  for (const Result& r : results) {
    std::printf("%s\n", r.engine->name().c_str());
    PrintSeries("`docker version`", r.version, opt.version_runs);
    PrintSeries("run, in sequence", r.sequential, opt.runs);
    PrintSeries(fmt::format("run, {} at once", opt.concurrency).c_str(), r.concurrent,
                opt.concurrency);
    if (r.left_containers > 0) {
      std::printf("  %d containers were left after the runs (removed)\n", r.left_containers);
    }
  }
  std::printf(
      "\nidle RSS of the daemon processes only (not shims or containers), %d ms after the image "
      "load (fresh) and after the runs\n",
      opt.settle_ms);
  for (const Result& r : results) {
    PrintMemory("fresh", r, r.fresh);
    PrintMemory("after runs", r, r.after);
  }
  if (opt.trace) PrintPhases(results);
  if (results.size() < 2) return;

  const Result& b = results[0];
  const Result& d = results[1];
  const std::string& bn = b.engine->name();
  const std::string& dn = d.engine->name();
  std::printf("\n| measure | %s | %s | %s / %s |\n|---|---:|---:|---:|\n", bn.c_str(), dn.c_str(),
              bn.c_str(), dn.c_str());
  auto row = [](const std::string& what, double x, double y, int decimals) {
    std::printf("| %s | %.*f | %.*f | %.3f |\n", what.c_str(), decimals, x, decimals, y,
                Ratio(x, y));
  };
  row("run in sequence: median ms", b.sequential.Median(), d.sequential.Median(), 1);
  row("run in sequence: min ms", Percentile(b.sequential.ms, 0), Percentile(d.sequential.ms, 0), 1);
  row("run in sequence: p90 ms", Percentile(b.sequential.ms, 0.9), Percentile(d.sequential.ms, 0.9),
      1);
  row(fmt::format("{} at once: wall ms", opt.concurrency), b.concurrent.wall_ms,
      d.concurrent.wall_ms, 0);
  row(fmt::format("{} at once: median ms per run", opt.concurrency), b.concurrent.Median(),
      d.concurrent.Median(), 1);
  row("`docker version`: median ms", b.version.Median(), d.version.Median(), 1);
  row("idle RSS KiB, daemons, fresh", static_cast<double>(b.fresh.RssKb()),
      static_cast<double>(d.fresh.RssKb()), 0);
  row("idle RSS KiB, daemons, after runs", static_cast<double>(b.after.RssKb()),
      static_cast<double>(d.after.RssKb()), 0);
  row("idle PSS KiB, daemons, after runs", static_cast<double>(b.after.PssKb()),
      static_cast<double>(d.after.PssKb()), 0);

  if (!opt.compare_berthd.empty()) return;  // two berthd builds: no targets
  bool complete = !b.Failed() && !d.Failed();
  double latency = Ratio(b.sequential.Median(), d.sequential.Median());
  double concurrent = Ratio(b.concurrent.Median(), d.concurrent.Median());
  double memory = Ratio(static_cast<double>(b.after.RssKb()), static_cast<double>(d.after.RssKb()));
  std::printf("\ntargets (issue 6)%s:\n", complete ? "" : " -- INCOMPLETE RUN, see failures above");
  std::printf("  median run <= 1/4 of dockerd's: in sequence %.3f, %d at once %.3f -> %s\n",
              latency, opt.concurrency, concurrent,
              latency <= 0.25 && concurrent <= 0.25 ? "met" : "NOT met");
  std::printf(
      "  idle RSS (berthd + berth-containerd) <= 1/2 of (dockerd + containerd): %.3f -> %s\n",
      memory, memory > 0 && memory <= 0.5 ? "met" : "NOT met");
}

// ---- the run ---------------------------------------------------------------

Engine::Spec BerthdSpec(const Options& opt, const std::string& top, const std::string& name,
                        const std::string& berthd) {
  std::string dir = top + "/" + name;
  Engine::Spec spec{
      .name = name, .helper = "berth-containerd", .dir = dir, .socket = dir + "/berth.sock"};
  spec.argv = {berthd,
               "-H",
               "unix://" + spec.socket,
               "--data-root",
               dir + "/data",
               "--exec-root",
               dir + "/exec",
               "--config-file",
               dir + "/daemon.json",
               "--pidfile",
               dir + "/berthd.pid"};
  if (!opt.log_level.empty()) spec.argv.insert(spec.argv.end(), {"--log-level", opt.log_level});
  if (!opt.keep_dir.empty()) spec.keep_log_as = opt.keep_dir + "/" + spec.name + ".log";
  return spec;
}

Engine::Spec DockerdSpec(const Options& opt, const std::string& top) {
  std::string dir = top + "/dockerd";
  Engine::Spec spec{.name = "dockerd",
                    .helper = "containerd",
                    .dir = dir,
                    .socket = dir + "/docker.sock",
                    .cgroup_parent = fmt::format("berth-berthd-bench-{}", ::getpid())};
  spec.argv = {opt.dockerd,
               "--data-root",
               dir + "/data",
               "--exec-root",
               dir + "/exec",
               "-H",
               "unix://" + spec.socket,
               "--pidfile",
               dir + "/docker.pid",
               "--config-file",
               dir + "/daemon.json",
               "--iptables=false",
               "--ip-masq=false",
               "--ip-forward=false",
               "--bridge=none",
               "--cgroup-parent",
               spec.cgroup_parent};
  if (!opt.log_level.empty()) spec.argv.insert(spec.argv.end(), {"--log-level", opt.log_level});
  if (!opt.keep_dir.empty()) spec.keep_log_as = opt.keep_dir + "/" + spec.name + ".log";
  return spec;
}

// Starts the engine, loads the image and measures it fresh.
absl::Status Prepare(const Options& opt, Engine& engine, const std::string& archive,
                     Result& result) {
  std::printf("%s: starting\n", engine.name().c_str());
  std::fflush(stdout);
  BERTH_RETURN_IF_ERROR(engine.Start());
  BERTH_RETURN_IF_ERROR(engine.Docker({"load", "-i", archive}, "load").status());
  std::this_thread::sleep_for(std::chrono::milliseconds(opt.settle_ms));
  result.fresh = engine.Memory();
  return absl::OkStatus();
}

int Run(const Options& opt, const std::string& top) {
  std::string archive = top + "/busybox.tar";
  Cli cli{.docker = opt.docker, .home = top + "/home"};
  if (absl::Status s = berth::MkdirAll(cli.home, 0700); !s.ok()) {
    Warn(std::string(s.message()));
    return 1;
  }
  // Before the child reaper: building the rootfs runs busybox.
  if (absl::Status s =
          berth::testimage::CreateDockerArchive(archive, berth::testimage::ImageOptions{}).status();
      !s.ok()) {
    Warn("image: " + std::string(s.message()));
    return 1;
  }
  // Shims that outlive their daemons come back to us and are reaped here.
  berth::testing::StartChildReaper();

  std::string dockerd_dir = top + "/dockerd";
  for (const std::string& dir : {top + "/berthd", top + "/berthd-B", dockerd_dir}) {
    if (absl::Status s = berth::MkdirAll(dir, 0700); !s.ok()) {
      Warn(std::string(s.message()));
      return 1;
    }
  }
  for (const char* name : {"berthd", "berthd-B"}) {
    if (absl::Status s = berth::WriteFile(top + "/" + name + "/daemon.json", "{}\n"); !s.ok()) {
      Warn(std::string(s.message()));
      return 1;
    }
  }
  // dockerd 20.10 writes its identity key to /etc/docker/key.json unless
  // its config names another path.
  if (absl::Status s = berth::WriteFile(
          dockerd_dir + "/daemon.json",
          fmt::format("{{\"deprecated-key-path\": \"{}/key.json\"}}\n", dockerd_dir));
      !s.ok()) {
    Warn(std::string(s.message()));
    return 1;
  }

  // Declared before the engines: unmounted after they stop.
  berth::bench::PrivateHostDirs host_dirs;
  if (opt.with_dockerd) {
    for (const char* path : {"/run/docker", "/run/containerd", "/opt/containerd", "/etc/docker"}) {
      if (absl::Status s = host_dirs.Hide(path); !s.ok()) {
        Warn(std::string(s.message()));
        return 1;
      }
    }
  }

  std::vector<std::unique_ptr<Engine>> engines;
  engines.push_back(std::make_unique<Engine>(BerthdSpec(opt, top, "berthd", opt.berthd), cli));
  if (!opt.compare_berthd.empty()) {
    engines.push_back(
        std::make_unique<Engine>(BerthdSpec(opt, top, "berthd-B", opt.compare_berthd), cli));
  } else if (opt.with_dockerd) {
    engines.push_back(std::make_unique<Engine>(DockerdSpec(opt, top), cli));
  }
  std::vector<Result> results(engines.size());
  for (size_t e = 0; e < engines.size(); ++e) {
    results[e].engine = engines[e].get();
    if (absl::Status s = Prepare(opt, *engines[e], archive, results[e]); !s.ok()) {
      Warn(std::string(s.message()));
      return 1;
    }
  }

  std::printf("`docker version` x %d per engine...\n", opt.version_runs);
  std::fflush(stdout);
  for (int i = 0; i < opt.version_runs && !Interrupted(); ++i) {
    for (size_t e = 0; e < engines.size(); ++e) {
      results[e].version.Add(engines[e]->Docker({"version"}, "version"));
    }
  }

  if (opt.trace) {
    for (auto& engine : engines) {
      if (absl::Status s = engine->TraceApi(); !s.ok()) {
        Warn(std::string(s.message()));
        return 1;
      }
    }
  }
  std::printf(
      "%d warm-up + %d runs in sequence, %s, %d ms apart...\n", opt.warmup, opt.runs,
      engines.size() > 1
          ? fmt::format("{} and {} alternating", engines[0]->name(), engines[1]->name()).c_str()
          : "berthd",
      opt.gap_ms);
  std::fflush(stdout);
  for (int i = 0; i < opt.warmup + opt.runs && !Interrupted(); ++i) {
    for (size_t k = 0; k < engines.size(); ++k) {
      // Which engine goes first alternates, so neither always follows the
      // other's teardown.
      size_t e = (k + static_cast<size_t>(i)) % engines.size();
      Clock::time_point spawned = Clock::now();
      absl::StatusOr<double> t = RunOnce(*engines[e], fmt::format("seq-{}", i));
      std::vector<berth::bench::ApiCall> calls = engines[e]->TakeCalls();
      std::this_thread::sleep_for(std::chrono::milliseconds(opt.gap_ms));
      if (i >= opt.warmup) {
        results[e].sequential.Add(t);
        if (t.ok() && !calls.empty()) {
          auto exited = spawned + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double, std::milli>(*t));
          if (std::optional<Phases> p = PhasesOf(calls, spawned, exited)) {
            results[e].phases.push_back(*p);
          }
          for (const auto& c : calls) results[e].calls[c.name].push_back(Ms(c.start, c.end));
        }
      } else if (!t.ok()) {
        Warn("warm-up: " + std::string(t.status().message()));
      }
    }
  }

  for (size_t e = 0; e < engines.size() && !Interrupted(); ++e) {
    std::printf("%s: %d runs at once...\n", engines[e]->name().c_str(), opt.concurrency);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(opt.settle_ms));
    results[e].concurrent = RunConcurrent(*engines[e], opt.concurrency);
    (void)engines[e]->TakeCalls();
  }
  if (Interrupted()) return 130;

  for (size_t e = 0; e < engines.size(); ++e) {
    results[e].left_containers = engines[e]->RemoveContainers();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(opt.settle_ms));
  for (size_t e = 0; e < engines.size(); ++e) results[e].after = engines[e]->Memory();

  if (!opt.with_dockerd && opt.compare_berthd.empty()) {
    std::printf("dockerd: %s: berthd's numbers only, no ratios\n",
                opt.dockerd.empty() ? "not installed (Debian's docker.io provides "
                                      "/usr/sbin/dockerd)"
                                    : "skipped (--no-dockerd)");
  }
  Report(opt, results);
  bool failed = std::any_of(results.begin(), results.end(),
                            [](const Result& r) { return r.Failed() || r.left_containers > 0; });
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app(
      "berth-berthd-bench: `docker run --rm` latency and idle daemon memory, berthd against "
      "Debian's dockerd");
  app.add_option("-n,--runs", opt.runs, "runs in sequence per engine (default 20)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--warmup", opt.warmup, "unmeasured runs first, per engine (default 3)");
  app.add_option("-c,--concurrency", opt.concurrency, "runs at once per engine (default 20)")
      ->check(CLI::Range(1, 200));
  app.add_option("--gap-ms", opt.gap_ms, "pause after each run in sequence (default 100)");
  app.add_option("--settle-ms", opt.settle_ms,
                 "wait before measuring memory and before each burst (default 3000)");
  app.add_option("--version-runs", opt.version_runs,
                 "`docker version` runs per engine, the CLI's own cost (default 10)");
  app.add_option("--berthd", opt.berthd, "berthd (default: the build tree's)");
  app.add_option("--compare-berthd", opt.compare_berthd,
                 "a second berthd (with its berth-containerd, berth-shim, berth-runtime beside "
                 "it), run in turn with the first instead of dockerd");
  app.add_option("--dockerd", opt.dockerd, "dockerd (default /usr/sbin/dockerd)");
  app.add_option("--docker", opt.docker,
                 "the docker CLI (default: /usr/local/bin/docker, else /usr/bin/docker)");
  app.add_option("--log-level", opt.log_level,
                 "both daemons' --log-level (default: each daemon's own default)");
  bool no_dockerd = false;
  app.add_flag("--no-dockerd", no_dockerd, "measure berthd only");
  app.add_flag("--trace-api", opt.trace,
               "run the CLI through a relay that times each API call, and print where a run's "
               "time goes (adds a hop to every call)");
  app.add_flag("--keep-logs", opt.keep,
               "copy each daemon's log to /tmp/berth-berthd-bench-logs-PID/ at the end");
  CLI11_PARSE(app, argc, argv);
  if (!berth::bench::EnterPrivateMountNamespace()) return 1;
  berth::bench::CatchInterrupts();

  opt.berthd = berth::bench::Executable(berth::FindCompanionProgram(opt.berthd, "engined"));
  if (opt.berthd.empty()) {
    Warn("berthd not found (build it, or pass --berthd)");
    return 1;
  }
  if (opt.docker.empty()) {
    for (const char* path : {"/usr/local/bin/docker", "/usr/bin/docker"}) {
      if (opt.docker.empty()) opt.docker = berth::bench::Executable(path);
    }
  }
  if (opt.docker.empty()) {
    Warn("no docker CLI (pass --docker)");
    return 1;
  }
  opt.with_dockerd = !no_dockerd && opt.compare_berthd.empty();
  if (opt.with_dockerd) {
    opt.dockerd = berth::bench::Executable(opt.dockerd);
    if (opt.dockerd.empty()) opt.with_dockerd = false;
  }
  std::string top = berth::bench::MakeTempDir("berth-berthd-bench");
  if (top.empty()) return 1;
  if (opt.keep) {
    opt.keep_dir = fmt::format("/tmp/berth-berthd-bench-logs-{}", ::getpid());
    if (absl::Status s = berth::MkdirAll(opt.keep_dir, 0700); !s.ok()) {
      Warn(std::string(s.message()));
      return 1;
    }
  }
  int code = Run(opt, top);
  if (opt.keep) std::printf("daemon logs kept in %s\n", opt.keep_dir.c_str());
  berth::bench::UnmountUnder(top);
  if (absl::Status s = berth::RemoveAll(top); !s.ok()) Warn(std::string(s.message()));
  if (Interrupted()) code = 130;
  return code;
}
