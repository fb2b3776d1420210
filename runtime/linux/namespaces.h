// Which namespaces a container creates and which it joins, and the joining.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

struct JoinTarget {
  spec::NamespaceType type;
  std::string path;
  UniqueFd fd;  // opened by the runtime before it forks
};

struct NamespacePlan {
  int new_flags = 0;              // CLONE_NEW* to create
  std::vector<JoinTarget> joins;  // existing namespaces, config order
  bool Has(spec::NamespaceType type) const;  // created or joined
  bool Creates(spec::NamespaceType type) const;
  bool Joins(spec::NamespaceType type) const;
};

// Opens every namespace to join (so later path lookups cannot be raced) and
// checks each fd really is a namespace of the named type.
absl::StatusOr<NamespacePlan> PlanNamespaces(const std::vector<spec::Namespace>& namespaces);

// The container's namespaces as exec must join them: every namespace listed
// in the config, taken from /proc/<init_pid>/ns/*.
absl::StatusOr<NamespacePlan> PlanExecNamespaces(const std::vector<spec::Namespace>& namespaces,
                                                 pid_t init_pid);

// setns(2) into one namespace, naming it on failure.
absl::Status JoinNamespace(const JoinTarget& target);

// Writes linux.timeOffsets into /proc/self/timens_offsets; the calling
// process has just unshared CLONE_NEWTIME and nothing has entered it yet.
absl::Status WriteTimeOffsets(const std::map<std::string, spec::TimeOffset>& offsets);

}  // namespace berth::runtime::linux
