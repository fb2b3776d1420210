// cgroup v2: one directory in the unified hierarchy.
#pragma once

#include <string>
#include <vector>

#include "runtime/cgroups/manager.h"

namespace berth::runtime::cgroups {

class V2Manager : public Manager {
 public:
  V2Manager(std::string mount, std::string dir) : mount_(std::move(mount)), dir_(std::move(dir)) {}

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
  std::map<std::string, std::string> Paths() const override { return {{"", dir_}}; }
  std::string OomEventSource() const override { return dir_ + "/memory.events"; }
  Mode mode() const override { return Mode::kUnified; }

  // For tests: the conversions, without touching files.
  static uint64_t CpuWeightFromShares(uint64_t shares);
  static uint64_t IoWeightFromBlkio(uint64_t weight);

 private:
  absl::Status ApplyMemory(const spec::Memory& memory);
  absl::Status ApplyCpu(const spec::Cpu& cpu);
  absl::Status ApplyIo(const spec::BlockIo& io);
  absl::Status ApplyUnified(const std::map<std::string, std::string>& unified);
  absl::Status SetFrozen(bool frozen);

  std::string mount_;
  std::string dir_;
};

}  // namespace berth::runtime::cgroups
