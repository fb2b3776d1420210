#include <fmt/format.h>
#include <signal.h>

#include "common/logger.h"
#include "common/signals.h"
#include "common/status.h"
#include "engined/daemon/container_config.h"
#include "engined/daemon/container_manager.h"

namespace berth::engined {

namespace {

constexpr int kDefaultStopTimeout = 10;

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

absl::StatusOr<bool> ContainerManager::Stop(const std::string& ref, std::optional<int> timeout,
                                            const std::string& signal) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::lock_guard<std::mutex> op(entry->op);
  return StopLocked(entry, timeout, signal);
}

absl::StatusOr<bool> ContainerManager::StopLocked(const ContainerRef& entry,
                                                  std::optional<int> timeout,
                                                  const std::string& signal_override) {
  std::string id;
  std::string signal_text = signal_override;
  uint64_t exits = 0;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    id = entry->c.id;
    entry->c.state.manually_stopped = true;
    Persist(entry);
    if (entry->c.state.status == RunState::kRestarting) {
      // Waiting out a back-off: no task to signal; the restart sees the flag.
      entry->c.state.status = RunState::kExited;
      Persist(entry);
      entry->changed.notify_all();
      return true;
    }
    if (entry->c.state.status != RunState::kRunning && entry->c.state.status != RunState::kPaused) {
      return false;
    }
    if (signal_text.empty()) signal_text = StringField(entry->c.config, "StopSignal");
    if (!timeout.has_value()) {
      auto it = entry->c.config.find("StopTimeout");
      timeout = it != entry->c.config.end() && it->is_number_integer() ? it->get<int>()
                                                                       : kDefaultStopTimeout;
    }
    exits = entry->exits;
  }
  int signal = SIGTERM;
  if (!signal_text.empty()) {
    BERTH_ASSIGN_OR_RETURN(signal, ParseSignal(signal_text));
  }

  auto kill = [&](int sig) {
    ctrpb::KillRequest request;
    request.set_container_id(id);
    request.set_signal(static_cast<uint32_t>(sig));
    google::protobuf::Empty empty;
    grpc::Status s = containerd_.tasks().Kill(containerd_.Ctx().get(), request, &empty);
    if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
      log::Warnf("container {}: signal {}: {}", id, sig, s.error_message());
    }
  };
  auto wait_exit = [&](std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(entry->mu);
    auto exited = [&] {
      return entry->exits != exits || entry->removed ||
             (entry->c.state.status != RunState::kRunning &&
              entry->c.state.status != RunState::kPaused);
    };
    if (limit.count() < 0) {
      entry->changed.wait(lock, exited);
      return true;
    }
    return entry->changed.wait_for(lock, limit, exited);
  };

  bool paused = false;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    paused = entry->c.state.status == RunState::kPaused;
  }
  if (signal != SIGKILL && *timeout != 0) {
    kill(signal);
    // A paused container cannot act on the signal until it is thawed.
    if (paused) {
      ctrpb::ResumeTaskRequest resume;
      resume.set_container_id(id);
      google::protobuf::Empty empty;
      (void)containerd_.tasks().Resume(containerd_.Ctx().get(), resume, &empty);
    }
    std::chrono::milliseconds limit(*timeout < 0 ? -1 : int64_t{*timeout} * 1000);
    if (wait_exit(limit)) return true;
    log::Infof("container {} did not stop within {} s after signal {}: killing it", id, *timeout,
               signal);
  }
  kill(SIGKILL);
  if (paused) {
    ctrpb::ResumeTaskRequest resume;
    resume.set_container_id(id);
    google::protobuf::Empty empty;
    (void)containerd_.tasks().Resume(containerd_.Ctx().get(), resume, &empty);
  }
  if (!wait_exit(std::chrono::seconds(30))) {
    return absl::DeadlineExceededError(
        fmt::format("container {}: still running 30 s after SIGKILL", id));
  }
  return true;
}

absl::Status ContainerManager::Restart(const std::string& ref, std::optional<int> timeout,
                                       const std::string& signal) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::lock_guard<std::mutex> op(entry->op);
  BERTH_RETURN_IF_ERROR(StopLocked(entry, timeout, signal).status());
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    entry->c.state.manually_stopped = false;
  }
  BERTH_RETURN_IF_ERROR(StartLocked(entry).status());
  Emit("restart", entry);
  return absl::OkStatus();
}

absl::Status ContainerManager::Remove(const std::string& ref, bool force, bool remove_volumes) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::lock_guard<std::mutex> op(entry->op);
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->removed) return NotFoundf("No such container: {}", ref);
    RunState st = entry->c.state.status;
    if (st == RunState::kRemoving) {
      return FailedPreconditionf("removal of container {} is already in progress", entry->c.id);
    }
    if ((st == RunState::kRunning || st == RunState::kPaused || st == RunState::kRestarting) &&
        !force) {
      if (st == RunState::kPaused) {
        return FailedPreconditionf(
            "cannot remove container \"{}\": container is paused and must be unpaused first",
            entry->c.name);
      }
      return FailedPreconditionf(
          "cannot remove container \"{}\": container is {}: stop the container before removing or "
          "force remove",
          entry->c.name, RunStateName(st));
    }
  }
  // Only a live task needs stopping. For an exited container StopLocked
  // would only write (with two fsyncs) a manual-stop flag into a record
  // that is about to be removed: a needless durable write on the path of
  // every --rm removal (docker's stop leaves a stopped container alone).
  bool live = false;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    RunState st = entry->c.state.status;
    live = st == RunState::kRunning || st == RunState::kPaused || st == RunState::kRestarting;
  }
  if (live) BERTH_RETURN_IF_ERROR(StopLocked(entry, 0, "SIGKILL").status());
  return RemoveLocked(entry, remove_volumes);
}

absl::Status ContainerManager::RemoveLocked(const ContainerRef& entry, bool remove_volumes) {
  Container c;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    entry->c.state.status = RunState::kRemoving;
    Persist(entry);
    c = entry->c;
  }
  const std::string& id = c.id;
  BERTH_RETURN_IF_ERROR(DeleteTaskIfAny(id));
  google::protobuf::Empty empty;
  ctrpb::DeleteContainerRequest del;
  del.set_id(id);
  grpc::Status s = containerd_.containers().Delete(containerd_.Ctx().get(), del, &empty);
  if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
    std::lock_guard<std::mutex> lock(entry->mu);
    entry->c.state.status = RunState::kDead;
    Persist(entry);
    return CallStatus(s, fmt::format("container {}: delete from containerd", id));
  }
  ctrpb::RemoveSnapshotRequest remove;
  remove.set_snapshotter(kSnapshotter);
  remove.set_key(id);
  s = containerd_.snapshots().Remove(containerd_.Ctx().get(), remove, &empty);
  if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
    // Unreferenced now: the collector takes it later.
    log::Warnf("container {}: remove its snapshot: {}", id, s.error_message());
  }
  ReleaseContainerMounts(c, volumes_, remove_volumes);
  if (container_ends_) container_ends_(id, true);
  Emit("destroy", entry);
  BERTH_RETURN_IF_ERROR(store_.Remove(entry));
  {
    std::lock_guard<std::mutex> lock(backoff_mu_);
    backoff_.erase(id);
    started_at_.erase(id);
  }
  return absl::OkStatus();
}

}  // namespace berth::engined
