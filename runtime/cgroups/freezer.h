// Freezing a cgroup (v1 freezer.state, v2 cgroup.freeze) and signalling
// every process in it, shared by the v1 and v2 managers.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/cgroups/manager.h"

namespace berth::runtime::cgroups {

// How long Freeze waits for the kernel to report the cgroup frozen.
inline constexpr std::chrono::milliseconds kFreezeTimeout{2000};
// How long SignalAll(SIGKILL) waits for the cgroup to empty.
inline constexpr std::chrono::milliseconds kKillTimeout{3000};

// v1: writes FROZEN to freezer.state until it reads back FROZEN; on timeout
// thaws again and fails.
absl::Status FreezeV1(const std::string& dir, std::chrono::milliseconds timeout = kFreezeTimeout);
absl::Status ThawV1(const std::string& dir);
absl::StatusOr<FreezerState> FreezerStateV1(const std::string& dir);

// v2: writes 1 to cgroup.freeze and waits for "frozen 1" in cgroup.events;
// on timeout thaws again and fails.
absl::Status FreezeV2(const std::string& dir, std::chrono::milliseconds timeout = kFreezeTimeout);
absl::Status ThawV2(const std::string& dir);
absl::StatusOr<FreezerState> FreezerStateV2(const std::string& dir);

// Sends `signal` to every process of `manager`: frozen first when
// `can_freeze` so none forks in between, thawed after. A cgroup that was
// already frozen (a paused container) stays frozen, except for SIGKILL,
// which thaws it so the tasks can die, then kills again whatever is left
// until the cgroup is empty or kKillTimeout passes. An empty cgroup is left
// alone (not frozen).
absl::Status SignalEveryProcess(Manager& manager, int signal, bool can_freeze);

// Polls manager.Pids() until it is empty, re-sending SIGKILL when `rekill`.
absl::Status WaitUntilEmpty(Manager& manager, std::chrono::milliseconds timeout, bool rekill);

}  // namespace berth::runtime::cgroups
