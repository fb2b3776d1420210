// berth-containerd-bench: task lifecycle latency, CPU and idle memory of
// berth-containerd against Debian's containerd, in one run.
//
// berth: a private berth-containerd (temp socket and root; its config names
// the berth-shim and berth-runtime given) driven through the generated gRPC
// clients in namespace "bench": per task Containers.Create (busybox `true`,
// root.path "rootfs", a cgroup of its own), Tasks.Create with a read-only
// bind mount of a prepared busybox rootfs, Tasks.Start, Tasks.Wait,
// Tasks.Delete, Containers.Delete; each step timed.
//
// containerd: a private containerd (temp root, socket; CRI plugin disabled,
// nothing else changed) with the busybox image from
// testimage::CreateDockerArchive imported, driven with
// `ctr run --rm IMAGE ID true`. ctr's time includes its own process start
// and the snapshot prepare / remove; berth's tasks use a bind-mounted rootfs
// instead (berth-containerd has no snapshotter yet).
//
// Both daemons run side by side with their state dirs (bundles, shim
// sockets, runtime roots, fifos) on a tmpfs, as /run is on a real host. N
// tasks in sequence, berth and containerd alternating with a pause after
// each (so one task's teardown does not land in the next one's time), then
// C at once per daemon (C threads; berth's over K client connections).
// Idle memory (RSS, PSS, USS from smaps_rollup) of each daemon right after
// it starts (before any task or image) and after the runs; CPU per task of
// each daemon and of everything else (client, shims, runtimes, containers).
//
// Everything runs in a private mount namespace, so mounts the shims leave
// die with the last process; tasks, containers, the image, shims, daemons,
// cgroups and the temp dir are removed at the end, also after a failure or
// Ctrl-C.
#include <errno.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/lifecycle_drivers.h"
#include "bench/process_memory.h"
#include "common/file_util.h"
#include "common/status.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"

namespace {

using berth::bench::BerthDaemon;
using berth::bench::Clock;
using berth::bench::ContainerdDaemon;
using berth::bench::Cycle;
using berth::bench::Executable;
using berth::bench::Interrupted;
using berth::bench::kContainerd;
using berth::bench::kContainerdShim;
using berth::bench::kCtr;
using berth::bench::kTaskSteps;
using berth::bench::Measure;
using berth::bench::Memory;
using berth::bench::Ms;
using berth::bench::Percentile;
using berth::bench::ProcessCpuMs;
using berth::bench::ReapedCpuMs;
using berth::bench::Warn;

// ---- measurements ----------------------------------------------------------

struct Series {
  std::vector<Cycle> cycles;
  double wall_ms = 0;
  // CPU of the processes the benchmark reaps (client, shims, runtimes,
  // containers; ctr) and of the calling thread, summed over the measured
  // cycles; see RunSequential.
  double other_cpu_ms = 0;
  int failures = 0;
  std::string first_error;

  std::vector<double> Totals() const {
    std::vector<double> v;
    for (const Cycle& c : cycles) v.push_back(c.total_ms);
    return v;
  }
  std::vector<double> Step(size_t i) const {
    std::vector<double> v;
    for (const Cycle& c : cycles) v.push_back(c.step_ms[i]);
    return v;
  }
};

struct Result {
  std::string name;
  Series sequential;
  Series concurrent;
  std::optional<Memory> fresh;
  std::optional<Memory> after;
  // The daemon's own CPU and that of the children it reaped, over the
  // measured tasks in sequence.
  double daemon_cpu_ms = 0;
  double daemon_children_cpu_ms = 0;
};

void Record(Series& s, const absl::StatusOr<Cycle>& c, bool measured) {
  if (!c.ok()) {
    if (s.failures++ == 0) s.first_error = std::string(c.status().message());
  } else if (measured) {
    s.cycles.push_back(*c);
    s.wall_ms += c->total_ms;
  }
}

// Runs each side's `cycle(index)` `n` times after `warmup` unmeasured
// ones, interleaved (a, b, a, b, ...), so that load from elsewhere on the
// machine weighs on every side alike, with `gap` after each cycle, so that
// what one task leaves running (a shim exiting, a namespace torn down in
// the kernel, a daemon's garbage collection) does not land in the next
// one's time. Series::wall_ms is the sum of the measured cycles; the CPU
// of what was reaped during a cycle and its gap counts to its side.
void RunSequential(int warmup, int n, std::chrono::milliseconds gap,
                   const std::vector<std::function<absl::StatusOr<Cycle>(int)>>& cycles,
                   const std::vector<Series*>& out) {
  for (int i = 0; i < warmup + n && !Interrupted(); ++i) {
    for (size_t side = 0; side < cycles.size(); ++side) {
      double cpu = ReapedCpuMs();
      absl::StatusOr<Cycle> c = cycles[side](i);
      std::this_thread::sleep_for(gap);
      if (i >= warmup) out[side]->other_cpu_ms += ReapedCpuMs() - cpu;
      Record(*out[side], c, i >= warmup);
    }
  }
}

// Runs `cycle(index)` for indexes 0..n-1 at once, one thread each,
// released together; wall time from the release to the last one's end.
Series RunConcurrent(int n, const std::function<absl::StatusOr<Cycle>(int)>& cycle) {
  Series s;
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  int ready = 0;
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<Cycle>> results(static_cast<size_t>(n), absl::UnknownError(""));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock lock(mu);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&] { return go; });
      }
      results[static_cast<size_t>(i)] = cycle(i);
    });
  }
  Clock::time_point start;
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return ready == n; });
    go = true;
    start = Clock::now();
    cv.notify_all();
  }
  for (std::thread& t : threads) t.join();
  double wall = Ms(start, Clock::now());
  for (const absl::StatusOr<Cycle>& c : results) Record(s, c, true);
  s.wall_ms = wall;
  return s;
}

struct Options {
  berth::bench::DaemonOptions daemons;
  int iterations = 100;
  int concurrency = 50;
  int clients = 10;
  int warmup = 5;
  int settle_ms = 2000;
  int gap_ms = 100;
  bool tmpfs_state = true;
  bool details = false;
  int ctr_overhead_runs = 20;
  bool containerd = true;
};

// ---- the report ------------------------------------------------------------------

void PrintSeries(const char* label, const Series& s, int asked) {
  std::vector<double> t = s.Totals();
  std::printf("  %-12s %5zu/%-4d %9.2f %9.2f %9.2f %9.2f %10.1f", label, s.cycles.size(), asked,
              Percentile(t, 0.5), Percentile(t, 0.9), Percentile(t, 0.0), Percentile(t, 1.0),
              s.wall_ms);
  if (s.failures > 0) std::printf("   %d failed, first: %s", s.failures, s.first_error.c_str());
  std::printf("\n");
}

void PrintMemory(const char* label, const std::optional<Memory>& m) {
  if (!m) {
    std::printf("  %-12s (not measured)\n", label);
    return;
  }
  std::printf("  %-12s RSS %7ld  PSS %7ld  USS %7ld KiB  %3d threads\n", label, m->rss_kb,
              m->pss_kb, m->uss_kb, m->threads);
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

void Report(const Options& opt, const Result& berth, const std::optional<Result>& ctrd,
            const std::vector<double>& ctr_overhead) {
  std::printf(
      "\nlatency per task, ms (n done/asked, median, p90, min, max; total: sum over the tasks in "
      "sequence, wall time of those at once)\n");
  for (const Result* r : {&berth, ctrd ? &*ctrd : nullptr}) {
    if (r == nullptr) continue;
    std::printf(
        "%s (%s)\n", r->name.c_str(),
        r == &berth ? "gRPC: create container .. delete container" : "ctr run --rm IMAGE ID true");
    std::printf("  %-12s %10s %9s %9s %9s %9s %10s\n", "", "n", "median", "p90", "min", "max",
                "total");
    PrintSeries("sequential", r->sequential, opt.iterations);
    PrintSeries(fmt::format("{} at once", opt.concurrency).c_str(), r->concurrent, opt.concurrency);
  }
  if (!ctr_overhead.empty()) {
    std::printf("ctr's own cost (`ctr version`: process start + 1 RPC): median %.2f ms, p90 %.2f\n",
                Percentile(ctr_overhead, 0.5), Percentile(ctr_overhead, 0.9));
  }

  std::printf("\nberth-containerd per step, ms (median / p90)\n");
  std::printf("  %-18s %17s %17s\n", "step", "sequential", "concurrent");
  for (size_t i = 0; i < kTaskSteps.size(); ++i) {
    std::vector<double> seq = berth.sequential.Step(i), con = berth.concurrent.Step(i);
    std::printf("  %-18s %8.2f / %6.2f %8.2f / %6.2f\n", kTaskSteps[i], Percentile(seq, 0.5),
                Percentile(seq, 0.9), Percentile(con, 0.5), Percentile(con, 0.9));
  }

  std::printf(
      "\nCPU per task in sequence, ms: daemon (its own + children it reaped) / other processes "
      "(client thread, shims, runtimes, containers, ctr) / total\n");
  for (const Result* r : {&berth, ctrd ? &*ctrd : nullptr}) {
    if (r == nullptr || r->sequential.cycles.empty()) continue;
    double n = static_cast<double>(r->sequential.cycles.size() + r->sequential.failures);
    double daemon = (r->daemon_cpu_ms + r->daemon_children_cpu_ms) / n;
    double other = r->sequential.other_cpu_ms / n;
    std::printf("  %-18s %6.2f (%.2f + %.2f) / %6.2f / %6.2f\n", r->name.c_str(), daemon,
                r->daemon_cpu_ms / n, r->daemon_children_cpu_ms / n, other, daemon + other);
  }

  std::printf("\nidle daemon memory (smaps_rollup), %d ms after start / after the runs\n",
              opt.settle_ms);
  for (const Result* r : {&berth, ctrd ? &*ctrd : nullptr}) {
    if (r == nullptr) continue;
    std::printf("%s\n", r->name.c_str());
    PrintMemory("fresh", r->fresh);
    PrintMemory("after runs", r->after);
  }
  if (!ctrd) return;

  const Result& c = *ctrd;
  auto median = [](const Series& s) { return Percentile(s.Totals(), 0.5); };
  auto p90 = [](const Series& s) { return Percentile(s.Totals(), 0.9); };
  auto rss = [](const std::optional<Memory>& m) { return m ? static_cast<double>(m->rss_kb) : 0; };
  auto pss = [](const std::optional<Memory>& m) { return m ? static_cast<double>(m->pss_kb) : 0; };
  std::printf("\n| measure | berth-containerd | containerd | berth / containerd |\n");
  std::printf("|---|---:|---:|---:|\n");
  auto row = [](const std::string& what, double b, double d, const char* fmt_value) {
    std::string bv = fmt::format(fmt::runtime(fmt_value), b);
    std::string dv = fmt::format(fmt::runtime(fmt_value), d);
    std::printf("| %s | %s | %s | %.2f |\n", what.c_str(), bv.c_str(), dv.c_str(), Ratio(b, d));
  };
  row("sequential median ms", median(berth.sequential), median(c.sequential), "{:.2f}");
  row("sequential p90 ms", p90(berth.sequential), p90(c.sequential), "{:.2f}");
  row(fmt::format("{} at once: wall ms", opt.concurrency), berth.concurrent.wall_ms,
      c.concurrent.wall_ms, "{:.0f}");
  row(fmt::format("{} at once: median ms", opt.concurrency), median(berth.concurrent),
      median(c.concurrent), "{:.2f}");
  row(fmt::format("{} at once: p90 ms", opt.concurrency), p90(berth.concurrent), p90(c.concurrent),
      "{:.2f}");
  auto cpu = [](const Result& r) {
    double n = static_cast<double>(r.sequential.cycles.size() + r.sequential.failures);
    return n > 0 ? (r.daemon_cpu_ms + r.daemon_children_cpu_ms + r.sequential.other_cpu_ms) / n : 0;
  };
  row("CPU ms per task in sequence, all processes", cpu(berth), cpu(c), "{:.1f}");
  row("idle RSS KiB, fresh", rss(berth.fresh), rss(c.fresh), "{:.0f}");
  row("idle PSS KiB, fresh", pss(berth.fresh), pss(c.fresh), "{:.0f}");
  row("idle RSS KiB, after runs", rss(berth.after), rss(c.after), "{:.0f}");
  row("idle PSS KiB, after runs", pss(berth.after), pss(c.after), "{:.0f}");

  double latency = Ratio(median(berth.sequential), median(c.sequential));
  double latency_concurrent = Ratio(median(berth.concurrent), median(c.concurrent));
  double memory =
      std::max(Ratio(rss(berth.fresh), rss(c.fresh)), Ratio(rss(berth.after), rss(c.after)));
  bool complete = berth.sequential.failures == 0 && berth.concurrent.failures == 0 &&
                  c.sequential.failures == 0 && c.concurrent.failures == 0 && berth.after &&
                  c.after && berth.fresh && c.fresh;
  std::printf("\ntargets (issue 4)%s:\n", complete ? "" : " -- INCOMPLETE RUN, see failures above");
  std::printf("  median latency <= 1/3 of containerd's: sequential %.2f, %d at once %.2f -> %s\n",
              latency, opt.concurrency, latency_concurrent,
              latency <= 1.0 / 3 && latency_concurrent <= 1.0 / 3 ? "met" : "NOT met");
  std::printf("  idle RSS below containerd's: %.2f (worse of fresh / after runs) -> %s\n", memory,
              memory > 0 && memory < 1 ? "met" : "NOT met");
}

int Run(const Options& opt, const std::string& dir) {
  std::string rootfs = dir + "/rootfs";
  std::string archive = dir + "/busybox.tar";
  bool with_containerd = opt.containerd;
  if (!opt.containerd) {
    std::printf("containerd: skipped (--no-containerd)\n");
  } else if (access(kContainerd, X_OK) != 0 || access(kCtr, X_OK) != 0 ||
             access(kContainerdShim, X_OK) != 0) {
    std::printf("containerd: not installed (Debian's containerd), skipped\n");
    with_containerd = false;
  }
  // Both run busybox: before the child reaper takes every child.
  if (absl::Status s = berth::testimage::CreateRootfs(rootfs, {}); !s.ok()) {
    Warn("rootfs: " + std::string(s.message()));
    return 1;
  }
  if (with_containerd) {
    berth::testimage::ImageOptions image;
    if (absl::Status s = berth::testimage::CreateDockerArchive(archive, image).status(); !s.ok()) {
      Warn("image: " + std::string(s.message()));
      return 1;
    }
  }
  // Shims come back to us (child subreaper) and are reaped here.
  berth::testing::StartChildReaper();

  // Both daemons run side by side; each is measured idle right after its
  // start, before any task or image.
  Result berth{.name = "berth-containerd"};
  Result ctrd{.name = "containerd"};
  // Runtime state on a tmpfs, as /run is on a real host (here it is not).
  std::string run = dir + "/run";
  if (absl::Status s = berth::MkdirAll(run, 0700); !s.ok()) {
    Warn(std::string(s.message()));
    return 1;
  }
  if (opt.tmpfs_state &&
      ::mount("tmpfs", run.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0) {
    Warn(fmt::format("mount tmpfs on {}: {}", run, std::strerror(errno)));
    return 1;
  }
  BerthDaemon berth_daemon(opt.daemons, dir + "/berth", run + "/berth", rootfs);
  std::printf("berth-containerd: starting (%s)\n", opt.daemons.berth_containerd.c_str());
  std::fflush(stdout);
  if (absl::Status s = berth_daemon.Start(); !s.ok()) {
    Warn(std::string(s.message()));
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(opt.settle_ms));
  berth.fresh = Measure(berth_daemon.pid());
  if (opt.details) berth::bench::PrintDetails("berth-containerd, fresh", berth_daemon.pid());
  std::unique_ptr<ContainerdDaemon> containerd;
  std::vector<double> ctr_overhead;
  if (with_containerd) {
    containerd =
        std::make_unique<ContainerdDaemon>(opt.daemons, dir + "/containerd", run + "/containerd");
    std::printf("containerd: starting (%s, CRI plugin disabled)\n", kContainerd);
    std::fflush(stdout);
    if (absl::Status s = containerd->Start(); !s.ok()) {
      Warn(std::string(s.message()));
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(opt.settle_ms));
    ctrd.fresh = Measure(containerd->pid());
    if (opt.details) berth::bench::PrintDetails("containerd, fresh", containerd->pid());
    if (absl::Status s = containerd->Import(archive); !s.ok()) {
      Warn(std::string(s.message()));
      return 1;
    }
    Series version;
    for (int i = 0; i <= opt.ctr_overhead_runs; ++i) Record(version, containerd->Version(), i > 0);
    ctr_overhead = version.Totals();
  }

  std::unique_ptr<BerthDaemon::Client> client = berth_daemon.NewClient();
  std::vector<std::function<absl::StatusOr<Cycle>(int)>> cycles = {
      [&](int i) { return berth_daemon.RunTask(*client, "seq-" + std::to_string(i)); }};
  std::vector<Series*> series = {&berth.sequential};
  if (containerd) {
    cycles.push_back([&](int i) { return containerd->Run("seq-" + std::to_string(i)); });
    series.push_back(&ctrd.sequential);
  }
  std::printf("%d warm-up + %d tasks in sequence%s, %d ms apart...\n", opt.warmup, opt.iterations,
              containerd ? ", berth and containerd alternating" : "", opt.gap_ms);
  std::fflush(stdout);
  auto gap = std::chrono::milliseconds(opt.gap_ms);
  RunSequential(opt.warmup, 0, gap, cycles, series);
  auto berth_cpu = ProcessCpuMs(berth_daemon.pid());
  auto ctrd_cpu = containerd ? ProcessCpuMs(containerd->pid()) : std::pair<double, double>{};
  // Warm-up done: indexes go on from there.
  std::vector<std::function<absl::StatusOr<Cycle>(int)>> measured;
  for (auto& cycle : cycles)
    measured.push_back([&, cycle](int i) { return cycle(opt.warmup + i); });
  RunSequential(0, opt.iterations, gap, measured, series);
  auto berth_cpu_after = ProcessCpuMs(berth_daemon.pid());
  berth.daemon_cpu_ms = berth_cpu_after.first - berth_cpu.first;
  berth.daemon_children_cpu_ms = berth_cpu_after.second - berth_cpu.second;
  if (containerd) {
    auto after = ProcessCpuMs(containerd->pid());
    ctrd.daemon_cpu_ms = after.first - ctrd_cpu.first;
    ctrd.daemon_children_cpu_ms = after.second - ctrd_cpu.second;
  }

  if (!Interrupted()) {
    std::printf("berth-containerd: %d tasks at once over %d connections...\n", opt.concurrency,
                opt.clients);
    std::fflush(stdout);
    std::vector<std::unique_ptr<BerthDaemon::Client>> clients;
    for (int i = 0; i < opt.clients; ++i) clients.push_back(berth_daemon.NewClient());
    berth.concurrent = RunConcurrent(opt.concurrency, [&](int i) {
      return berth_daemon.RunTask(*clients[static_cast<size_t>(i % opt.clients)],
                                  "con-" + std::to_string(i));
    });
  }
  if (containerd && !Interrupted()) {
    std::printf("containerd: %d `ctr run --rm` at once...\n", opt.concurrency);
    std::fflush(stdout);
    ctrd.concurrent = RunConcurrent(
        opt.concurrency, [&](int i) { return containerd->Run("con-" + std::to_string(i)); });
  }
  if (Interrupted()) return 130;

  berth_daemon.RemoveAll();
  if (containerd) containerd->RemoveAll();
  std::this_thread::sleep_for(std::chrono::milliseconds(opt.settle_ms));
  berth.after = Measure(berth_daemon.pid());
  if (containerd) ctrd.after = Measure(containerd->pid());
  if (opt.details) {
    berth::bench::PrintDetails("berth-containerd, after the runs", berth_daemon.pid());
    if (containerd) berth::bench::PrintDetails("containerd, after the runs", containerd->pid());
  }
  berth_daemon.Stop();
  if (containerd) containerd->Stop();

  std::optional<Result> compared;
  if (containerd) compared = ctrd;
  Report(opt, berth, compared, ctr_overhead);
  bool failed =
      !berth.after || berth.sequential.failures > 0 || berth.concurrent.failures > 0 ||
      (compared && (!ctrd.after || ctrd.sequential.failures > 0 || ctrd.concurrent.failures > 0));
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!berth::bench::EnterPrivateMountNamespace()) return 1;
  CLI::App app{"task lifecycle latency and idle memory of berth-containerd vs containerd",
               "berth-containerd-bench"};
  Options opt;
  std::string self = Executable("/proc/self/exe");
  std::string build = self.substr(0, self.find_last_of('/')) + "/..";
  opt.daemons.berth_containerd = build + "/containerd/berth-containerd";
  opt.daemons.berth_shim = build + "/shim/berth-shim";
  opt.daemons.berth_runtime = build + "/runtime/berth-runtime";
  app.add_option("--berth-containerd", opt.daemons.berth_containerd,
                 "path of berth-containerd (default: the build tree's)");
  app.add_option("--berth-shim", opt.daemons.berth_shim,
                 "path of berth-shim (default: the build tree's)");
  app.add_option("--berth-runtime", opt.daemons.berth_runtime,
                 "path of berth-runtime (default: the build tree's)");
  app.add_option("-n,--iterations", opt.iterations, "tasks in sequence (default 100)")
      ->check(CLI::Range(1, 100000));
  app.add_option("-c,--concurrency", opt.concurrency, "tasks at once (default 50)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--clients", opt.clients,
                 "gRPC connections the concurrent berth tasks share (default 10)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--warmup", opt.warmup, "unmeasured tasks first (default 5)");
  app.add_option("--settle-ms", opt.settle_ms,
                 "wait before measuring a daemon's memory (default 2000)");
  app.add_option("--gap-ms", opt.gap_ms,
                 "pause before each task in sequence, so the last one's teardown is over "
                 "(default 100)");
  app.add_option("--ctr-overhead-runs", opt.ctr_overhead_runs,
                 "`ctr version` runs timed to show ctr's own cost (default 20)");
  app.add_option("--log-level", opt.daemons.log_level, "both daemons' log level (default warn)");
  bool no_containerd = false;
  bool disk_state = false;
  app.add_flag("--details", opt.details,
               "where each daemon's memory is (per library / heap / arena / stack), after start "
               "and after the runs");
  app.add_flag("--disk-state", disk_state,
               "keep both daemons' state dirs in the temp dir instead of on a tmpfs");
  app.add_flag("--no-containerd", no_containerd, "measure berth-containerd only");
  CLI11_PARSE(app, argc, argv);
  opt.containerd = !no_containerd;
  opt.tmpfs_state = !disk_state;
  opt.clients = std::min(opt.clients, opt.concurrency);
  for (std::string* path :
       {&opt.daemons.berth_containerd, &opt.daemons.berth_shim, &opt.daemons.berth_runtime}) {
    std::string real = Executable(*path);
    if (real.empty()) {
      Warn(*path + ": not found");
      return 1;
    }
    *path = real;
  }
  std::string dir = berth::bench::MakeTempDir("berth-ctrd-bench");
  if (dir.empty()) return 1;
  // Freshly built binaries' dirty page-cache pages would count as private.
  ::sync();
  berth::bench::CatchInterrupts();
  int code = Run(opt, dir);
  berth::bench::UnmountUnder(dir);
  (void)berth::RemoveAll(dir);
  if (Interrupted()) code = 130;
  return code;
}
