// Helpers for live cgroup tests: unique cgroup names, forked children that
// run a few syscalls on command, and a cleanup guard that thaws, kills,
// reaps and removes whatever a test made, even when an assertion failed.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/scoped_pid.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "runtime/cgroups/cgroup_fs.h"

namespace berth::runtime::cgroups::live {

#define BERTH_LIVE_REQUIRE_OK(expr)                                                              \
  do {                                                                                           \
    const ::absl::Status berth_live_status_ = (expr);                                            \
    INFO(std::string(berth_live_status_.message().data(), berth_live_status_.message().size())); \
    REQUIRE(berth_live_status_.ok());                                                            \
  } while (0)

// "/berth-cgtest-<pid>-<n>": unique per process and call.
inline std::string UniqueCgroupPath(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "/berth-cgtest-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

// A forked child that waits for a command byte, runs `step` (which must
// only make async-signal-safe calls) and writes its one-byte answer back;
// then waits for the next command. Killed and reaped by the guard.
class Child {
 public:
  using Step = std::function<char(char command)>;

  explicit Child(Step step) {
    int to_child[2];
    int from_child[2];
    REQUIRE(::pipe2(to_child, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(from_child, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // Catch2's fatal-signal handlers would report a signal we send the
      // child as a failure of the test; the child takes signals plainly.
      struct sigaction plain = {};
      plain.sa_handler = SIG_DFL;
      for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &plain, nullptr);
      ::close(to_child[1]);
      ::close(from_child[0]);
      for (;;) {
        char command;
        ssize_t n = ::read(to_child[0], &command, 1);
        if (n == 0) ::_exit(0);
        if (n < 0) {
          if (errno == EINTR) continue;
          ::_exit(1);
        }
        char answer = step(command);
        if (::write(from_child[1], &answer, 1) != 1) ::_exit(2);
      }
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    pid_ = ScopedPid(pid);
    to_child_ = UniqueFd(to_child[1]);
    from_child_ = UniqueFd(from_child[0]);
  }

  pid_t pid() const { return pid_.get(); }
  ScopedPid& process() { return pid_; }

  // Sends `command` and returns the answer ('\0' if the child is gone).
  char Ask(char command) {
    if (::write(to_child_.get(), &command, 1) != 1) return '\0';
    char answer = '\0';
    if (::read(from_child_.get(), &answer, 1) != 1) return '\0';
    return answer;
  }

 private:
  ScopedPid pid_;
  UniqueFd to_child_;
  UniqueFd from_child_;
};

// Tracks cgroup directories and children; on destruction thaws the
// directories, kills and reaps the children and anything else left in the
// cgroups, and removes the directories (children first).
class Cleanup {
 public:
  Cleanup() = default;
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;

  void AddDir(const std::string& dir) { dirs_.push_back(dir); }
  void AddDirs(const std::map<std::string, std::string>& paths) {
    for (const auto& [controller, dir] : paths) AddDir(dir);
  }
  Child& Spawn(Child::Step step) {
    children_.push_back(std::make_unique<Child>(std::move(step)));
    return *children_.back();
  }

  ~Cleanup() {
    for (const std::string& dir : dirs_) Thaw(dir);
    for (auto& child : children_) child->process().Reset();  // SIGKILL + reap
    for (const std::string& dir : dirs_) KillAll(dir);
    for (const std::string& dir : dirs_) {
      absl::Status status = RemoveCgroupTree(dir, std::chrono::milliseconds(2000));
      if (!status.ok()) {
        fprintf(stderr, "cleanup: %s\n", std::string(status.message()).c_str());
      }
    }
  }

 private:
  static void Thaw(const std::string& dir) {
    if (CgroupFileExists(dir, "freezer.state")) {
      (void)WriteCgroupFile(dir, "freezer.state", "THAWED");
    }
    if (CgroupFileExists(dir, "cgroup.freeze")) (void)WriteCgroupFile(dir, "cgroup.freeze", "0");
  }
  static void KillAll(const std::string& dir) {
    absl::StatusOr<std::vector<pid_t>> pids = ReadProcsRecursive(dir);
    if (!pids.ok()) return;
    for (pid_t pid : *pids) ::kill(pid, SIGKILL);
  }

  std::vector<std::string> dirs_;
  std::vector<std::unique_ptr<Child>> children_;
};

// The trimmed content of a cgroup file, or "<error ...>".
inline std::string Read(const std::string& dir, const std::string& file) {
  absl::StatusOr<std::string> content = ReadCgroupFile(dir, file);
  if (!content.ok()) return "<error " + std::string(content.status().message()) + ">";
  return std::string(TrimSpace(*content));
}

// What the child's open() of `path` gives: 'y' on success, 'p' for EPERM,
// 'e' for any other error. Async-signal-safe.
inline char TryOpen(const char* path, int flags) {
  int fd = ::open(path, flags | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return 'y';
  }
  return errno == EPERM ? 'p' : 'e';
}

}  // namespace berth::runtime::cgroups::live
