// The child's side of joining cgroups: the runtime moves the child into its
// cgroups while the child already works (a v1 attach waits for an RCU grace
// period). The child passes this gate wherever being in its cgroups
// matters: before it forks, before its cgroup namespace and cgroup mounts,
// before hooks, and before it runs the program.
#pragma once

#include "absl/status/statusor.h"
#include "runtime/process/channel.h"

namespace berth::runtime::process {

class CgroupGate {
 public:
  // `new_cgroup_namespace`: unshare CLONE_NEWCGROUP once inside.
  CgroupGate(Channel* channel, bool new_cgroup_namespace)
      : channel_(channel), new_cgroup_namespace_(new_cgroup_namespace) {}

  // Returns once the runtime said the move is done (and the cgroup
  // namespace, if any, is made).
  absl::Status Pass();

  // Receives the next message of `type`, noting a kCgroupsJoined that
  // arrives first.
  absl::StatusOr<Message> Expect(MessageType type);

 private:
  Channel* channel_;
  bool new_cgroup_namespace_;
  bool joined_ = false;
  bool passed_ = false;
};

}  // namespace berth::runtime::process
