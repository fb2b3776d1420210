#include "runtime/process/cgroup_gate.h"

#include <errno.h>
#include <sched.h>

#include "common/status.h"

namespace berth::runtime::process {

absl::StatusOr<Message> CgroupGate::Expect(MessageType type) {
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(Message m, channel_->Receive());
    if (m.type == MessageType::kCgroupsJoined) {
      joined_ = true;
      if (type == MessageType::kCgroupsJoined) return m;
      continue;
    }
    if (m.type == MessageType::kError) {
      return absl::Status(static_cast<absl::StatusCode>(m.value), m.data);
    }
    if (m.type != type) {
      return Internalf("container setup channel: expected message {}, got {}",
                       static_cast<uint32_t>(type), static_cast<uint32_t>(m.type));
    }
    return m;
  }
}

absl::Status CgroupGate::Pass() {
  if (passed_) return absl::OkStatus();
  if (!joined_) BERTH_RETURN_IF_ERROR(Expect(MessageType::kCgroupsJoined).status());
  // The cgroup namespace is rooted where the process is now.
  if (new_cgroup_namespace_ && ::unshare(CLONE_NEWCGROUP) < 0) {
    return ErrnoErrorf(errno, "unshare cgroup namespace");
  }
  passed_ = true;
  return absl::OkStatus();
}

}  // namespace berth::runtime::process
