// The ContainerManager's small operations; create, start, stop / remove and
// exits live in container_{create,start,stop,exits}.cc.
#include "engined/daemon/container_manager.h"

#include <signal.h>

#include "common/logger.h"
#include "common/status.h"
#include "common/signals.h"

namespace berth::engined {

ContainerManager::ContainerManager(ManagerOptions options, ContainerdClient& containerd,
                                   ContainerStore& store, ImageBackend& images,
                                   VolumeStore* volumes)
    : options_(std::move(options)),
      containerd_(containerd),
      store_(store),
      images_(images),
      volumes_(volumes) {}

ContainerManager::~ContainerManager() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(event_ctx_mu_);
    if (event_ctx_) event_ctx_->TryCancel();
  }
  if (event_thread_.joinable()) event_thread_.join();
  background_.JoinAll();
}

void ContainerManager::Persist(const ContainerRef& entry) {
  if (entry->removed) return;
  if (absl::Status s = store_.Save(entry->c); !s.ok()) {
    log::Errorf("container {}: saving its record: {}", entry->c.id, s);
  }
}

void ContainerManager::Emit(const std::string& action, const ContainerRef& entry,
                            std::map<std::string, std::string> extra) {
  if (!events_) return;
  Container copy;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    copy = entry->c;
  }
  events_(action, copy, extra);
}

absl::Status ContainerManager::Kill(const std::string& ref, const std::string& signal_text) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  int signal = SIGKILL;
  if (!signal_text.empty()) {
    BERTH_ASSIGN_OR_RETURN(signal, ParseSignal(signal_text));
  }
  std::string id;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    id = entry->c.id;
    if (entry->c.state.status != RunState::kRunning && entry->c.state.status != RunState::kPaused) {
      return FailedPreconditionf("Container {} is not running", id);
    }
    entry->c.state.manually_stopped = true;
    Persist(entry);
  }
  ctrpb::KillRequest request;
  request.set_container_id(id);
  request.set_signal(static_cast<uint32_t>(signal));
  google::protobuf::Empty empty;
  grpc::Status s = containerd_.tasks().Kill(containerd_.Ctx().get(), request, &empty);
  BERTH_RETURN_IF_ERROR(CallStatus(s, fmt::format("Cannot kill container: {}", id)));
  Emit("kill", entry, {{"signal", std::to_string(signal)}});
  return absl::OkStatus();
}

absl::Status ContainerManager::Pause(const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::lock_guard<std::mutex> op(entry->op);
  std::string id;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    id = entry->c.id;
    if (entry->c.state.status == RunState::kPaused) {
      return FailedPreconditionf("Container {} is already paused", id);
    }
    if (entry->c.state.status != RunState::kRunning) {
      return FailedPreconditionf("Container {} is not running", id);
    }
  }
  ctrpb::PauseTaskRequest request;
  request.set_container_id(id);
  google::protobuf::Empty empty;
  BERTH_RETURN_IF_ERROR(CallStatus(
      containerd_.tasks().Pause(containerd_.Ctx().get(), request, &empty), "pause " + id));
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->c.state.status == RunState::kRunning) entry->c.state.status = RunState::kPaused;
    Persist(entry);
  }
  entry->changed.notify_all();
  Emit("pause", entry);
  return absl::OkStatus();
}

absl::Status ContainerManager::Unpause(const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::lock_guard<std::mutex> op(entry->op);
  std::string id;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    id = entry->c.id;
    if (entry->c.state.status != RunState::kPaused) {
      return FailedPreconditionf("Container {} is not paused", id);
    }
  }
  ctrpb::ResumeTaskRequest request;
  request.set_container_id(id);
  google::protobuf::Empty empty;
  BERTH_RETURN_IF_ERROR(CallStatus(
      containerd_.tasks().Resume(containerd_.Ctx().get(), request, &empty), "unpause " + id));
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->c.state.status == RunState::kPaused) entry->c.state.status = RunState::kRunning;
    Persist(entry);
  }
  entry->changed.notify_all();
  Emit("unpause", entry);
  return absl::OkStatus();
}

absl::Status ContainerManager::Rename(const std::string& ref, const std::string& new_name) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::lock_guard<std::mutex> op(entry->op);
  std::string old_name;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    old_name = entry->c.name;
  }
  BERTH_RETURN_IF_ERROR(store_.Rename(entry, new_name));
  Emit("rename", entry, {{"oldName", old_name}});
  return absl::OkStatus();
}

absl::Status ContainerManager::Resize(const std::string& ref, const std::string& exec_id,
                                      int height, int width) {
  if (height < 0 || width < 0) return InvalidArgumentf("invalid size {}x{}", height, width);
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::string id;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    id = entry->c.id;
    if (!entry->c.state.Running()) return FailedPreconditionf("Container {} is not running", id);
  }
  ctrpb::ResizePtyRequest request;
  request.set_container_id(id);
  request.set_exec_id(exec_id);
  request.set_width(static_cast<uint32_t>(width));
  request.set_height(static_cast<uint32_t>(height));
  google::protobuf::Empty empty;
  return CallStatus(containerd_.tasks().ResizePty(containerd_.Ctx().get(), request, &empty),
                    "resize " + id);
}

absl::StatusOr<WaitResult> ContainerManager::Wait(const std::string& ref, WaitCondition condition,
                                                  const std::function<bool()>& cancelled) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::unique_lock<std::mutex> lock(entry->mu);
  const uint64_t exits_at_start = entry->exits;
  auto done = [&] {
    switch (condition) {
      case WaitCondition::kNotRunning:
        return entry->removed || !entry->c.state.Running();
      case WaitCondition::kNextExit:
        return entry->exits != exits_at_start || entry->removed;
      case WaitCondition::kRemoved:
        return entry->removed;
    }
    return true;
  };
  // docker: "not-running" on a created container returns at once.
  if (condition == WaitCondition::kNotRunning && entry->c.state.status == RunState::kCreated) {
    return WaitResult{entry->c.state.exit_code, ""};
  }
  while (!done()) {
    entry->changed.wait_for(lock, std::chrono::milliseconds(200));
    if (done()) break;
    if (cancelled && cancelled()) return absl::CancelledError("client went away");
  }
  return WaitResult{entry->c.state.exit_code, entry->c.state.error};
}

}  // namespace berth::engined
