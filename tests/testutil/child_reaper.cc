#include "tests/testutil/child_reaper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/file_util.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::testing {
namespace {

struct Reaper {
  std::mutex mu;
  std::condition_variable cv;
  std::map<pid_t, ExitStatus> exited;
};

Reaper& State() {
  static Reaper* reaper = new Reaper();
  return *reaper;
}

void ReapLoop() {
  Reaper& r = State();
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == ECHILD) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      continue;
    }
    std::lock_guard<std::mutex> lock(r.mu);
    r.exited[pid] = ExitStatus::FromWaitStatus(status);
    r.cv.notify_all();
  }
}

}  // namespace

void StartChildReaper() {
  static std::once_flag once;
  std::call_once(once, [] {
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    std::thread(ReapLoop).detach();
  });
}

absl::StatusOr<ExitStatus> WaitChild(pid_t pid, std::chrono::milliseconds timeout) {
  Reaper& r = State();
  std::unique_lock<std::mutex> lock(r.mu);
  bool done = r.cv.wait_for(lock, timeout, [&] { return r.exited.count(pid) > 0; });
  if (!done) {
    kill(pid, SIGKILL);
    r.cv.wait_for(lock, std::chrono::seconds(10), [&] { return r.exited.count(pid) > 0; });
    r.exited.erase(pid);
    return absl::DeadlineExceededError(
        fmt::format("process {} did not exit within {} ms; killed", pid, timeout.count()));
  }
  ExitStatus status = r.exited[pid];
  r.exited.erase(pid);
  return status;
}

absl::StatusOr<SpawnResult> RunCommand(SpawnOptions o, const std::string& stdin_data,
                                       std::chrono::milliseconds timeout,
                                       const std::string& scratch_dir) {
  StartChildReaper();
  std::string out_path = scratch_dir + "/out", err_path = scratch_dir + "/err";
  std::string in_path = scratch_dir + "/in";
  BERTH_RETURN_IF_ERROR(WriteFile(in_path, stdin_data));
  UniqueFd in(open(in_path.c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd out(open(out_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  UniqueFd err(open(err_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!in || !out || !err) return ErrnoErrorf(errno, "open capture files in {}", scratch_dir);
  o.fds.emplace_back(0, in.get());
  o.fds.emplace_back(1, out.get());
  o.fds.emplace_back(2, err.get());
  BERTH_ASSIGN_OR_RETURN(ScopedPid child, Spawn(o));
  BERTH_ASSIGN_OR_RETURN(ExitStatus status, WaitChild(child.release(), timeout));
  SpawnResult r;
  r.status = status;
  r.out = ReadFile(out_path).value_or("");
  r.err = ReadFile(err_path).value_or("");
  return r;
}

}  // namespace berth::testing
