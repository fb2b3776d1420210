#include <fmt/format.h>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/time_util.h"
#include "engined/daemon/container_config.h"
#include "engined/daemon/container_manager.h"
#include "engined/daemon/etc_files.h"
#include "engined/daemon/joined_namespaces.h"
#include "engined/daemon/log_options.h"
#include "engined/daemon/names.h"
#include "engined/daemon/rootfs_mount.h"

namespace berth::engined {

namespace {

bool BoolField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// The runtime's errno text in Go's spelling (what the docker CLI looks
// for to exit 127 / 126), and the exit code docker records for it.
std::pair<std::string, int> DockerStartError(std::string message) {
  int code = 128;
  for (const auto& [from, to, c] :
       {std::tuple{"No such file or directory", "no such file or directory", 127},
        std::tuple{"Permission denied", "permission denied", 126},
        std::tuple{"Is a directory", "is a directory", 126}}) {
    if (size_t at = message.find(from); at != std::string::npos) {
      message.replace(at, std::string_view(from).size(), to);
      code = c;
    }
  }
  return {message, code};
}

}  // namespace

absl::StatusOr<bool> ContainerManager::Start(const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::lock_guard<std::mutex> op(entry->op);
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    // docker clears the flag on an explicit start.
    entry->c.state.manually_stopped = false;
  }
  {
    std::lock_guard<std::mutex> lock(backoff_mu_);
    backoff_[entry->c.id].Reset();
  }
  absl::StatusOr<bool> started = StartLocked(entry);
  bool auto_remove = false;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    auto_remove = BoolField(entry->c.host_config, "AutoRemove");
  }
  // docker removes an --rm container whose start failed (its CLI waits
  // for that removal).
  if (!started.ok() && auto_remove) {
    if (absl::Status s = RemoveLocked(entry, true); !s.ok()) {
      log::Warnf("container {}: removing after a failed start (--rm): {}", entry->c.id, s);
    }
  }
  return started;
}

absl::StatusOr<JsonFileOptions> ContainerManager::LogOptionsOf(const Container& c) const {
  return JsonFileOptionsOf(c.host_config, options_.default_log_opts);
}

absl::Status ContainerManager::DeleteTaskIfAny(const std::string& id) {
  ctrpb::DeleteTaskRequest del;
  del.set_container_id(id);
  del.set_force(true);
  ctrpb::DeleteResponse deleted;
  grpc::Status s = containerd_.tasks().Delete(containerd_.Ctx().get(), del, &deleted);
  if (s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND) return absl::OkStatus();
  return CallStatus(s, fmt::format("container {}: delete its old task", id));
}

absl::StatusOr<bool> ContainerManager::StartLocked(const ContainerRef& entry) {
  Container c;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    switch (entry->c.state.status) {
      case RunState::kRunning:
        return false;
      case RunState::kPaused:
        return FailedPreconditionf("cannot start a paused container, try unpause instead");
      case RunState::kRemoving:
        return FailedPreconditionf("container is marked for removal and cannot be started");
      case RunState::kDead:
        return FailedPreconditionf("container is marked as dead and cannot be started");
      default:
        break;
    }
    if (entry->removed) return NotFoundf("No such container: {}", entry->c.id);
    c = entry->c;
  }
  const std::string& id = c.id;
  std::string dir = store_.Dir(id);
  BERTH_ASSIGN_OR_RETURN(JsonFileOptions log_options, LogOptionsOf(c));
  BERTH_ASSIGN_OR_RETURN(JoinedNamespaces joined, ResolveJoinedNamespaces(c, store_));
  if (joined.network_donor) {
    // On another container's network: its /etc files and names, as moby.
    const Container& donor = *joined.network_donor;
    c.hostname_path = donor.hostname_path;
    c.hosts_path = donor.hosts_path;
    c.resolv_conf_path = donor.resolv_conf_path;
    for (const char* key : {"Hostname", "Domainname"}) {
      c.config[key] = donor.config.is_object() ? donor.config.value(key, "") : "";
    }
  } else {
    BERTH_ASSIGN_OR_RETURN(EtcFiles etc, WriteEtcFiles(dir, c.config, c.host_config));
    c.hostname_path = etc.hostname_path;
    c.hosts_path = etc.hosts_path;
    c.resolv_conf_path = etc.resolv_conf_path;
  }

  nlohmann::json spec;
  {
    BERTH_ASSIGN_OR_RETURN(RootfsMount rootfs,
                           RootfsMount::Mount(containerd_, id, JoinPath(dir, "rootfs-setup")));
    BERTH_RETURN_IF_ERROR(PopulateContainerVolumes(c, rootfs.path()));
    SpecContext context{rootfs.path(), options_.init_path, options_.default_ulimits,
                        joined.network_path, joined.pid_path};
    BERTH_ASSIGN_OR_RETURN(spec, BuildContainerSpec(c, context));
  }  // unmounted here: the shim mounts the snapshot for the task

  ctrpb::UpdateContainerRequest update;
  update.mutable_container()->set_id(id);
  update.mutable_container()->set_spec(json::Dump(spec));
  update.mutable_update_mask()->add_paths("spec");
  ctrpb::UpdateContainerResponse updated;
  BERTH_RETURN_IF_ERROR(
      CallStatus(containerd_.containers().Update(containerd_.Ctx().get(), update, &updated),
                 fmt::format("container {}: update its spec", id)));
  BERTH_RETURN_IF_ERROR(DeleteTaskIfAny(id));

  ctrpb::CreateTaskRequest create;
  create.set_container_id(id);
  create.set_terminal(BoolField(c.config, "Tty"));
  create.set_stdin(BoolField(c.config, "OpenStdin"));
  create.set_stdin_once(BoolField(c.config, "StdinOnce"));
  if (log_options.enabled) {
    create.mutable_log()->set_format("json-file");
    create.mutable_log()->set_path(c.log_path);
    create.mutable_log()->set_max_size(log_options.max_size);
    create.mutable_log()->set_max_file(log_options.max_file);
  }
  ctrpb::CreateTaskResponse created;
  grpc::Status s = containerd_.tasks().Create(containerd_.Ctx().get(), create, &created);
  if (!s.ok()) {
    auto [message, code] = DockerStartError(s.error_message());
    std::lock_guard<std::mutex> lock(entry->mu);
    entry->c.state.error = message;
    entry->c.state.exit_code = code;
    Persist(entry);
    return CallStatus(grpc::Status(s.error_code(), message), "failed to create task for container");
  }

  // Running before Tasks.Start: an exit that races the start's reply then
  // finds the container running and is recorded.
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    entry->c.hostname_path = c.hostname_path;
    entry->c.hosts_path = c.hosts_path;
    entry->c.resolv_conf_path = c.resolv_conf_path;
    if (joined.network_donor) {
      entry->c.config["Hostname"] = c.config["Hostname"];
      entry->c.config["Domainname"] = c.config["Domainname"];
    }
    entry->c.state.status = RunState::kRunning;
    entry->c.state.pid = static_cast<int>(created.pid());
    entry->c.state.started_at = NowRfc3339Nano();
    entry->c.state.has_been_started = true;
    entry->c.state.exit_code = 0;
    entry->c.state.error.clear();
    entry->c.state.oom_killed = false;
    // Connected: the network's ID stays from now on, the endpoint is this run's.
    if (auto n = options_.network_ids.find(c.NetworkMode()); n != options_.network_ids.end()) {
      entry->c.network_id = n->second;
      entry->c.endpoint_id = NewObjectId();
    }
    Persist(entry);
  }
  {
    std::lock_guard<std::mutex> lock(backoff_mu_);
    started_at_[id] = std::chrono::steady_clock::now();
  }
  entry->changed.notify_all();
  {
    std::unique_lock<std::mutex> lock(entry->mu);
    if (!entry->changed.wait_for(lock, std::chrono::seconds(10),
                                 [&] { return entry->pending_attaches <= 0; })) {
      log::Warnf("container {}: starting without {} attacher(s) still getting ready", id,
                 entry->pending_attaches);
    }
  }
  ctrpb::StartRequest start;
  start.set_container_id(id);
  ctrpb::StartResponse started;
  s = containerd_.tasks().Start(containerd_.Ctx().get(), start, &started);
  if (!s.ok()) {
    (void)DeleteTaskIfAny(id);
    std::lock_guard<std::mutex> lock(entry->mu);
    entry->c.state.status =
        entry->c.state.has_been_started ? RunState::kExited : RunState::kCreated;
    entry->c.state.pid = 0;
    entry->c.endpoint_id.clear();
    auto [message, code] = DockerStartError(s.error_message());
    entry->c.state.error = message;
    entry->c.state.exit_code = code;
    Persist(entry);
    entry->changed.notify_all();
    return CallStatus(grpc::Status(s.error_code(), message), "failed to start container");
  }
  entry->changed.notify_all();
  Emit("start", entry);
  return true;
}

}  // namespace berth::engined
