// The cgroup v1 manager, for legacy and hybrid hosts: one directory per
// mounted controller (co-mounted controllers share one), plus on a hybrid
// host a directory on the cgroup2 mount for the v2-only facilities.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/cgroups/layout.h"
#include "runtime/cgroups/manager.h"

namespace berth::runtime::cgroups {

// systemd's named hierarchy, joined best-effort (runc's NameGroup).
inline constexpr char kSystemdHierarchy[] = "name=systemd";

class V1Manager final : public Manager {
 public:
  // `dirs`: controller -> the container's directory in its hierarchy;
  // `unified_dir`: the container's cgroup2 directory on a hybrid host, "" if
  // none.
  V1Manager(Layout layout, std::map<std::string, std::string> dirs, std::string unified_dir);

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
  Mode mode() const override { return layout_.mode; }

 private:
  // The container's directory for `controller`, "" when not mounted.
  std::string Dir(const std::string& controller) const;
  // Every distinct directory, the unified one last.
  std::vector<std::string> UniqueDirs() const;
  // True for a directory only in the name=systemd hierarchy: failing to
  // create or join it is a warning, as in runc.
  bool BestEffort(const std::string& dir) const;
  // A directory that must exist for `what` to be applied.
  absl::StatusOr<std::string> RequireDir(const std::string& controller,
                                         const std::string& what) const;
  bool UnifiedHas(const std::string& controller) const;

  absl::Status InitCpuset();
  absl::Status CheckUnifiedKeys(const std::map<std::string, std::string>& unified) const;
  absl::Status ApplyCpu(const spec::Cpu& cpu);
  absl::Status ApplyHugetlb(const std::vector<spec::HugepageLimit>& limits);
  absl::Status ApplyNetwork(const spec::Network& network);
  absl::Status ApplyRdma(const std::map<std::string, spec::Rdma>& rdma);
  absl::Status ApplyDevices(const std::vector<spec::DeviceRule>& rules);
  absl::Status ApplyUnified(const std::map<std::string, std::string>& unified);
  // Freezing through the v1 freezer, or through cgroup.freeze of the
  // unified directory when a hybrid host lacks the v1 freezer.
  bool CanFreeze() const;
  absl::Status CollectStats(Stats* stats);

  Layout layout_;
  std::map<std::string, std::string> dirs_;
  std::string unified_dir_;
};

}  // namespace berth::runtime::cgroups
