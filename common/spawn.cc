#include "common/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "absl/cleanup/cleanup.h"
#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

extern char** environ;

namespace berth {
namespace {

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

const std::string& ProgramName(const SpawnOptions& options) {
  return options.program.empty() ? options.argv[0] : options.program;
}

// A child that exits without reading its stdin must not kill us with
// SIGPIPE: block it around the write and drop it if it was raised.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t w = ::write(fd, data, size);
  int saved = errno;
  if (w < 0 && errno == EPIPE) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return w;
}

}  // namespace

absl::StatusOr<ScopedPid> Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return InvalidArgumentf("spawn: empty argv");
  const std::string& program = options.program.empty() ? options.argv[0] : options.program;

  int highest_target = 2;
  for (const auto& [child_fd, parent_fd] : options.fds) {
    if (child_fd < 0 || parent_fd < 0) {
      return InvalidArgumentf("spawn {}: negative fd in fd map", program);
    }
    highest_target = std::max(highest_target, child_fd);
  }
  // Move every source above all targets first, so that dup2 into a target
  // can never clobber a source still to be copied.
  std::vector<UniqueFd> staged;
  std::vector<std::pair<int, int>> moves;  // {child_fd, staged fd}
  for (const auto& [child_fd, parent_fd] : options.fds) {
    int fd = ::fcntl(parent_fd, F_DUPFD_CLOEXEC, highest_target + 1);
    if (fd < 0) return ErrnoErrorf(errno, "spawn {}: dup fd {}", program, parent_fd);
    staged.emplace_back(fd);
    moves.emplace_back(child_fd, fd);
  }
  UniqueFd dev_null;
  if (!options.inherit_stdio) {
    int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) return ErrnoErrorf(errno, "spawn {}: open /dev/null", program);
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, highest_target + 1);
    ::close(fd);
    if (moved < 0) return ErrnoErrorf(errno, "spawn {}: dup /dev/null", program);
    dev_null.reset(moved);
    for (int std_fd = 0; std_fd <= 2; ++std_fd) {
      bool mapped = std::any_of(moves.begin(), moves.end(),
                                [&](const auto& m) { return m.first == std_fd; });
      if (!mapped) moves.emplace_back(std_fd, dev_null.get());
    }
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  absl::Cleanup destroy_actions = [&] { posix_spawn_file_actions_destroy(&actions); };
  for (const auto& [child_fd, source] : moves) {
    posix_spawn_file_actions_adddup2(&actions, source, child_fd);
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, highest_target + 1);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  absl::Cleanup destroy_attr = [&] { posix_spawnattr_destroy(&attr); };
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (options.new_session) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&attr, flags);

  std::vector<char*> argv = CStrings(options.argv);
  std::vector<char*> envp;
  if (options.env) envp = CStrings(*options.env);
  char** env = options.env ? envp.data() : environ;

  pid_t pid = -1;
  int rc = options.search_path
               ? posix_spawnp(&pid, program.c_str(), &actions, &attr, argv.data(), env)
               : posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), env);
  if (rc != 0) return ErrnoErrorf(rc, "exec {}", program);
  return ScopedPid(pid);
}

absl::StatusOr<SpawnResult> RunAndCapture(const SpawnOptions& options,
                                          const std::string& stdin_data,
                                          std::optional<std::chrono::milliseconds> timeout) {
  constexpr size_t kCap = 1 << 20;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) < 0) return ErrnoErrorf(errno, "pipe");
  UniqueFd in_r(in[0]), in_w(in[1]);
  if (::pipe2(out, O_CLOEXEC) < 0) return ErrnoErrorf(errno, "pipe");
  UniqueFd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) < 0) return ErrnoErrorf(errno, "pipe");
  UniqueFd err_r(err[0]), err_w(err[1]);

  SpawnOptions opts = options;
  opts.fds.emplace_back(0, in_r.get());
  opts.fds.emplace_back(1, out_w.get());
  opts.fds.emplace_back(2, err_w.get());
  BERTH_ASSIGN_OR_RETURN(ScopedPid child, Spawn(opts));
  in_r.reset();
  out_w.reset();
  err_w.reset();

  SpawnResult result;
  size_t written = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout.value_or(std::chrono::hours(1 << 20));
  if (stdin_data.empty()) in_w.reset();
  if (in_w) ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  while (out_r || err_r) {
    struct pollfd fds[3];
    int n = 0;
    if (out_r) fds[n++] = {out_r.get(), POLLIN, 0};
    if (err_r) fds[n++] = {err_r.get(), POLLIN, 0};
    if (in_w) fds[n++] = {in_w.get(), POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      pid_t pid = child.get();
      child.Reset();  // SIGKILL and reap
      return absl::DeadlineExceededError(fmt::format(
          "{} (pid {}) timed out after {} ms", ProgramName(options), pid, timeout->count()));
    }
    int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
    int ready = ::poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "poll");
    }
    if (ready == 0) continue;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (in_w && fds[i].fd == in_w.get()) {
        ssize_t w = WriteNoSigpipe(in_w.get(), stdin_data.data() + written,
                                   stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) in_w.reset();
        if (written == stdin_data.size()) in_w.reset();
        continue;
      }
      bool is_out = out_r && fds[i].fd == out_r.get();
      UniqueFd& src = is_out ? out_r : err_r;
      std::string& dst = is_out ? result.out : result.err;
      char buf[4096];
      ssize_t r = ::read(src.get(), buf, sizeof(buf));
      if (r > 0) {
        if (dst.size() < kCap) dst.append(buf, std::min(static_cast<size_t>(r), kCap - dst.size()));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        src.reset();
      }
    }
  }
  in_w.reset();
  if (timeout) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    absl::StatusOr<ExitStatus> status =
        child.WaitFor(std::max(left, std::chrono::milliseconds(1)));
    if (!status.ok()) return status.status();
    result.status = *status;
    return result;
  }
  BERTH_ASSIGN_OR_RETURN(result.status, child.Wait());
  return result;
}

std::string FindCompanionProgram(const std::string& name, const std::string& build_dir) {
  if (name.find('/') != std::string::npos) return name;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    for (const std::string& candidate :
         {JoinPath(dir, name), JoinPath(dir + "/../" + build_dir, name)}) {
      if (::access(candidate.c_str(), X_OK) == 0) return CleanPath(candidate);
    }
  }
  const char* path = std::getenv("PATH");
  for (std::string_view entry : Split(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin", ':', true)) {
    std::string candidate = JoinPath(std::string(entry), name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

}  // namespace berth
