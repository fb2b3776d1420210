// Notices when the kernel's OOM killer strikes a container's memory cgroup,
// for an epoll loop: add fd() for EPOLLIN, call OnReadable() when it fires.
//
//   cgroup v1: an eventfd registered through cgroup.event_control for
//     memory.oom_control (runc libcontainer/notify_linux.go, containerd
//     pkg/oom/v1). The kernel also signals it once when the cgroup is
//     removed; that is not an OOM.
//   cgroup v2: inotify on memory.events, counting increments of its
//     oom_kill field (containerd pkg/oom/v2).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::shim {

class OomWatch {
 public:
  // Watches the memory cgroup `pid` (the container's init) is in. NotFound
  // when it is in no memory cgroup; Unavailable when its cgroup2 group has
  // no memory controller.
  static absl::StatusOr<OomWatch> ForPid(pid_t pid);
  // Watches a known directory of a v1 memory hierarchy / of cgroup2.
  static absl::StatusOr<OomWatch> ForCgroupV1(const std::string& dir);
  static absl::StatusOr<OomWatch> ForCgroupV2(const std::string& dir);

  OomWatch(OomWatch&&) = default;
  OomWatch& operator=(OomWatch&&) = default;

  // Readable when something happened; non-blocking, close-on-exec.
  int fd() const { return fd_.get(); }

  // Consumes what made fd() readable; true when at least one new OOM kill
  // (v2) / OOM event (v1) happened since the last call. Spurious wake-ups
  // return false.
  absl::StatusOr<bool> OnReadable();

  // The cgroup is gone: nothing more will be reported; drop the watch.
  bool removed() const { return removed_; }
  // OOM events seen so far.
  uint64_t count() const { return count_; }
  const std::string& dir() const { return dir_; }
  int version() const { return version_; }

 private:
  OomWatch(int version, std::string dir) : version_(version), dir_(std::move(dir)) {}
  absl::StatusOr<bool> OnReadableV1();
  absl::StatusOr<bool> OnReadableV2();

  int version_;
  std::string dir_;
  UniqueFd fd_;                 // eventfd (v1) or inotify (v2)
  UniqueFd oom_control_;        // v1: memory.oom_control, kept open while registered
  uint64_t last_oom_kill_ = 0;  // v2: oom_kill when last read
  uint64_t count_ = 0;
  bool removed_ = false;
};

// The oom_kill field of a cgroup2 memory.events file (0 if absent).
// `path` only names the file in errors.
absl::StatusOr<uint64_t> ParseOomKillCount(std::string_view memory_events, const std::string& path);

}  // namespace berth::shim
