#include "engined/daemon/containerd_supervisor.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/containerd/v1/version.grpc.pb.h"
#include "common/file_util.h"
#include "common/grpc/unix_socket.h"
#include "common/logger.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth::engined {

ContainerdSupervisor::ContainerdSupervisor(SupervisorOptions options)
    : options_(std::move(options)) {}

ContainerdSupervisor::~ContainerdSupervisor() { Stop(false); }

std::string ContainerdSupervisor::PidFile() const {
  return JoinPath(options_.state, "berth-containerd.pid");
}

bool ContainerdSupervisor::Alive() {
  pid_t pid = pid_;
  if (pid <= 0) return false;
  if (own_child_) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return false;
    return true;
  }
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

absl::Status ContainerdSupervisor::WaitReady(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    // A fresh channel each time: a channel whose first connect failed
    // waits out gRPC's reconnect back-off (a second or more).
    auto stub = containerd::v1::Version::NewStub(grpcutil::DialUnix(options_.socket));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    google::protobuf::Empty empty;
    containerd::v1::VersionResponse version;
    grpc::Status s = stub->Version(&ctx, empty, &version);
    if (s.ok()) return absl::OkStatus();
    last = s.error_message();
    if (!Alive()) {
      return absl::UnavailableError(
          fmt::format("berth-containerd exited before it answered on {} (see {})", options_.socket,
                      options_.log_file));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(
      fmt::format("berth-containerd did not answer on {} within {} ms: {}", options_.socket,
                  timeout.count(), last));
}

absl::Status ContainerdSupervisor::Spawn() {
  BERTH_RETURN_IF_ERROR(MkdirAll(options_.state, 0711));
  BERTH_RETURN_IF_ERROR(MkdirAll(options_.root, 0711));
  UniqueFd log(::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log) return ErrnoErrorf(errno, "open {}", options_.log_file);
  SpawnOptions spawn;
  spawn.argv = {options_.binary, "--address",    options_.socket, "--root",          options_.root,
                "--state",       options_.state, "--log-level",   options_.log_level};
  // Its own session: a signal to berthd's process group must not reach it.
  spawn.new_session = true;
  spawn.fds = {{1, log.get()}, {2, log.get()}};
  BERTH_ASSIGN_OR_RETURN(ScopedPid child, berth::Spawn(spawn));
  pid_ = child.release();
  own_child_ = true;
  BERTH_RETURN_IF_ERROR(WriteFileAtomic(PidFile(), std::to_string(pid_.load()) + "\n", 0644));
  log::Infof("started berth-containerd (pid {}) on {}", pid_.load(), options_.socket);
  return absl::OkStatus();
}

absl::Status ContainerdSupervisor::Start() {
  // A berth-containerd a killed berthd left behind is adopted: its tasks
  // and event history stay as they are.
  if (absl::StatusOr<std::string> text = ReadFile(PidFile()); text.ok()) {
    std::optional<int64_t> pid = ParseInt64(TrimSpace(*text));
    // argv[0], not comm: comm is cut at 15 characters ("berth-container").
    absl::StatusOr<std::string> cmdline =
        pid.has_value() ? ReadFile(fmt::format("/proc/{}/cmdline", *pid)) : absl::NotFoundError("");
    std::string argv0 = cmdline.ok() ? std::string(cmdline->c_str()) : "";
    if (argv0.size() >= 16 && argv0.substr(argv0.size() - 16) == "berth-containerd") {
      pid_ = static_cast<pid_t>(*pid);
      own_child_ = false;
      if (WaitReady(std::chrono::seconds(5)).ok()) {
        log::Infof("adopted berth-containerd (pid {}) on {}", *pid, options_.socket);
        watcher_ = std::thread([this] { Watch(); });
        return absl::OkStatus();
      }
      ::kill(static_cast<pid_t>(*pid), SIGKILL);
    }
  }
  BERTH_RETURN_IF_ERROR(Spawn());
  BERTH_RETURN_IF_ERROR(WaitReady(std::chrono::seconds(20)));
  watcher_ = std::thread([this] { Watch(); });
  return absl::OkStatus();
}

void ContainerdSupervisor::Watch() {
  std::chrono::milliseconds delay(100);
  while (!stopping_) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_.load(); });
    }
    if (stopping_ || Alive()) continue;
    log::Warnf("berth-containerd (pid {}) is gone; starting it again in {} ms", pid_.load(),
               delay.count());
    std::this_thread::sleep_for(delay);
    if (absl::Status s = Spawn(); s.ok()) s = WaitReady(std::chrono::seconds(20));
    delay = std::min(delay * 2, std::chrono::milliseconds(5000));
  }
}

void ContainerdSupervisor::Stop(bool terminate) {
  stopping_ = true;
  wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  pid_t pid = pid_;
  if (!terminate || pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && Alive(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (Alive()) {
    ::kill(pid, SIGKILL);
    if (own_child_) ::waitpid(pid, nullptr, 0);
  }
  ::unlink(PidFile().c_str());
  pid_ = -1;
}

}  // namespace berth::engined
