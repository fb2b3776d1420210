#include "shim/bootstrap.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "shim/runtime/runtime_client.h"
#include "shim/runtime_config.h"

namespace berth::shim {
namespace {

constexpr std::chrono::seconds kStartTimeout(10);

bool Serving(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

std::vector<std::string> ServeArgs(const std::string& daemon, const ShimOptions& o) {
  std::vector<std::string> argv = {daemon,         "--namespace",  o.ns,        "--id",
                                   o.id,           "--bundle",     o.bundle,    "--address",
                                   o.address,      "--runtime",    o.runtime,   "--runtime-root",
                                   o.runtime_root, "--socket-dir", o.socket_dir};
  if (o.systemd_cgroup) argv.push_back("--systemd-cgroup");
  if (o.debug) argv.push_back("--debug");
  argv.insert(argv.end(), {"serve", "--ready-fd", "3"});
  return argv;
}

// Reads the serving shim's one-line report, or what is left when it died.
absl::StatusOr<std::string> ReadReport(int fd) {
  std::string report;
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("shim did not start serving in 10s");
    pollfd pfd{fd, POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoErrorf(errno, "poll shim start pipe");
    if (n == 0) continue;
    char buf[1024];
    ssize_t got = ::read(fd, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ErrnoErrorf(errno, "read shim start pipe");
    if (got == 0) return report;
    report.append(buf, static_cast<size_t>(got));
  }
}

}  // namespace

std::string DaemonProgram() { return FindCompanionProgram("berth-shim-daemon", "shim"); }

absl::StatusOr<std::string> StartShim(const ShimOptions& options) {
  if (options.id.empty() || options.bundle.empty() || options.bundle[0] != '/') {
    return InvalidArgumentf("start: need --id and an absolute --bundle");
  }
  if (!PathExists(JoinPath(options.bundle, "config.json"))) {
    return NotFoundf("start: bundle {} has no config.json", options.bundle);
  }
  std::string socket_path = SocketPathFor(options);
  if (Serving(socket_path)) return "unix://" + socket_path;

  BERTH_RETURN_IF_ERROR(MkdirAll(options.socket_dir, 0711));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return ErrnoErrorf(errno, "pipe2");
  UniqueFd report_read(pipe_fds[0]), report_write(pipe_fds[1]);
  std::string log_path = ShimLogFile(options.bundle);
  UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log) return ErrnoErrorf(errno, "open {}", log_path);

  SpawnOptions spawn;
  spawn.argv = ServeArgs(DaemonProgram(), options);
  spawn.fds = {{2, log.get()}, {3, report_write.get()}};
  spawn.new_session = true;
  spawn.cwd = options.bundle;
  BERTH_ASSIGN_OR_RETURN(ScopedPid child, Spawn(spawn));
  report_write.reset();
  absl::StatusOr<std::string> report = ReadReport(report_read.get());
  std::string line = report.ok() ? std::string(TrimSpace(*report)) : "";
  if (report.ok() && line == "ok") {
    // It lives on, reparented to the nearest subreaper once we exit.
    (void)child.release();
    return "unix://" + socket_path;
  }
  ::kill(child.get(), SIGKILL);
  if (!report.ok()) return report.status();
  if (line.empty()) line = "exited before serving; see " + log_path;
  return absl::UnavailableError("shim for " + options.id + ": " + line);
}

absl::StatusOr<ExitRecord> CleanupBundle(const ShimOptions& options) {
  WaitpidWaiter waiter;
  BERTH_RETURN_IF_ERROR(MkdirAll(WorkDirFor(options), 0700));
  RuntimeClient runtime_client(RuntimeOptionsFor(options), &waiter);
  // The init's pid, for the report, while the runtime still knows it.
  absl::StatusOr<ContainerState> state = runtime_client.State(options.id);
  uint32_t pid = state.ok() ? static_cast<uint32_t>(state->pid) : 0;
  absl::Status deleted = runtime_client.Delete(options.id, true);
  if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;

  // The shim mounted the rootfs; nothing else may still use it.
  std::string rootfs = JoinPath(options.bundle, "rootfs");
  while (::umount2(rootfs.c_str(), MNT_DETACH) == 0) {
  }
  ::unlink(SocketPathFor(options).c_str());
  RemoveAll(WorkDirFor(options)).IgnoreError();
  ::unlink(AddressFile(options.bundle).c_str());
  ::unlink(ShimPidFile(options.bundle).c_str());

  absl::StatusOr<ExitRecord> record = ReadExitRecord(options.bundle);
  if (record.ok() || !absl::IsNotFound(record.status())) return record;
  // Killed by the runtime's delete just now.
  return ExitRecord{pid, 128 + SIGKILL, Clock::now()};
}

}  // namespace berth::shim
