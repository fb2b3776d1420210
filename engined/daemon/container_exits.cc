// Exits: containerd's /tasks/exit events (replayed after a reconnect, so a
// berthd or berth-containerd restart loses none), the exit record, --rm,
// restart policies; and Restore, which reconciles the records at start.
#include <fmt/format.h>

#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "engined/daemon/container_config.h"
#include "engined/daemon/container_manager.h"

namespace berth::engined {

namespace {

bool BoolField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return NowRfc3339Nano();
  struct timespec ts {};
  ts.tv_sec = t.seconds();
  ts.tv_nsec = t.nanos();
  return FormatRfc3339Nano(ts);
}

}  // namespace

void ContainerManager::HandleExit(const ContainerRef& entry, uint32_t pid, uint32_t status,
                                  const std::string& exited_at) {
  bool restart = false, auto_remove = false;
  std::string id;
  std::chrono::milliseconds ran{0};
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->removed) return;
    Container& c = entry->c;
    if (c.state.status != RunState::kRunning && c.state.status != RunState::kPaused) return;
    if (pid != 0 && c.state.pid != 0 && static_cast<uint32_t>(c.state.pid) != pid) return;
    id = c.id;
    c.state.status = RunState::kExited;
    c.state.pid = 0;
    c.state.exit_code = static_cast<int>(status);
    c.state.finished_at = exited_at;
    c.endpoint_id.clear();
    ++entry->exits;
    auto_remove = BoolField(c.host_config, "AutoRemove");
    restart = !auto_remove && !stopping_ &&
              ShouldRestart(RestartPolicyOf(c.host_config), c.state.exit_code, c.restart_count,
                            c.state.manually_stopped);
    if (restart) {
      c.state.status = RunState::kRestarting;
      ++c.restart_count;
    }
    Persist(entry);
  }
  entry->changed.notify_all();
  if (container_ends_) container_ends_(id, false);
  Emit("die", entry, {{"exitCode", std::to_string(status)}});
  if (restart) {
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> lock(backoff_mu_);
      auto it = started_at_.find(id);
      if (it != started_at_.end()) {
        ran = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - it->second);
      }
      delay = backoff_[id].Next(ran);
    }
    ScheduleRestart(entry, delay);
  } else if (auto_remove) {
    background_.Run([this, id] {
      if (absl::Status s = Remove(id, /*force=*/true, /*remove_volumes=*/true);
          !s.ok() && !absl::IsNotFound(s)) {
        log::Warnf("container {}: removing after exit (--rm): {}", id, s);
      }
    });
  }
}

void ContainerManager::ScheduleRestart(const ContainerRef& entry, std::chrono::milliseconds delay) {
  background_.Run([this, entry, delay] {
    auto deadline = std::chrono::steady_clock::now() + delay;
    {
      std::unique_lock<std::mutex> lock(entry->mu);
      entry->changed.wait_until(lock, deadline, [&] {
        return stopping_ || entry->removed || entry->c.state.status != RunState::kRestarting;
      });
    }
    if (stopping_) return;
    std::lock_guard<std::mutex> op(entry->op);
    {
      std::lock_guard<std::mutex> lock(entry->mu);
      if (entry->removed || entry->c.state.status != RunState::kRestarting ||
          entry->c.state.manually_stopped) {
        return;
      }
      // StartLocked starts from a stopped state.
      entry->c.state.status = RunState::kExited;
    }
    absl::StatusOr<bool> started = StartLocked(entry);
    if (!started.ok()) {
      log::Warnf("container {}: restart failed: {}", entry->c.id, started.status());
      std::lock_guard<std::mutex> lock(entry->mu);
      entry->c.state.error = std::string(ToStd(started.status().message()));
      Persist(entry);
      entry->changed.notify_all();
    }
  });
}

void ContainerManager::OnTaskExit(const TaskExitInfo& exit) {
  if (!exit.exec_id.empty() && exit.exec_id != exit.container_id) {
    if (exec_exits_) exec_exits_(exit.container_id, exit.exec_id, exit.status);
    return;
  }
  absl::StatusOr<ContainerRef> entry = store_.Get(exit.container_id);
  if (!entry.ok() || (*entry)->c.id != exit.container_id) return;
  // A replayed event, Restore and this loop may all see the same exit:
  // HandleExit takes it once. The task is usually still there to delete;
  // berth-containerd deletes it itself when it found the shim dead, before
  // publishing the exit.
  ctrpb::DeleteTaskRequest del;
  del.set_container_id(exit.container_id);
  ctrpb::DeleteResponse deleted;
  grpc::Status s = containerd_.tasks().Delete(containerd_.Ctx().get(), del, &deleted);
  if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
    log::Warnf("container {}: delete its exited task: {}", exit.container_id, s.error_message());
  }
  if (s.ok()) {
    HandleExit(*entry, deleted.pid(), deleted.exit_status(), FormatTimestamp(deleted.exited_at()));
  } else {
    HandleExit(*entry, exit.pid, exit.status, exit.exited_at);
  }
}

void ContainerManager::OnTaskOom(const std::string& container_id) {
  absl::StatusOr<ContainerRef> entry = store_.Get(container_id);
  if (!entry.ok() || (*entry)->c.id != container_id) return;
  {
    std::lock_guard<std::mutex> lock((*entry)->mu);
    (*entry)->c.state.oom_killed = true;
    Persist(*entry);
  }
  Emit("oom", *entry);
}

void ContainerManager::EventLoop() {
  const std::string ns = containerd_.ns();
  while (!stopping_) {
    ctrpb::SubscribeRequest request;
    request.add_filters(fmt::format("namespace=={},topic==\"/tasks/exit\"", ns));
    request.add_filters(fmt::format("namespace=={},topic==\"/tasks/oom\"", ns));
    request.set_replay(true);
    std::unique_ptr<grpc::ClientContext> ctx = containerd_.Ctx();
    {
      std::lock_guard<std::mutex> lock(event_ctx_mu_);
      if (stopping_) return;
      event_ctx_ = std::move(ctx);
    }
    auto reader = containerd_.events().Subscribe(event_ctx_.get(), request);
    ctrpb::Envelope envelope;
    while (reader->Read(&envelope)) {
      if (envelope.topic() == "/tasks/exit") {
        ctrpb::TaskExit e;
        if (!envelope.event().UnpackTo(&e)) continue;
        OnTaskExit(
            {e.container_id(), e.id(), e.pid(), e.exit_status(), FormatTimestamp(e.exited_at())});
      } else if (envelope.topic() == "/tasks/oom") {
        ctrpb::TaskOOM e;
        if (envelope.event().UnpackTo(&e)) OnTaskOom(e.container_id());
      }
    }
    grpc::Status s = reader->Finish();
    if (stopping_) return;
    log::Warnf("containerd event stream ended ({}); reconnecting", s.error_message());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // After a berth-containerd restart, tasks it found dead are replayed;
    // tasks that vanished altogether are reconciled here.
    ReconcileRunning();
  }
}

void ContainerManager::ReconcileRunning() {
  for (const ContainerRef& entry : store_.List()) {
    std::string id;
    RunState status;
    {
      std::lock_guard<std::mutex> lock(entry->mu);
      id = entry->c.id;
      status = entry->c.state.status;
    }
    if (status != RunState::kRunning && status != RunState::kPaused) continue;
    ctrpb::GetRequest get;
    get.set_container_id(id);
    ctrpb::GetResponse got;
    grpc::Status s = containerd_.tasks().Get(containerd_.Ctx().get(), get, &got);
    if (s.ok()) {
      const ctrpb::Process& p = got.process();
      if (p.status() == ctrpb::TASK_STATUS_STOPPED) {
        OnTaskExit({id, id, p.pid(), p.exit_status(), FormatTimestamp(p.exited_at())});
      } else {
        std::lock_guard<std::mutex> lock(entry->mu);
        entry->c.state.status =
            p.status() == ctrpb::TASK_STATUS_PAUSED ? RunState::kPaused : RunState::kRunning;
        entry->c.state.pid = static_cast<int>(p.pid());
        Persist(entry);
      }
    } else if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      {
        std::lock_guard<std::mutex> lock(entry->mu);
        RunState now = entry->c.state.status;
        // Its exit was handled meanwhile (the task deleted by that handler).
        if (now != RunState::kRunning && now != RunState::kPaused) continue;
        entry->c.state.error = "task lost while the daemon was down";
      }
      log::Warnf("container {}: its task is gone; recording exit 255", id);
      HandleExit(entry, 0, 255, NowRfc3339Nano());
    } else {
      log::Warnf("container {}: task state: {}", id, s.error_message());
    }
  }
}

absl::Status ContainerManager::Restore() {
  BERTH_RETURN_IF_ERROR(store_.Load());
  for (const ContainerRef& entry : store_.List()) ReacquireContainerMounts(entry->c, volumes_);
  // Reconcile first, then subscribe: the subscription replays the exits it
  // missed, whereas both at once raced (an exit being handled from the
  // replay made the reconcile find the task gone and record 255).
  ReconcileRunning();
  event_thread_ = std::thread([this] { EventLoop(); });
  for (const ContainerRef& entry : store_.List()) {
    std::string id;
    RunState status;
    bool restart_now = false;
    {
      std::lock_guard<std::mutex> lock(entry->mu);
      id = entry->c.id;
      status = entry->c.state.status;
      restart_now = (status == RunState::kExited &&
                     RestartAtDaemonStart(RestartPolicyOf(entry->c.host_config),
                                          entry->c.state.manually_stopped)) ||
                    status == RunState::kRestarting;
      if (restart_now) entry->c.state.status = RunState::kRestarting;
      // A removal cut short by the restart is finished from a stopped state.
      if (status == RunState::kRemoving) entry->c.state.status = RunState::kExited;
    }
    if (status == RunState::kRemoving) {
      background_.Run([this, id] { (void)Remove(id, true, false); });
    } else if (restart_now) {
      ScheduleRestart(entry, std::chrono::milliseconds(0));
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::engined
