// The cgroup v2 manager, for unified hosts: one directory on the cgroup2
// mount, controllers enabled in every ancestor, device rules as eBPF.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/cgroups/layout.h"
#include "runtime/cgroups/manager.h"

namespace berth::runtime::cgroups {

class V2Manager final : public Manager {
 public:
  V2Manager(Layout layout, std::string dir);

  absl::Status Create() override;
  absl::Status Apply(const spec::Resources& resources) override;
  absl::Status AddProcess(pid_t pid) override;
  absl::Status Freeze() override;
  absl::Status Thaw() override;
  absl::StatusOr<FreezerState> GetFreezerState() override;
  absl::StatusOr<std::vector<pid_t>> Pids() override;
  absl::Status SignalAll(int signal) override;
  absl::StatusOr<Stats> GetStats() override;
  absl::Status Destroy() override;
  std::map<std::string, std::string> Paths() const override;
  std::string OomEventSource() const override;
  Mode mode() const override { return Mode::kUnified; }

 private:
  // Controllers enabled for this cgroup (its cgroup.controllers).
  absl::StatusOr<std::vector<std::string>> AvailableControllers() const;
  absl::Status ApplyControllers(const spec::Resources& resources);
  absl::Status CollectStats(Stats* stats);

  Layout layout_;
  std::string dir_;
};

}  // namespace berth::runtime::cgroups
