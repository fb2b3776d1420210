#include "engined/logs/log_follower.h"

#include <errno.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "common/status.h"
#include "common/unique_fd.h"
#include "engined/logs/time_parse.h"

namespace berth::engined::logs {
namespace {

// Without a wake fd, `stopped` can only be noticed on a timer.
constexpr int kStoppedRecheckMs = 1000;

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The file the shim writes after `old` was rotated away: the one just newer
// than wherever `old` sits in the chain now (usually path.1 -> path). When
// `old` left the chain (a single file, unlinked) it is the live path.
// A rotation renames the chain one file at a time, oldest first, so a scan
// can meet a gap, or find the file it wants not there yet: it looks again
// rather than jump to the live file past the ones in between.
absl::StatusOr<std::optional<LogFileHandle>> NextAfterRotation(const LogReadOptions& options,
                                                               const LogFileHandle& old) {
  constexpr int kAttempts = 200;  // 1 ms apart: a rotation is a few renames
  for (int attempt = 0;; ++attempt) {
    std::optional<int> found;
    bool missing = false, gap = false;  // gap: a file after a missing one
    for (int k = 1; k < options.max_files && !found; ++k) {
      std::string name = options.path + "." + std::to_string(k);
      struct stat st;
      if (::stat(name.c_str(), &st) < 0) {
        if (errno != ENOENT) return ErrnoErrorf(errno, "stat {}", name);
        missing = true;
        continue;
      }
      gap = gap || missing;
      if (old.Is(st)) found = k;
    }
    std::string next = options.path;
    if (found && *found > 1) next = options.path + "." + std::to_string(*found - 1);
    bool settled = found.has_value() || !gap;
    if (settled || attempt + 1 >= kAttempts) {
      BERTH_ASSIGN_OR_RETURN(std::optional<LogFileHandle> file, OpenLogFile(next));
      if (file || attempt + 1 >= kAttempts) return file;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

class Follower {
 public:
  Follower(const LogReadOptions& options, std::optional<LogFileHandle> current, std::string pending,
           RecordFilter* filter)
      : options_(options),
        current_(std::move(current)),
        pending_(std::move(pending)),
        filter_(filter),
        wake_fd_(options.wake_fd) {}

  absl::Status Run() {
    // Watching the directory sees writes to the file, its rename and the new
    // file's creation with one watch. It is in place before the first drain,
    // so nothing written after that drain goes unnoticed.
    inotify_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify_) return ErrnoErrorf(errno, "inotify_init1 for {}", options_.path);
    std::string dir = DirName(options_.path);
    if (::inotify_add_watch(
            inotify_.get(), dir.c_str(),
            IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE) < 0) {
      return ErrnoErrorf(errno, "inotify_add_watch {}", dir);
    }
    for (;;) {
      // Asked before the drain: once the container is gone, the drain that
      // follows sees everything it wrote.
      bool stop = options_.stopped && options_.stopped();
      BERTH_ASSIGN_OR_RETURN(bool more, Drain());
      if (!more) return absl::OkStatus();
      if (stop) {
        if (current_) filter_->DropTorn(&pending_, current_->path);
        return absl::OkStatus();
      }
      int timeout = wake_fd_ >= 0 || !options_.stopped ? -1 : kStoppedRecheckMs;
      if (options_.until_nanos) {
        // Every later record would be past `until`.
        int64_t left_ns = *options_.until_nanos - NowNanos();
        if (left_ns < 0) return absl::OkStatus();
        int left_ms = static_cast<int>(std::min<int64_t>(left_ns / 1000000 + 1, 1 << 30));
        timeout = timeout < 0 ? left_ms : std::min(timeout, left_ms);
      }
      BERTH_RETURN_IF_ERROR(Wait(timeout));
    }
  }

 private:
  // Reads the live file to its end, moving on through rotations. False when
  // the read is over (sink or until).
  absl::StatusOr<bool> Drain() {
    for (;;) {
      if (!current_) {
        BERTH_ASSIGN_OR_RETURN(current_, OpenLogFile(options_.path));
        if (!current_) return true;  // not created yet, or mid-rotation
      }
      BERTH_ASSIGN_OR_RETURN(bool more, ReadCurrent());
      if (!more) return false;
      struct stat st;
      if (::stat(options_.path.c_str(), &st) == 0) {
        if (current_->Is(st)) return true;
      } else if (errno != ENOENT) {
        return ErrnoErrorf(errno, "stat {}", options_.path);
      }
      // Rotated away. The shim finishes writing a file before it renames
      // it, so one more read gets everything it will ever hold.
      BERTH_ASSIGN_OR_RETURN(more, ReadCurrent());
      if (!more) return false;
      filter_->DropTorn(&pending_, current_->path);
      BERTH_ASSIGN_OR_RETURN(std::optional<LogFileHandle> next,
                             NextAfterRotation(options_, *current_));
      current_ = std::move(next);
      if (!current_) return true;
    }
  }

  absl::StatusOr<bool> ReadCurrent() {
    const std::string& path = current_->path;
    return ReadLines(&*current_, &pending_,
                     [&](std::string_view line) { return filter_->Line(line, path); });
  }

  absl::Status Wait(int timeout_ms) {
    struct pollfd fds[2] = {{inotify_.get(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    nfds_t nfds = wake_fd_ >= 0 ? 2 : 1;
    int n = ::poll(fds, nfds, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return absl::OkStatus();
      return ErrnoErrorf(errno, "poll inotify for {}", options_.path);
    }
    if (fds[0].revents & POLLIN) {
      // Which event does not matter: every wake-up re-reads and re-checks.
      alignas(struct inotify_event) char buf[4096];
      while (::read(inotify_.get(), buf, sizeof(buf)) > 0) {
      }
    }
    if (nfds == 2 && (fds[1].revents & (POLLIN | POLLHUP))) {
      char buf[64];
      // A closed pipe stays readable forever: stop polling it.
      if (::read(wake_fd_, buf, sizeof(buf)) == 0) wake_fd_ = -1;
    }
    return absl::OkStatus();
  }

  const LogReadOptions& options_;
  std::optional<LogFileHandle> current_;
  std::string pending_;
  RecordFilter* filter_;
  int wake_fd_;
  UniqueFd inotify_;
};

}  // namespace

absl::Status FollowLog(const LogReadOptions& options, std::optional<LogFileHandle> current,
                       std::string pending, RecordFilter* filter) {
  return Follower(options, std::move(current), std::move(pending), filter).Run();
}

}  // namespace berth::engined::logs
