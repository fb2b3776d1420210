// Runs code that changes the process (capabilities, uid, seccomp) in a forked
// child, never in the test process: the child writes its findings to a pipe
// and exits; the parent reads them, reaps the child and checks. Header-only,
// shared by the runtime integration tests.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/scoped_pid.h"
#include "common/unique_fd.h"

namespace berth::testing {

// The number of open fds of this process (for leak checks).
inline int CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count - 3;  // ".", "..", and the directory's own fd
}

// Writes all of `s` to `fd`; for children, which report through a pipe.
inline bool WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Writes `s` to `fd` and returns `code`: `return Report(out, "error: x", 1);`
inline int Report(int fd, std::string_view s, int code) {
  WriteAll(fd, s);
  return code;
}

struct ChildResult {
  bool ok = false;     // the child was reaped (not timed out)
  ExitStatus status;   // how it ended
  std::string output;  // everything it wrote to its pipe
  pid_t pid = -1;
};

// Forks; the child runs `body(pipe_write_fd, parent_pid)` and _exits with its
// return value (an exception is exit 99). While the child runs, the parent
// runs `while_running(child_pid)` (may be empty), then reads the pipe to EOF
// and reaps the child. A child still running after `timeout` is killed.
inline ChildResult RunInChild(const std::function<int(int out_fd)>& body,
                              const std::function<void(pid_t)>& while_running = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  ChildResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return result;
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);

  pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    read_end.reset();
    int code = 99;
    try {
      code = body(write_end.get());
    } catch (...) {
    }
    _exit(code);
  }
  ScopedPid child(pid);  // killed and reaped on every early return
  result.pid = pid;
  write_end.reset();

  if (while_running) while_running(pid);

  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return result;
    pollfd p{read_end.get(), POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return result;
    ssize_t n = read(read_end.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  absl::StatusOr<ExitStatus> status = child.WaitFor(std::max(left, std::chrono::milliseconds(1)));
  if (!status.ok()) return result;
  result.ok = true;
  result.status = *status;
  return result;
}

// The value of "Key:" in /proc/<pid>/status-style text, whitespace trimmed.
inline std::string StatusField(const std::string& text, const std::string& key) {
  std::string needle = "\n" + key + ":";
  std::string padded = "\n" + text;
  size_t pos = padded.find(needle);
  if (pos == std::string::npos) return "<missing " + key + ">";
  pos += needle.size();
  size_t end = padded.find('\n', pos);
  std::string value = padded.substr(pos, end == std::string::npos ? end : end - pos);
  size_t first = value.find_first_not_of(" \t");
  size_t last = value.find_last_not_of(" \t");
  if (first == std::string::npos) return "";
  return value.substr(first, last - first + 1);
}

}  // namespace berth::testing
