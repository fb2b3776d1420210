#include "shim/runtime/oom_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "shim/runtime/memory_cgroup.h"

namespace berth::shim {

absl::StatusOr<uint64_t> ParseOomKillCount(std::string_view memory_events,
                                           const std::string& path) {
  for (std::string_view line : Split(memory_events, '\n', /*skip_empty=*/true)) {
    auto [key, value] = SplitOnce(TrimSpace(line), ' ');
    if (key != "oom_kill" || !value) continue;
    std::optional<uint64_t> n = ParseUint64(TrimSpace(*value));
    if (!n) return InvalidArgumentf("{}: bad oom_kill value \"{}\"", path, *value);
    return *n;
  }
  return 0;
}

absl::StatusOr<OomWatch> OomWatch::ForPid(pid_t pid) {
  BERTH_ASSIGN_OR_RETURN(MemoryCgroup cgroup, MemoryCgroupOf(pid));
  if (cgroup.version == 1) return ForCgroupV1(cgroup.dir);
  return ForCgroupV2(cgroup.dir);
}

absl::StatusOr<OomWatch> OomWatch::ForCgroupV1(const std::string& dir) {
  OomWatch w(1, dir);
  std::string oom_control = JoinPath(dir, "memory.oom_control");
  w.oom_control_.reset(::open(oom_control.c_str(), O_RDONLY | O_CLOEXEC));
  if (!w.oom_control_) return ErrnoErrorf(errno, "open {}", oom_control);
  w.fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!w.fd_) return ErrnoErrorf(errno, "eventfd for {}", oom_control);
  // "<event_fd> <control_fd>" asks the kernel to signal the eventfd on OOM.
  std::string event_control = JoinPath(dir, "cgroup.event_control");
  absl::Status registered =
      WriteExistingFile(event_control, fmt::format("{} {}", w.fd_.get(), w.oom_control_.get()));
  if (!registered.ok()) return WithContext(registered, "register OOM eventfd");
  return w;
}

absl::StatusOr<OomWatch> OomWatch::ForCgroupV2(const std::string& dir) {
  OomWatch w(2, dir);
  std::string events = JoinPath(dir, "memory.events");
  absl::StatusOr<std::string> text = ReadFile(events);
  if (!text.ok()) {
    if (ErrnoOf(text.status()) == ENOENT && PathExists(dir)) {
      return absl::UnavailableError(
          fmt::format("cgroup {} has no memory controller ({} missing)", dir, events));
    }
    return text.status();
  }
  // Watch before reading the baseline: a kill in between is then counted
  // (as a spurious wake-up at worst), never missed.
  w.fd_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!w.fd_) return ErrnoErrorf(errno, "inotify_init1 for {}", events);
  if (::inotify_add_watch(w.fd_.get(), events.c_str(), IN_MODIFY | IN_DELETE_SELF) < 0) {
    return ErrnoErrorf(errno, "inotify_add_watch {}", events);
  }
  text = ReadFile(events);
  if (!text.ok()) return text.status();
  BERTH_ASSIGN_OR_RETURN(w.last_oom_kill_, ParseOomKillCount(*text, events));
  return w;
}

absl::StatusOr<bool> OomWatch::OnReadable() {
  if (removed_) return false;
  return version_ == 1 ? OnReadableV1() : OnReadableV2();
}

absl::StatusOr<bool> OomWatch::OnReadableV1() {
  uint64_t signaled = 0;
  ssize_t r;
  do {
    r = ::read(fd_.get(), &signaled, sizeof(signaled));
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EAGAIN) return false;
  if (r != sizeof(signaled)) {
    return ErrnoErrorf(r < 0 ? errno : EIO, "read OOM eventfd of {}", dir_);
  }
  // Removing the cgroup signals the eventfd once more; that one is no OOM.
  if (!PathExists(JoinPath(dir_, "memory.oom_control"))) {
    removed_ = true;
    --signaled;
  }
  count_ += signaled;
  return signaled > 0;
}

absl::StatusOr<bool> OomWatch::OnReadableV2() {
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    ssize_t r = ::read(fd_.get(), buf, sizeof(buf));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) break;
    if (r <= 0) return ErrnoErrorf(r < 0 ? errno : EIO, "read inotify of {}", dir_);
    for (ssize_t off = 0; off < r;) {
      auto* event = reinterpret_cast<const struct inotify_event*>(buf + off);
      if (event->mask & (IN_IGNORED | IN_DELETE_SELF)) removed_ = true;
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + event->len);
    }
  }
  std::string events = JoinPath(dir_, "memory.events");
  absl::StatusOr<std::string> text = ReadFile(events);
  if (!text.ok()) {
    if (ErrnoOf(text.status()) == ENOENT) {
      removed_ = true;
      return false;
    }
    return text.status();
  }
  BERTH_ASSIGN_OR_RETURN(uint64_t oom_kill, ParseOomKillCount(*text, events));
  if (oom_kill <= last_oom_kill_) return false;
  count_ += oom_kill - last_oom_kill_;
  last_oom_kill_ = oom_kill;
  return true;
}

}  // namespace berth::shim
