#include "runtime/container/container.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/proc.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/container/oci_state.h"
#include "runtime/linux/hooks.h"
#include "runtime/spec/parse.h"

namespace berth::runtime::container {
namespace {

constexpr std::chrono::seconds kKillWait{10};

// Waits until `pid` (not necessarily our child) has exited.
bool WaitGone(pid_t pid, uint64_t start_time, std::chrono::milliseconds timeout) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd) {
    struct pollfd pfd = {pidfd.get(), POLLIN, 0};
    int r;
    do {
      r = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    } while (r < 0 && errno == EINTR);
    // The pidfd may name a recycled pid; the start time settles it.
    if (r > 0) return true;
    return !IsSameLiveProcess(pid, start_time);
  }
  return !IsSameLiveProcess(pid, start_time);
}

}  // namespace

absl::StatusOr<Container> Container::Load(const StateStore& store, const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(State state, store.Load(id));
  return Container(store, std::move(state));
}

absl::StatusOr<spec::Spec> Container::Config() const {
  BERTH_ASSIGN_OR_RETURN(std::string text, store_.LoadConfig(state_.id));
  return spec::ParseSpec(text);
}

bool Container::InitAlive() const {
  return state_.pid > 0 && IsSameLiveProcess(state_.pid, state_.pid_start_time);
}

absl::StatusOr<cgroups::Manager*> Container::Cgroups() {
  if (cgroups_) return cgroups_.get();
  BERTH_ASSIGN_OR_RETURN(cgroups::Layout layout, cgroups::DetectLayout());
  BERTH_ASSIGN_OR_RETURN(cgroups_, cgroups::LoadManager(layout, state_.cgroup_paths));
  return cgroups_.get();
}

Status Container::CurrentStatus() {
  if (!InitAlive()) return Status::kStopped;
  if (state_.creating) return Status::kCreating;
  if (absl::StatusOr<cgroups::Manager*> cg = Cgroups(); cg.ok()) {
    absl::StatusOr<cgroups::FreezerState> freezer = (*cg)->GetFreezerState();
    if (freezer.ok() && *freezer != cgroups::FreezerState::kThawed) return Status::kPaused;
  }
  if (PathExists(store_.FifoPath(state_.id))) return Status::kCreated;
  return Status::kRunning;
}

absl::Status Container::Signal(int signal, bool all) {
  if (all) {
    BERTH_ASSIGN_OR_RETURN(cgroups::Manager * cg, Cgroups());
    return cg->SignalAll(signal);
  }
  if (!InitAlive()) return FailedPreconditionf("container {} is not running", state_.id);
  if (::kill(state_.pid, signal) < 0) {
    return ErrnoErrorf(errno, "signal {} to container {} init (pid {})", signal, state_.id,
                       state_.pid);
  }
  return absl::OkStatus();
}

absl::Status Container::KillAndWait() {
  if (absl::StatusOr<cgroups::Manager*> cg = Cgroups(); cg.ok()) {
    // A frozen cgroup would hold the SIGKILL until thawed.
    (void)(*cg)->Thaw();
    BERTH_RETURN_IF_ERROR((*cg)->SignalAll(SIGKILL));
  } else if (InitAlive()) {
    ::kill(state_.pid, SIGKILL);
  }
  if (InitAlive() &&
      !WaitGone(state_.pid, state_.pid_start_time,
                std::chrono::duration_cast<std::chrono::milliseconds>(kKillWait))) {
    return FailedPreconditionf("container {} init (pid {}) did not die after SIGKILL", state_.id,
                               state_.pid);
  }
  return absl::OkStatus();
}

absl::Status Container::Destroy() {
  absl::StatusOr<spec::Spec> config = Config();
  if (absl::StatusOr<cgroups::Manager*> cg = Cgroups(); cg.ok()) {
    BERTH_RETURN_IF_ERROR((*cg)->Destroy());
  } else {
    log::Warnf("container {}: cgroups not removed: {}", state_.id, cg.status());
  }
  BERTH_RETURN_IF_ERROR(store_.Remove(state_.id));
  if (config.ok() && config->hooks && !config->hooks->poststop.empty()) {
    std::string state =
        json::Dump(OciStateJson(state_.id, "stopped", 0, state_.bundle, state_.annotations));
    linux::RunHooksWarnOnly(config->hooks->poststop, "poststop", state);
  }
  return absl::OkStatus();
}

json::Json Container::StateJson() {
  Status status = CurrentStatus();
  json::Json j = OciStateJson(state_.id, StatusName(status),
                              status == Status::kStopped ? 0 : state_.pid, state_.bundle,
                              state_.annotations);
  j["rootfs"] = state_.rootfs;
  j["created"] = state_.created;
  j["owner"] = "";
  return j;
}

}  // namespace berth::runtime::container
