// cgroup v1: one directory per hierarchy; on hybrid hosts also a directory
// in the cgroup2 mount (process tracking, and hugetlb when only v2 has it).
#pragma once

#include <map>
#include <string>

#include "runtime/cgroups/manager.h"

namespace berth::runtime::cgroups {

class V1Manager : public Manager {
 public:
  // dirs: controller -> directory; unified_dir: "" on legacy hosts.
  V1Manager(Mode mode, std::map<std::string, std::string> dirs, std::string unified_dir,
            std::vector<std::string> unified_controllers, std::string unified_mount);

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
  Mode mode() const override { return mode_; }

 private:
  std::string Dir(const std::string& controller) const;  // "" when not mounted
  absl::Status ApplyMemory(const spec::Memory& memory);
  absl::Status ApplyCpu(const spec::Cpu& cpu);
  absl::Status ApplyBlockIo(const spec::BlockIo& io);
  absl::Status ApplyDevices(const std::vector<spec::DeviceRule>& rules);
  absl::Status ApplyHugetlb(const std::vector<spec::HugepageLimit>& limits);
  absl::Status ApplyNetwork(const spec::Network& network);
  absl::Status ApplyUnified(const std::map<std::string, std::string>& unified);
  absl::Status InitCpuset(const std::string& dir);

  Mode mode_;
  std::map<std::string, std::string> dirs_;
  std::string unified_dir_;
  std::vector<std::string> unified_controllers_;
  std::string unified_mount_;
};

}  // namespace berth::runtime::cgroups
