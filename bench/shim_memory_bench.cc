// berth-shim-memory-bench: the memory a shim costs per container. Starts one
// berth-shim holding one sleeping busybox container, measures it, then
// brings the count to N (default 50) and measures again; then the same with
// Debian's containerd and its containerd-shim-runc-v2 (a private containerd
// in a temp dir, driven with ctr), and conmon where installed.
//
// Per shim, from /proc/PID/smaps_rollup: USS (Private_Clean + Private_Dirty:
// what the shim alone costs, and what freeing it gives back) and PSS (its
// share of the pages it shares with other processes). With many shims PSS
// falls (shared library pages are split N ways), USS does not.
//
// Everything runs in a private mount namespace, so mounts the runtimes make
// disappear with the last process; containers, shims, containerd, cgroups and
// the temp dir are removed at the end, also after a failure or Ctrl-C.
#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/sha.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/process_memory.h"
#include "berth/shim/v1/shim.grpc.pb.h"
#include "common/file_util.h"
#include "common/grpc/unix_socket.h"
#include "common/json_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"

namespace {

namespace shimpb = ::berth::shim::v1;
using berth::bench::Interrupted;
using berth::bench::Measure;
using berth::bench::Memory;
using berth::bench::PrintDetails;
using berth::bench::Stats;
using berth::testing::RunCommand;
using berth::testing::WaitChild;

constexpr char kContainerdShim[] = "/usr/bin/containerd-shim-runc-v2";
constexpr auto kCommandTimeout = std::chrono::seconds(60);

// What every container runs: `sleep 1000`, or with --print one line of
// output first (the shim's output path and log writer then exist).
std::vector<std::string> g_command = {"sleep", "1000"};

void Error(const std::string& what) {
  std::fprintf(stderr, "berth-shim-memory-bench: %s\n", what.c_str());
}

bool Alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

std::string Which(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"}) {
    std::string path = std::string(dir) + "/" + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

std::optional<Stats> MeasureAll(const std::string& name, const std::vector<pid_t>& pids) {
  Stats s;
  s.name = name;
  for (pid_t pid : pids) {
    std::optional<Memory> m = Measure(pid);
    if (!m) {
      Error(name + ": shim " + std::to_string(pid) + " is gone");
      return std::nullopt;
    }
    s.shims.push_back(*m);
  }
  return s;
}

// ---- berth-shim ------------------------------------------------------------

class BerthShims {
 public:
  BerthShims(std::string dir, std::string shim, std::string runtime, std::string rootfs)
      : dir_(std::move(dir)),
        shim_(std::move(shim)),
        runtime_(std::move(runtime)),
        rootfs_(std::move(rootfs)) {}
  ~BerthShims() { StopAll(); }

  std::vector<pid_t> pids() const {
    std::vector<pid_t> v;
    for (const Shim& s : shims_) v.push_back(s.pid);
    return v;
  }

  // One more shim holding a running `sleep 1000`.
  absl::Status Add() {
    Shim s;
    int index = static_cast<int>(shims_.size());
    s.id = "berth-bench-" + std::to_string(index);
    s.bundle = dir_ + "/bundles/" + s.id;
    berth::testimage::ConfigOptions config;
    config.args = g_command;
    config.root_path = rootfs_;  // one read-only rootfs for every container
    config.cgroups_path = "/berth-shim-bench-" + std::to_string(getpid()) + "-" + s.id;
    BERTH_RETURN_IF_ERROR(berth::MkdirAll(s.bundle, 0755));
    BERTH_RETURN_IF_ERROR(
        berth::WriteFile(s.bundle + "/config.json",
                         berth::json::Dump(berth::testimage::DefaultRuntimeConfig(config), 2)));
    shims_.push_back(std::move(s));
    Shim& shim = shims_.back();
    BERTH_ASSIGN_OR_RETURN(berth::SpawnResult started, Run(shim, "start"));
    if (started.status.code != 0) {
      return absl::UnavailableError("berth-shim start: " + started.err);
    }
    std::string address(berth::TrimSpace(started.out));
    BERTH_ASSIGN_OR_RETURN(std::string socket, berth::grpcutil::UnixSocketPath(address));
    BERTH_ASSIGN_OR_RETURN(std::string pid_text, berth::ReadFile(shim.bundle + "/shim.pid"));
    shim.pid = static_cast<pid_t>(std::stol(std::string(berth::TrimSpace(pid_text))));
    shim.stub = shimpb::Shim::NewStub(berth::grpcutil::DialUnix(socket));

    shimpb::CreateRequest create;
    create.set_id(shim.id);
    create.mutable_log()->set_format("json-file");
    create.mutable_log()->set_path(shim.bundle + "/ctr.log");
    shimpb::CreateResponse created;
    BERTH_RETURN_IF_ERROR(Call(
        "create", [&](grpc::ClientContext* c) { return shim.stub->Create(c, create, &created); }));
    shimpb::StartRequest start;
    start.set_id(shim.id);
    shimpb::StartResponse started_task;
    BERTH_RETURN_IF_ERROR(Call("start", [&](grpc::ClientContext* c) {
      return shim.stub->Start(c, start, &started_task);
    }));
    return absl::OkStatus();
  }

  // Kills every container, deletes it, shuts its shim down; whatever does
  // not go that way is killed and cleaned up as a daemon would.
  void StopAll() {
    for (Shim& s : shims_) {
      if (!s.stub) continue;
      shimpb::KillRequest kill;
      kill.set_id(s.id);
      kill.set_signal(SIGKILL);
      shimpb::Empty empty;
      (void)Call("kill", [&](grpc::ClientContext* c) { return s.stub->Kill(c, kill, &empty); });
      shimpb::WaitRequest wait;
      wait.set_id(s.id);
      shimpb::WaitResponse waited;
      (void)Call("wait", [&](grpc::ClientContext* c) { return s.stub->Wait(c, wait, &waited); });
      shimpb::DeleteRequest del;
      del.set_id(s.id);
      shimpb::DeleteResponse deleted;
      (void)Call("delete",
                 [&](grpc::ClientContext* c) { return s.stub->Delete(c, del, &deleted); });
      shimpb::ShutdownRequest shutdown;
      shutdown.set_id(s.id);
      shutdown.set_now(true);
      (void)Call("shutdown",
                 [&](grpc::ClientContext* c) { return s.stub->Shutdown(c, shutdown, &empty); });
      s.stub.reset();
    }
    for (Shim& s : shims_) {
      for (int i = 0; i < 500 && Alive(s.pid); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (Alive(s.pid)) {
        Error("berth-shim " + std::to_string(s.pid) + " did not exit; killing it");
        ::kill(s.pid, SIGKILL);
      }
      // What a daemon does for a shim that is gone: runtime state, rootfs,
      // socket. Harmless when the shim already cleaned up.
      (void)Run(s, "delete");
    }
    shims_.clear();
  }

 private:
  struct Shim {
    std::string id;
    std::string bundle;
    pid_t pid = 0;
    std::unique_ptr<shimpb::Shim::Stub> stub;
  };

  absl::StatusOr<berth::SpawnResult> Run(const Shim& s, const std::string& command) {
    berth::SpawnOptions o;
    o.argv = {shim_,       "--namespace",    "berth-bench",     "--id",
              s.id,        "--bundle",       s.bundle,          "--runtime",
              runtime_,    "--runtime-root", dir_ + "/runtime", "--socket-dir",
              dir_ + "/s", command};
    return RunCommand(o, "", kCommandTimeout, dir_);
  }

  template <typename F>
  static absl::Status Call(const std::string& what, F call) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCommandTimeout);
    grpc::Status status = call(&context);
    if (status.ok()) return absl::OkStatus();
    return absl::UnavailableError(what + ": " + status.error_message());
  }

  std::string dir_;
  std::string shim_;
  std::string runtime_;
  std::string rootfs_;
  std::vector<Shim> shims_;
};

// ---- containerd + containerd-shim-runc-v2 ---------------------------------

class Containerd {
 public:
  explicit Containerd(std::string dir)
      : dir_(std::move(dir)), ns_("berth-shim-bench-" + std::to_string(getpid())) {}
  ~Containerd() { Stop(); }

  absl::Status Start() {
    sock_ = dir_ + "/containerd.sock";
    BERTH_RETURN_IF_ERROR(
        berth::WriteFile(dir_ + "/config.toml",
                         "version = 2\n"
                         "root = \"" +
                             dir_ +
                             "/root\"\n"
                             "state = \"" +
                             dir_ +
                             "/state\"\n"
                             "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                             "[grpc]\n  address = \"" +
                             sock_ +
                             "\"\n"
                             "[ttrpc]\n  address = \"" +
                             sock_ + ".ttrpc\"\n"));
    berth::testimage::ImageOptions image;
    BERTH_RETURN_IF_ERROR(
        berth::testimage::CreateDockerArchive(dir_ + "/busybox.tar", image).status());
    berth::SpawnOptions daemon;
    daemon.argv = {"/usr/bin/containerd", "--config", dir_ + "/config.toml", "--log-level", "warn"};
    berth::UniqueFd log(
        ::open((dir_ + "/containerd.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!log) return berth::ErrnoErrorf(errno, "open {}/containerd.log", dir_);
    daemon.fds = {{2, log.get()}};
    BERTH_ASSIGN_OR_RETURN(berth::ScopedPid pid, berth::Spawn(daemon));
    pid_ = pid.release();
    for (int i = 0; i < 1000 && !berth::PathExists(sock_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!berth::PathExists(sock_)) return absl::UnavailableError("containerd did not start");
    BERTH_RETURN_IF_ERROR(Ctr({"images", "import", dir_ + "/busybox.tar"}));
    return absl::OkStatus();
  }

  absl::Status Add() {
    std::string id = "ctrd-bench-" + std::to_string(ids_.size());
    ids_.push_back(id);
    std::vector<std::string> args = {"run",
                                     "-d",
                                     "--log-uri",
                                     "file://" + dir_ + "/" + id + ".log",
                                     "docker.io/library/busybox:latest",
                                     id};
    args.insert(args.end(), g_command.begin(), g_command.end());
    BERTH_RETURN_IF_ERROR(Ctr(args));
    return absl::OkStatus();
  }

  // The shims of our containers: containerd-shim-runc-v2 processes started
  // for our namespace and our containerd.
  std::vector<pid_t> ShimPids() const {
    std::vector<pid_t> pids;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename();
      if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
      std::error_code ec2;
      std::filesystem::path exe = std::filesystem::read_symlink(it->path() / "exe", ec2);
      if (ec2 || exe.string() != kContainerdShim) continue;
      std::string cmdline = berth::ReadFile(it->path().string() + "/cmdline").value_or("");
      if (cmdline.find(std::string("\0", 1) + ns_ + std::string("\0", 1)) == std::string::npos ||
          cmdline.find(sock_) == std::string::npos) {
        continue;
      }
      pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
    std::sort(pids.begin(), pids.end());
    return pids;
  }

  void Stop() {
    if (pid_ <= 0) return;
    for (const std::string& id : ids_) {
      (void)Ctr({"tasks", "delete", "--force", id});  // kills the task first
      (void)Ctr({"containers", "delete", id});        // and its snapshot
    }
    (void)Ctr({"images", "rm", "docker.io/library/busybox:latest"});
    std::vector<pid_t> left = ShimPids();
    for (int i = 0; i < 200 && !left.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      left = ShimPids();
    }
    for (pid_t shim : left) {
      Error("containerd-shim-runc-v2 " + std::to_string(shim) + " did not exit; killing it");
      ::kill(shim, SIGKILL);
    }
    ::kill(pid_, SIGTERM);
    if (!WaitChild(pid_, std::chrono::seconds(20)).ok()) Error("containerd did not stop; killed");
    pid_ = 0;
    // The sockets of shims that did not clean up after themselves:
    // containerd 1.6 names them /run/containerd/s/<sha256 of
    // "address/namespace/id">.
    if (!left.empty()) {
      for (const std::string& id : ids_) ::unlink(ShimSocket(id).c_str());
    }
    // containerd leaves the namespace's cgroup (/<namespace>) behind.
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/sys/fs/cgroup", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      std::string cg = it->path().string() + "/" + ns_;
      for (const std::string& id : ids_) ::rmdir((cg + "/" + id).c_str());
      ::rmdir(cg.c_str());
    }
  }

 private:
  std::string ShimSocket(const std::string& id) const {
    std::string key = sock_ + "/" + ns_ + "/" + id;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
    std::string path = "/run/containerd/s/";
    for (unsigned char c : digest) path += fmt::format("{:02x}", c);
    return path;
  }

  absl::Status Ctr(std::vector<std::string> args) {
    berth::SpawnOptions o;
    o.argv = {"/usr/bin/ctr", "--address", sock_, "--namespace", ns_};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    BERTH_ASSIGN_OR_RETURN(berth::SpawnResult r, RunCommand(o, "", kCommandTimeout, dir_));
    if (r.status.code != 0) {
      return absl::UnavailableError("ctr " + berth::Join(args, " ") + ": " + r.err);
    }
    return absl::OkStatus();
  }

  std::string dir_;
  std::string ns_;
  std::string sock_;
  pid_t pid_ = 0;
  std::vector<std::string> ids_;
};

// ---- the run -----------------------------------------------------------------

struct Options {
  std::string berth_shim;
  std::string runtime;
  int count = 50;
  int settle_ms = 2000;
  bool containerd = true;
  bool details = false;
  int hold_seconds = 0;
  int fake_cpus = 0;
};

// Adds shims until there are `n`, then lets them settle.
template <typename T>
absl::Status Grow(T& shims, size_t have, size_t n, int settle_ms) {
  for (size_t i = have; i < n; ++i) {
    if (Interrupted()) return absl::CancelledError("interrupted");
    BERTH_RETURN_IF_ERROR(shims.Add());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
  return absl::OkStatus();
}

void PrintRow(const Stats& s) {
  std::printf("%-26s %4zu %9.0f %9.0f %10ld %9.0f %9.0f %10ld %9.0f %8.0f\n", s.name.c_str(),
              s.shims.size(), s.Median(&Memory::uss_kb), s.Mean(&Memory::uss_kb),
              s.Total(&Memory::uss_kb), s.Median(&Memory::pss_kb), s.Mean(&Memory::pss_kb),
              s.Total(&Memory::pss_kb), s.Median(&Memory::rss_kb),
              s.shims.empty() ? 0.0 : static_cast<double>(s.shims[0].threads));
}

int Run(const Options& opt, const std::string& dir) {
  std::vector<Stats> results;
  std::string rootfs = dir + "/rootfs";
  if (absl::Status s = berth::testimage::CreateRootfs(rootfs, {}); !s.ok()) {
    Error("rootfs: " + std::string(s.message()));
    return 1;
  }
  // From here on shims come back to us when `start` exits, and every child
  // is waited for through the reaper (CreateRootfs ran busybox itself).
  berth::testing::StartChildReaper();
  size_t n = static_cast<size_t>(opt.count);
  {
    BerthShims berth_shims(dir + "/berth", opt.berth_shim, opt.runtime, rootfs);
    std::printf("berth-shim: starting 1 then %zu shims with `%s` containers...\n", n,
                berth::Join(g_command, " ").c_str());
    std::fflush(stdout);
    if (absl::Status s = Grow(berth_shims, 0, 1, opt.settle_ms); !s.ok()) {
      Error("berth-shim: " + std::string(s.message()));
      return 1;
    }
    std::optional<Stats> one = MeasureAll("berth-shim", berth_shims.pids());
    if (!one) return 1;
    if (opt.details) PrintDetails("berth-shim", berth_shims.pids()[0]);
    if (absl::Status s = Grow(berth_shims, 1, n, opt.settle_ms); !s.ok()) {
      Error("berth-shim: " + std::string(s.message()));
      return 1;
    }
    std::optional<Stats> many = MeasureAll("berth-shim", berth_shims.pids());
    if (!many) return 1;
    if (opt.hold_seconds > 0) {
      std::printf("berth-shim pids:");
      for (pid_t pid : berth_shims.pids()) std::printf(" %d", pid);
      std::printf("\nholding them for %d s\n", opt.hold_seconds);
      std::fflush(stdout);
      for (int i = 0; i < opt.hold_seconds * 10 && !Interrupted(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    if (opt.details) PrintDetails("berth-shim, one of " + std::to_string(n), berth_shims.pids()[0]);
    results.push_back(*one);
    results.push_back(*many);
  }

  if (!opt.containerd) {
    std::printf("containerd-shim-runc-v2: skipped (--no-containerd)\n");
  } else if (Which("containerd").empty() || Which("ctr").empty() ||
             access(kContainerdShim, X_OK) != 0) {
    std::printf("containerd-shim-runc-v2: not installed (Debian's containerd), skipped\n");
  } else {
    std::string cdir = dir + "/containerd";
    if (absl::Status s = berth::MkdirAll(cdir, 0700); !s.ok()) return 1;
    Containerd containerd(cdir);
    std::printf("containerd-shim-runc-v2: starting 1 then %zu containers with ctr run -d...\n", n);
    std::fflush(stdout);
    absl::Status s = containerd.Start();
    if (s.ok()) s = Grow(containerd, 0, 1, opt.settle_ms);
    if (!s.ok()) {
      Error("containerd: " + std::string(s.message()));
      return 1;
    }
    std::vector<pid_t> pids = containerd.ShimPids();
    if (pids.size() != 1) {
      Error("containerd: found " + std::to_string(pids.size()) + " shims, want 1");
      return 1;
    }
    std::optional<Stats> one = MeasureAll("containerd-shim-runc-v2", pids);
    if (!one) return 1;
    if (opt.details) PrintDetails("containerd-shim-runc-v2", pids[0]);
    if (s = Grow(containerd, 1, n, opt.settle_ms); !s.ok()) {
      Error("containerd: " + std::string(s.message()));
      return 1;
    }
    pids = containerd.ShimPids();
    if (pids.size() != n) {
      Error("containerd: found " + std::to_string(pids.size()) + " shims, want " +
            std::to_string(n));
      return 1;
    }
    std::optional<Stats> many = MeasureAll("containerd-shim-runc-v2", pids);
    if (!many) return 1;
    if (opt.details) {
      PrintDetails("containerd-shim-runc-v2, one of " + std::to_string(n), pids[0]);
    }
    results.push_back(*one);
    results.push_back(*many);
  }
  if (Which("conmon").empty()) {
    std::printf("conmon: not installed, not measured\n");
  } else {
    std::printf(
        "conmon: installed at %s, but this benchmark does not drive it (no podman "
        "here); not measured\n",
        Which("conmon").c_str());
  }

  std::printf("\nmemory per shim holding one busybox container running `%s`, KiB\n",
              berth::Join(g_command, " ").c_str());
  std::printf("(USS = Private_Clean + Private_Dirty; PSS and RSS from /proc/PID/smaps_rollup)\n");
  std::printf("%-26s %4s %9s %9s %10s %9s %9s %10s %9s %8s\n", "shim", "n", "USS med", "USS mean",
              "USS total", "PSS med", "PSS mean", "PSS total", "RSS med", "threads");
  for (const Stats& s : results) PrintRow(s);
  if (results.size() == 4) {
    std::printf("\nberth-shim / containerd-shim-runc-v2 (medians per shim):\n");
    for (int i = 0; i < 2; ++i) {
      const Stats& b = results[static_cast<size_t>(i)];
      const Stats& c = results[static_cast<size_t>(i) + 2];
      std::printf("  %3zu shim(s): USS %.2f   PSS %.2f\n", b.shims.size(),
                  b.Median(&Memory::uss_kb) / c.Median(&Memory::uss_kb),
                  b.Median(&Memory::pss_kb) / c.Median(&Memory::pss_kb));
    }
    double ratio = results[1].Median(&Memory::uss_kb) / results[3].Median(&Memory::uss_kb);
    std::printf("target (berth-shim USS per container <= 1/2 of containerd-shim-runc-v2's): %s\n",
                ratio <= 0.5 ? "met" : "NOT met");
  }
  return 0;
}

// Unmounts whatever is still mounted under `dir` (deepest first), removes
// the cgroups of berth containers that were not deleted, then the dir.
void RemoveLeftovers(const std::string& dir) {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    if (point.starts_with(dir + "/")) mounts.push_back(point);
  }
  std::sort(mounts.rbegin(), mounts.rend());
  for (const std::string& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
  std::string prefix = "berth-shim-bench-" + std::to_string(getpid()) + "-";
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/sys/fs/cgroup", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    for (auto cg = std::filesystem::directory_iterator(it->path(), ec2);
         !ec2 && cg != std::filesystem::directory_iterator(); cg.increment(ec2)) {
      if (cg->path().filename().string().starts_with(prefix)) ::rmdir(cg->path().c_str());
    }
  }
  (void)berth::RemoveAll(dir);
}

}  // namespace

int main(int argc, char** argv) {
  if (!berth::bench::EnterPrivateMountNamespace()) return 1;
  CLI::App app{"memory per container of berth-shim vs containerd-shim-runc-v2",
               "berth-shim-memory-bench"};
  Options opt;
  app.add_option("--berth-shim", opt.berth_shim, "path of berth-shim")->required();
  app.add_option("--runtime", opt.runtime,
                 "OCI runtime berth-shim drives (default: berth-runtime beside berth-shim)");
  app.add_option("-n,--count", opt.count, "shims in the second measurement (default 50)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--settle-ms", opt.settle_ms,
                 "wait after starting containers, before measuring (default 2000)");
  bool no_containerd = false;
  app.add_flag("--no-containerd", no_containerd, "measure berth-shim only");
  app.add_flag("--details", opt.details,
               "per-mapping breakdown (libraries, heap, stacks) and threads of the first shim");
  bool print = false;
  app.add_flag("--print", print,
               "containers print a line, then sleep (sh -c 'echo ...; exec sleep 1000')");
  app.add_option("--fake-cpus", opt.fake_cpus,
                 "make sysconf(_SC_NPROCESSORS_CONF) say N in the benchmark's mount namespace "
                 "(gRPC sizes thread pools by it; Go's runtime does not look)");
  app.add_option("--hold-seconds", opt.hold_seconds,
                 "keep the berth-shims this long after measuring them, to look at them");
  CLI11_PARSE(app, argc, argv);
  opt.containerd = !no_containerd;
  if (print) g_command = {"sh", "-c", "echo hello from the benchmark; exec sleep 1000"};
  if (opt.fake_cpus > 0) {
    // glibc counts configured CPUs from these two files; only mounts in our
    // private namespace change.
    std::string fake = "/tmp/berth-shim-bench-cpus-" + std::to_string(getpid());
    if (!berth::WriteFile(fake, "0-" + std::to_string(opt.fake_cpus - 1) + "\n").ok()) return 1;
    for (const char* file :
         {"/sys/devices/system/cpu/possible", "/sys/devices/system/cpu/present"}) {
      if (mount(fake.c_str(), file, nullptr, MS_BIND, nullptr) < 0) {
        std::perror(file);
        ::unlink(fake.c_str());
        return 1;
      }
    }
    ::unlink(fake.c_str());
  }
  if (opt.runtime.empty()) {
    std::string shim_dir = opt.berth_shim.substr(0, opt.berth_shim.find_last_of('/') + 1);
    opt.runtime = shim_dir + "../runtime/berth-runtime";
    if (access(opt.runtime.c_str(), X_OK) != 0) opt.runtime = shim_dir + "berth-runtime";
  }
  // Absolute: the shim runs the runtime from the bundle directory.
  for (std::string* path : {&opt.berth_shim, &opt.runtime}) {
    char* real = ::realpath(path->c_str(), nullptr);
    if (!real || access(real, X_OK) != 0) {
      Error(*path + ": not found");
      std::free(real);
      return 1;
    }
    *path = real;
    std::free(real);
  }
  std::string dir = berth::bench::MakeTempDir("berth-shim-bench");
  if (dir.empty()) return 1;
  // Binaries just built or copied sit in the page cache as dirty pages, which
  // smaps counts as Private_Dirty: write them back first.
  ::sync();
  berth::bench::CatchInterrupts();
  int code = Run(opt, dir);
  RemoveLeftovers(dir);
  if (Interrupted()) code = 130;
  return code;
}
