// The two daemons berth-containerd-bench compares, each started privately
// (own socket, root and state; the caller's temp dirs) and driven one task
// at a time: berth-containerd through its gRPC API, Debian's containerd
// through ctr.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/containerd/v1/containers.grpc.pb.h"
#include "berth/containerd/v1/tasks.grpc.pb.h"

namespace berth::bench {

inline constexpr char kContainerd[] = "/usr/bin/containerd";
inline constexpr char kCtr[] = "/usr/bin/ctr";
inline constexpr char kContainerdShim[] = "/usr/bin/containerd-shim-runc-v2";
// The namespace of every task, on both daemons.
inline constexpr char kBenchNamespace[] = "bench";

// The calls of one berth task, in order.
inline constexpr std::array<const char*, 6> kTaskSteps = {"Containers.Create", "Tasks.Create",
                                                          "Tasks.Start",       "Tasks.Wait",
                                                          "Tasks.Delete",      "Containers.Delete"};

// One task's time, ms; steps only for berth (ctr run is one process).
struct Cycle {
  double total_ms = 0;
  std::array<double, kTaskSteps.size()> step_ms{};
};

struct DaemonOptions {
  std::string berth_containerd;
  std::string berth_shim;
  std::string berth_runtime;
  std::string log_level = "warn";
};

class BerthDaemon {
 public:
  // Persistent root, socket, config and log in `dir`; runtime state
  // (bundles, shim sockets, the runtime's root) in `run_dir`. Tasks run on
  // a read-only bind mount of `rootfs`.
  BerthDaemon(DaemonOptions options, std::string dir, std::string run_dir, std::string rootfs);
  // Stop().
  ~BerthDaemon();

  // Starts the daemon and waits until it serves.
  absl::Status Start();
  pid_t pid() const { return pid_; }
  const std::string& socket() const { return socket_; }

  // Stubs over a connection of their own.
  struct Client {
    std::unique_ptr<::berth::containerd::v1::Containers::Stub> containers;
    std::unique_ptr<::berth::containerd::v1::Tasks::Stub> tasks;
  };
  std::unique_ptr<Client> NewClient() const;

  // One task through its whole life (container `id` running busybox `true`
  // in a cgroup of its own), each call timed; on failure whatever was made
  // is removed.
  absl::StatusOr<Cycle> RunTask(Client& client, const std::string& id) const;

  // Deletes every task and container left in the namespace.
  void RemoveAll();

  // Stops the daemon (SIGTERM, then SIGKILL after 30 s); then kills shims
  // it left and removes the cgroups of tasks that were not deleted.
  void Stop();

 private:
  void RemoveTask(Client& client, const std::string& id) const;

  DaemonOptions options_;
  std::string dir_;
  std::string run_dir_;
  std::string rootfs_;
  std::string socket_;
  std::string cgroup_prefix_;
  pid_t pid_ = 0;
};

class ContainerdDaemon {
 public:
  // Root, socket, config and logs in `dir`; state, runc's root and ctr's
  // fifos in `run_dir`. The config is containerd's default with the CRI
  // plugin disabled and every path in those dirs.
  ContainerdDaemon(DaemonOptions options, std::string dir, std::string run_dir);
  // Stop().
  ~ContainerdDaemon();

  // Starts containerd and waits until `ctr version` answers.
  absl::Status Start();
  pid_t pid() const { return pid_; }

  // `ctr images import` of a docker-archive or OCI tarball.
  absl::Status Import(const std::string& archive);
  // `ctr images pull --plain-http REF`: fetch and unpack (overlayfs).
  absl::Status Pull(const std::string& reference);

  // One `ctr run --rm IMAGE id true` of the imported busybox, timed.
  absl::StatusOr<Cycle> Run(const std::string& id);

  // ctr's own cost: `ctr version`, one process and one RPC, timed.
  absl::StatusOr<Cycle> Version();

  // Deletes every task and container (with its snapshot) and the image.
  void RemoveAll();

  // Stops containerd; then kills shims it left and removes the namespace's
  // cgroups (ctr run puts containers in /<namespace>/<id>).
  void Stop();

 private:
  void Remove(const std::string& id);
  // The lines ctr prints for `args`.
  std::vector<std::string> List(const std::vector<std::string>& args);
  // ctr with `args`; its output goes to `log` (a file of its own if empty,
  // removed when ctr succeeds).
  absl::Status Ctr(const std::vector<std::string>& args, std::string log = "");

  DaemonOptions options_;
  std::string dir_;
  std::string run_dir_;
  std::string sock_;
  pid_t pid_ = 0;
  std::atomic<int> counter_{0};
};

}  // namespace berth::bench
