#include "runtime/linux/user_namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/scoped_pid.h"
#include "common/status.h"

namespace berth::runtime::linux {

std::string FormatIdMappings(const std::vector<spec::IdMapping>& mappings) {
  std::string out;
  for (const spec::IdMapping& m : mappings) {
    out += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
  }
  return out;
}

absl::Status WriteIdMappings(pid_t pid, const std::vector<spec::IdMapping>& uid_mappings,
                             const std::vector<spec::IdMapping>& gid_mappings) {
  if (geteuid() != 0) {
    // An unprivileged writer may only map gids after denying setgroups.
    (void)WriteExistingFile(fmt::format("/proc/{}/setgroups", pid), "deny");
  }
  if (!uid_mappings.empty()) {
    BERTH_RETURN_IF_ERROR(WithContext(
        WriteExistingFile(fmt::format("/proc/{}/uid_map", pid), FormatIdMappings(uid_mappings)),
        "write uid mappings"));
  }
  if (!gid_mappings.empty()) {
    BERTH_RETURN_IF_ERROR(WithContext(
        WriteExistingFile(fmt::format("/proc/{}/gid_map", pid), FormatIdMappings(gid_mappings)),
        "write gid mappings"));
  }
  return absl::OkStatus();
}

absl::StatusOr<UniqueFd> MakeUserNamespace(const std::vector<spec::IdMapping>& uid_mappings,
                                           const std::vector<spec::IdMapping>& gid_mappings) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return ErrnoErrorf(errno, "pipe");
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
  if (pid < 0) return ErrnoErrorf(errno, "clone a process in a new user namespace");
  if (pid == 0) {
    // Holds the namespace until the parent has opened it, then goes.
    char c;
    write_end.reset();
    (void)!::read(read_end.get(), &c, 1);
    ::_exit(0);
  }
  ScopedPid child(pid);
  read_end.reset();
  BERTH_RETURN_IF_ERROR(WriteIdMappings(pid, uid_mappings, gid_mappings));
  UniqueFd ns(::open(fmt::format("/proc/{}/ns/user", pid).c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return ErrnoErrorf(errno, "open user namespace of helper {}", pid);
  write_end.reset();
  (void)child.Wait();
  return ns;
}

}  // namespace berth::runtime::linux
