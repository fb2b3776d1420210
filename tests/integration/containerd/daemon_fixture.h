// A real berth-containerd, started as its own process in a temp dir with
// its own socket, root and state, and generated clients for its services.
// The test process is the child subreaper (StartChildReaper), so shims come
// back to it when `berth-shim start` exits and are reaped there.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "berth/containerd/v1/containers.grpc.pb.h"
#include "berth/containerd/v1/content.grpc.pb.h"
#include "berth/containerd/v1/diff.grpc.pb.h"
#include "berth/containerd/v1/events.grpc.pb.h"
#include "berth/containerd/v1/images.grpc.pb.h"
#include "berth/containerd/v1/leases.grpc.pb.h"
#include "berth/containerd/v1/namespaces.grpc.pb.h"
#include "berth/containerd/v1/snapshots.grpc.pb.h"
#include "berth/containerd/v1/tasks.grpc.pb.h"
#include "berth/containerd/v1/version.grpc.pb.h"
#include "common/scoped_pid.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testing {

namespace ctrpb = ::berth::containerd::v1;

// A client context in `ns`, with a deadline.
std::unique_ptr<grpc::ClientContext> Ctx(const std::string& ns = "default",
                                         std::chrono::seconds timeout = std::chrono::seconds(60));

// As Ctx, working under `lease` (the "berth-lease" metadata entry): what
// the call creates is held until the lease is deleted.
std::unique_ptr<grpc::ClientContext> LeaseCtx(const std::string& ns, const std::string& lease);

class DaemonFixture {
 public:
  DaemonFixture();
  // Deletes every task and container left in the test's namespaces, then
  // stops the daemon.
  ~DaemonFixture();

  void StartDaemon();
  // Sends `sig` and reaps the daemon.
  void StopDaemon(int sig);
  const std::string& socket() const { return socket_; }
  // Sets `key` in the daemon's config file (JSON text `value`); the daemon
  // reads it when next started.
  void SetConfig(const std::string& key, const std::string& json_value);
  // The daemon's --root.
  std::string RootDir() const { return dir_.Sub("root"); }
  std::string Path(const std::string& name) const { return dir_.Sub(name); }
  std::string StateDir() const { return dir_.Sub("state"); }
  // The busybox root filesystem tasks mount.
  const std::string& rootfs() const { return rootfs_; }

  std::shared_ptr<grpc::Channel> NewChannel() const;
  ctrpb::Namespaces::Stub& namespaces() { return *namespaces_; }
  ctrpb::Containers::Stub& containers() { return *containers_; }
  ctrpb::Tasks::Stub& tasks() { return *tasks_; }
  ctrpb::Events::Stub& events() { return *events_; }
  ctrpb::Version::Stub& version() { return *version_; }
  ctrpb::Snapshots::Stub& snapshots() { return *snapshots_; }
  ctrpb::Content::Stub& content() { return *content_; }
  ctrpb::Images::Stub& images() { return *images_; }
  ctrpb::Leases::Stub& leases() { return *leases_; }
  ctrpb::Diff::Stub& diff() { return *diff_; }

  // An OCI spec running `args` on the test image (root.path relative: the
  // task's rootfs mount provides it), with a cgroup of the test's own.
  std::string Spec(const std::string& id, const std::vector<std::string>& args) const;
  ctrpb::Container ContainerRecord(const std::string& id,
                                   const std::vector<std::string>& args) const;
  // Containers.Create; the status.
  grpc::Status CreateContainer(const std::string& id, const std::vector<std::string>& args,
                               const std::string& ns = "default");
  // A Tasks.Create request that bind-mounts the test image as the rootfs.
  ctrpb::CreateTaskRequest TaskRequest(const std::string& id) const;
  grpc::Status CreateTask(const ctrpb::CreateTaskRequest& request, uint32_t* pid = nullptr,
                          const std::string& ns = "default");
  grpc::Status StartTask(const std::string& id, uint32_t* pid = nullptr,
                         const std::string& ns = "default", const std::string& exec_id = "");
  // Container + task + start; REQUIREs success.
  uint32_t RunTask(const std::string& id, const std::vector<std::string>& args,
                   const std::string& ns = "default");
  // Tasks.Wait; REQUIREs success and returns the exit status.
  uint32_t WaitTask(const std::string& id, const std::string& ns = "default",
                    const std::string& exec_id = "");
  grpc::Status DeleteTask(const std::string& id, bool force = false,
                          ctrpb::DeleteResponse* response = nullptr,
                          const std::string& ns = "default");
  // Task status via Tasks.Get.
  ctrpb::TaskStatus TaskStatus(const std::string& id, const std::string& ns = "default");

  // Leases.Create / Delete (not sync) of `id`; REQUIRE success.
  void CreateLease(const std::string& id, const std::string& ns = "default");
  void DeleteLease(const std::string& id, const std::string& ns = "default");
  // Runs a garbage collection now and waits for it (Leases.Delete with
  // sync of a lease made for the purpose).
  void CollectGarbage();

  // Namespaces the fixture cleans at the end (default is always there).
  void UseNamespace(const std::string& ns) { namespaces_used_.push_back(ns); }

 private:
  void Connect();
  void CleanNamespace(const std::string& ns);

  TempDir dir_;
  std::string rootfs_;
  std::string socket_;
  std::string config_;
  ScopedPid daemon_;
  std::vector<std::string> namespaces_used_{"default"};
  std::unique_ptr<ctrpb::Namespaces::Stub> namespaces_;
  std::unique_ptr<ctrpb::Containers::Stub> containers_;
  std::unique_ptr<ctrpb::Tasks::Stub> tasks_;
  std::unique_ptr<ctrpb::Events::Stub> events_;
  std::unique_ptr<ctrpb::Version::Stub> version_;
  std::unique_ptr<ctrpb::Snapshots::Stub> snapshots_;
  std::unique_ptr<ctrpb::Content::Stub> content_;
  std::unique_ptr<ctrpb::Images::Stub> images_;
  std::unique_ptr<ctrpb::Leases::Stub> leases_;
  std::unique_ptr<ctrpb::Diff::Stub> diff_;
};

// Reads events from a Subscribe stream on a thread of its own.
class EventCollector {
 public:
  EventCollector(ctrpb::Events::Stub& stub, const std::vector<std::string>& filters,
                 bool replay = false);
  ~EventCollector();
  // Waits until an event on `topic` whose task event names `container_id`
  // arrived; returns it (REQUIREs it within 30 s).
  ctrpb::Envelope WaitFor(const std::string& topic, const std::string& container_id);
  std::vector<ctrpb::Envelope> Snapshot();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The container id an envelope's task event names ("" if none).
std::string EventContainerId(const ctrpb::Envelope& envelope);

}  // namespace berth::testing
