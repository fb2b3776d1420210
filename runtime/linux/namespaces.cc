#include "runtime/linux/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/status.h"

namespace berth::runtime::linux {
namespace {

absl::StatusOr<UniqueFd> OpenNamespace(spec::NamespaceType type, const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return ErrnoErrorf(errno, "open {} namespace {}", spec::NamespaceTypeName(type), path);
  }
  int kind = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (kind < 0) {
    return InvalidArgumentf("{} namespace path {} is not a namespace",
                            spec::NamespaceTypeName(type), path);
  }
  if (kind != spec::NamespaceCloneFlag(type)) {
    return InvalidArgumentf("namespace path {} is not a {} namespace", path,
                            spec::NamespaceTypeName(type));
  }
  return fd;
}

}  // namespace

bool NamespacePlan::Creates(spec::NamespaceType type) const {
  return (new_flags & spec::NamespaceCloneFlag(type)) != 0;
}

bool NamespacePlan::Joins(spec::NamespaceType type) const {
  for (const JoinTarget& j : joins) {
    if (j.type == type) return true;
  }
  return false;
}

bool NamespacePlan::Has(spec::NamespaceType type) const { return Creates(type) || Joins(type); }

absl::StatusOr<NamespacePlan> PlanNamespaces(const std::vector<spec::Namespace>& namespaces) {
  NamespacePlan plan;
  for (const spec::Namespace& ns : namespaces) {
    if (ns.path.empty()) {
      plan.new_flags |= spec::NamespaceCloneFlag(ns.type);
      continue;
    }
    BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenNamespace(ns.type, ns.path));
    plan.joins.push_back(JoinTarget{ns.type, ns.path, std::move(fd)});
  }
  return plan;
}

absl::StatusOr<NamespacePlan> PlanExecNamespaces(const std::vector<spec::Namespace>& namespaces,
                                                 pid_t init_pid) {
  NamespacePlan plan;
  for (const spec::Namespace& ns : namespaces) {
    std::string path = fmt::format("/proc/{}/ns/{}", init_pid, spec::NamespaceProcName(ns.type));
    BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenNamespace(ns.type, path));
    plan.joins.push_back(JoinTarget{ns.type, path, std::move(fd)});
  }
  return plan;
}

absl::Status JoinNamespace(const JoinTarget& target) {
  if (::setns(target.fd.get(), spec::NamespaceCloneFlag(target.type)) < 0) {
    return ErrnoErrorf(errno, "join {} namespace {}", spec::NamespaceTypeName(target.type),
                       target.path);
  }
  return absl::OkStatus();
}

absl::Status WriteTimeOffsets(const std::map<std::string, spec::TimeOffset>& offsets) {
  std::string text;
  for (const auto& [clock, offset] : offsets) {
    text += fmt::format("{} {} {}\n", clock, offset.secs, offset.nanosecs);
  }
  if (text.empty()) return absl::OkStatus();
  return WithContext(WriteExistingFile("/proc/self/timens_offsets", text),
                     "set time namespace offsets");
}

}  // namespace berth::runtime::linux
