#include "runtime/cgroups/freezer.h"

#include <errno.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_fs.h"

namespace berth::runtime::cgroups {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps a little longer each round: 1 ms, 2 ms, ... up to 50 ms.
class Backoff {
 public:
  void Wait() {
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds(50));
  }

 private:
  std::chrono::milliseconds delay_{1};
};

absl::StatusOr<std::string> ReadV1State(const std::string& dir) {
  BERTH_ASSIGN_OR_RETURN(std::string state, ReadCgroupFile(dir, "freezer.state"));
  return std::string(TrimSpace(state));
}

absl::StatusOr<bool> V2Frozen(const std::string& dir) {
  BERTH_ASSIGN_OR_RETURN(auto events, ReadKeyedUints(dir, "cgroup.events"));
  return events["frozen"] == 1;
}

absl::Status KillEach(const std::vector<pid_t>& pids, int signal) {
  for (pid_t pid : pids) {
    if (::kill(pid, signal) < 0 && errno != ESRCH) {
      return CgroupErrno(errno, fmt::format("send signal {} to pid {}", signal, pid));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FreezeV1(const std::string& dir, std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  Backoff backoff;
  for (;;) {
    // Writing again nudges tasks that were forking when the first write came.
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "freezer.state", "FROZEN"));
    BERTH_ASSIGN_OR_RETURN(std::string state, ReadV1State(dir));
    if (state == "FROZEN") return absl::OkStatus();
    if (Clock::now() >= deadline) {
      absl::Status thaw = ThawV1(dir);
      return Errorf(absl::StatusCode::kDeadlineExceeded,
                    "freeze {}: still {} after {} ms; thawed it again{}", dir, state,
                    timeout.count(), thaw.ok() ? "" : fmt::format(" (thaw failed: {})", thaw));
    }
    backoff.Wait();
  }
}

absl::Status ThawV1(const std::string& dir) {
  return WriteCgroupFile(dir, "freezer.state", "THAWED");
}

absl::StatusOr<FreezerState> FreezerStateV1(const std::string& dir) {
  BERTH_ASSIGN_OR_RETURN(std::string state, ReadV1State(dir));
  if (state == "THAWED") return FreezerState::kThawed;
  if (state == "FROZEN") return FreezerState::kFrozen;
  if (state == "FREEZING") return FreezerState::kFreezing;
  return Internalf("read {}/freezer.state: unknown state \"{}\"", dir, state);
}

absl::Status FreezeV2(const std::string& dir, std::chrono::milliseconds timeout) {
  BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cgroup.freeze", "1"));
  Clock::time_point deadline = Clock::now() + timeout;
  Backoff backoff;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(bool frozen, V2Frozen(dir));
    if (frozen) return absl::OkStatus();
    if (Clock::now() >= deadline) {
      absl::Status thaw = ThawV2(dir);
      return Errorf(absl::StatusCode::kDeadlineExceeded,
                    "freeze {}: cgroup.events does not say \"frozen 1\" after {} ms; thawed it "
                    "again{}",
                    dir, timeout.count(), thaw.ok() ? "" : fmt::format(" (thaw failed: {})", thaw));
    }
    backoff.Wait();
  }
}

absl::Status ThawV2(const std::string& dir) { return WriteCgroupFile(dir, "cgroup.freeze", "0"); }

absl::StatusOr<FreezerState> FreezerStateV2(const std::string& dir) {
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> freeze,
                         ReadCgroupFileIfExists(dir, "cgroup.freeze"));
  if (!freeze || TrimSpace(*freeze) == "0") return FreezerState::kThawed;
  BERTH_ASSIGN_OR_RETURN(bool frozen, V2Frozen(dir));
  return frozen ? FreezerState::kFrozen : FreezerState::kFreezing;
}

absl::Status SignalEveryProcess(Manager& manager, int signal, bool can_freeze) {
  // An empty cgroup stays empty (only a write to cgroup.procs could fill
  // it): nothing to signal, and no freeze. Freezing is not free: the v1
  // freezer flips a kernel static key on the first freeze and back on the
  // thaw, ~10 ms of CPU on a 2-CPU VM (text patching), for `run`'s final
  // kill of a container that has exited.
  if (absl::StatusOr<std::vector<pid_t>> before = manager.Pids(); before.ok() && before->empty()) {
    return absl::OkStatus();
  }
  // A paused container stays paused for a catchable signal (delivered when
  // it is resumed); SIGKILL thaws it, since frozen tasks cannot die.
  bool was_frozen = false;
  if (can_freeze) {
    absl::StatusOr<FreezerState> state = manager.GetFreezerState();
    was_frozen = state.ok() && *state != FreezerState::kThawed;
  }
  bool frozen = was_frozen;
  if (can_freeze && !was_frozen) {
    absl::Status status = manager.Freeze();
    if (!status.ok()) log::Warnf("signal cgroup without freezing it: {}", status);
    frozen = status.ok();
  }
  absl::StatusOr<std::vector<pid_t>> pids = manager.Pids();
  absl::Status killed = pids.ok() ? KillEach(*pids, signal) : pids.status();
  if (frozen && (!was_frozen || signal == SIGKILL)) {
    absl::Status thaw = manager.Thaw();
    if (killed.ok()) killed = thaw;
  }
  BERTH_RETURN_IF_ERROR(killed);
  if (signal != SIGKILL) return absl::OkStatus();
  return WaitUntilEmpty(manager, kKillTimeout, /*rekill=*/true);
}

absl::Status WaitUntilEmpty(Manager& manager, std::chrono::milliseconds timeout, bool rekill) {
  Clock::time_point deadline = Clock::now() + timeout;
  Backoff backoff;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::vector<pid_t> pids, manager.Pids());
    if (pids.empty()) return absl::OkStatus();
    if (Clock::now() >= deadline) {
      return Errorf(absl::StatusCode::kDeadlineExceeded,
                    "{} process(es) still in the container's cgroup after {} ms (first: {})",
                    pids.size(), timeout.count(), pids.front());
    }
    if (rekill) BERTH_RETURN_IF_ERROR(KillEach(pids, SIGKILL));
    backoff.Wait();
  }
}

}  // namespace berth::runtime::cgroups
