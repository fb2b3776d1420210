#include "runtime/process/process_setup.h"

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/linux/capabilities.h"
#include "runtime/linux/lsm.h"
#include "runtime/linux/process_attrs.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/terminal.h"

extern char** environ;

namespace berth::runtime::process {
namespace {

constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string EnvValue(const std::vector<std::string>& env, std::string_view key) {
  for (const std::string& e : env) {
    auto [k, v] = SplitOnce(e, '=');
    if (k == key && v) return std::string(*v);
  }
  return "";
}

bool HasEnv(const std::vector<std::string>& env, std::string_view key) {
  for (const std::string& e : env) {
    if (SplitOnce(e, '=').first == key) return true;
  }
  return false;
}

// HOME from the container's /etc/passwd for `uid`, as runc sets it.
std::string HomeFor(uid_t uid) {
  absl::StatusOr<std::string> passwd = ReadFile("/etc/passwd");
  if (passwd.ok()) {
    for (std::string_view line : Split(*passwd, '\n', true)) {
      std::vector<std::string_view> f = Split(line, ':');
      if (f.size() >= 6 && ParseUint64(f[2]) == uid) return std::string(f[5]);
    }
  }
  return "/";
}

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

absl::StatusOr<std::string> LookupProgram(const std::string& name,
                                          const std::vector<std::string>& env) {
  if (name.empty()) return InvalidArgumentf("process.args[0] is empty");
  if (name.find('/') != std::string::npos) {
    struct stat st;
    if (::stat(name.c_str(), &st) < 0) {
      return ErrnoErrorf(errno, "exec {:?} in the container", name);
    }
    if (S_ISDIR(st.st_mode)) return ErrnoErrorf(EISDIR, "exec {:?} in the container", name);
    return name;
  }
  std::string path = EnvValue(env, "PATH");
  if (!HasEnv(env, "PATH")) path = kDefaultPath;
  for (std::string_view dir : Split(path, ':')) {
    std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutableFile(candidate)) return candidate;
  }
  return NotFoundf("exec {:?}: executable file not found in $PATH", name);
}

absl::Status ApplySecurity(const ProcessPlan& plan, Channel& channel, bool* late) {
  const spec::Process& p = plan.process;
  if (p.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    return ErrnoErrorf(errno, "set no_new_privs");
  }
  *late = false;
  if (!plan.spec->linux || !plan.spec->linux->seccomp) return absl::OkStatus();
  const spec::Seccomp& seccomp = *plan.spec->linux->seccomp;
  // With no_new_privs the filter can wait until just before exec, so it
  // need not allow the runtime's own remaining syscalls. A notify listener
  // must reach the parent first, so those load now.
  if (p.no_new_privileges && !linux::UsesNotify(seccomp)) {
    *late = true;
    return absl::OkStatus();
  }
  if (plan.seccomp_program != nullptr) return linux::LoadSeccompProgram(*plan.seccomp_program);
  BERTH_ASSIGN_OR_RETURN(linux::SeccompFilter filter, linux::BuildSeccompFilter(seccomp));
  BERTH_ASSIGN_OR_RETURN(UniqueFd notify_fd, linux::LoadSeccompFilter(filter));
  if (notify_fd) {
    BERTH_RETURN_IF_ERROR(channel.Send(Message{MessageType::kSeccompFd, 0, ""}, notify_fd.get()));
    BERTH_RETURN_IF_ERROR(channel.Expect(MessageType::kSeccompFdDone).status());
  }
  return absl::OkStatus();
}

absl::Status SwitchCredentials(const spec::Process& p) {
  const spec::User& u = p.user;
  if (p.capabilities) {
    BERTH_ASSIGN_OR_RETURN(linux::CapabilitySets caps, linux::ResolveCapabilities(*p.capabilities));
    return linux::SwitchUserKeepingCaps(u.uid, u.gid, u.additional_gids, caps);
  }
  // No capabilities section: the kernel's rules apply (root keeps its
  // capabilities, anyone else loses them at setuid).
  std::vector<gid_t> groups(u.additional_gids.begin(), u.additional_gids.end());
  if (::setgroups(groups.size(), groups.data()) < 0 && !(groups.empty() && errno == EPERM)) {
    return ErrnoErrorf(errno, "setgroups");
  }
  if (::setresgid(u.gid, u.gid, u.gid) < 0) return ErrnoErrorf(errno, "setresgid {}", u.gid);
  if (::setresuid(u.uid, u.uid, u.uid) < 0) return ErrnoErrorf(errno, "setresuid {}", u.uid);
  return absl::OkStatus();
}

absl::Status EnterCwd(const std::string& cwd) {
  std::string dir = cwd.empty() ? "/" : cwd;
  if (::chdir(dir.c_str()) < 0) return ErrnoErrorf(errno, "chdir to cwd {:?} in the container", dir);
  // A cwd reached through something outside the root reads as
  // "(unreachable)/..." (glibc then fails getcwd with ENOENT; CVE-2024-21626):
  // refuse rather than run there. Other failures (a seccomp profile that
  // denies getcwd) say nothing about where we are.
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof(buf)) == nullptr) {
    if (errno == ENOENT) {
      return FailedPreconditionf("cwd {:?} resolves outside the container root", dir);
    }
  } else if (buf[0] != '/') {
    return FailedPreconditionf("cwd {:?} resolves outside the container root", dir);
  }
  return absl::OkStatus();
}

// Preserved fds pass through exec; every other fd above stdio closes there.
absl::Status MarkFdsForExec(uint32_t preserve_fds) {
  for (uint32_t i = 0; i < preserve_fds; ++i) {
    int fd = 3 + static_cast<int>(i);
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  if (::close_range(3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    return ErrnoErrorf(errno, "mark runtime fds close-on-exec");
  }
  return absl::OkStatus();
}

}  // namespace

void ResetSignals() {
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ::sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

absl::Status CloseInheritedFds(uint32_t preserve_fds, const std::vector<int>& keep_in) {
  std::vector<int> keep = keep_in;
  std::sort(keep.begin(), keep.end());
  unsigned int first = 3 + preserve_fds;
  for (int k : keep) {
    if (k < 0 || static_cast<unsigned int>(k) < first) continue;
    if (static_cast<unsigned int>(k) > first) {
      if (::close_range(first, static_cast<unsigned int>(k) - 1, 0) < 0) {
        return ErrnoErrorf(errno, "close_range {}..{}", first, k - 1);
      }
    }
    first = static_cast<unsigned int>(k) + 1;
  }
  if (::close_range(first, ~0U, 0) < 0) return ErrnoErrorf(errno, "close_range {}..", first);
  return absl::OkStatus();
}

absl::StatusOr<PreparedProcess> PrepareProcess(const ProcessPlan& plan, Channel& channel) {
  const spec::Process& p = plan.process;
  if (p.args.empty()) return InvalidArgumentf("process.args must not be empty");
  if (p.terminal) {
    if (plan.console_socket_fd < 0) return Internalf("terminal requested without a console");
    BERTH_RETURN_IF_ERROR(linux::SetupConsole(plan.console_socket_fd, p.console_size));
    ::close(plan.console_socket_fd);
  }
  if (p.oom_score_adj) BERTH_RETURN_IF_ERROR(linux::ApplyOomScoreAdj(*p.oom_score_adj));
  BERTH_RETURN_IF_ERROR(linux::ApplyRlimits(p.rlimits));
  if (p.scheduler) BERTH_RETURN_IF_ERROR(linux::ApplyScheduler(*p.scheduler));
  if (p.io_priority) BERTH_RETURN_IF_ERROR(linux::ApplyIoPriority(*p.io_priority));
  if (plan.spec->linux && plan.spec->linux->personality) {
    BERTH_RETURN_IF_ERROR(linux::ApplyPersonality(*plan.spec->linux->personality));
  }
  PreparedProcess prepared;
  prepared.env = p.env;
  if (!HasEnv(prepared.env, "HOME")) prepared.env.push_back("HOME=" + HomeFor(p.user.uid));
  // Everything a seccomp profile might not allow happens before it loads:
  // after it, only what runc also does (capset, setuid, chdir, stat, the
  // setup channel) and execve.
  BERTH_RETURN_IF_ERROR(MarkFdsForExec(plan.preserve_fds));
  BERTH_RETURN_IF_ERROR(ApplySecurity(plan, channel, &prepared.load_seccomp_late));
  if (!p.apparmor_profile.empty()) {
    BERTH_RETURN_IF_ERROR(linux::ApplyAppArmorProfile(p.apparmor_profile));
  }
  if (!p.selinux_label.empty()) BERTH_RETURN_IF_ERROR(linux::ApplySelinuxExecLabel(p.selinux_label));
  BERTH_RETURN_IF_ERROR(SwitchCredentials(p));
  if (p.user.umask) {
    ::umask(static_cast<mode_t>(*p.user.umask));
  } else {
    ::umask(022);
  }
  BERTH_RETURN_IF_ERROR(EnterCwd(p.cwd));
  // PATH lookup uses the container's environment, not ours.
  BERTH_ASSIGN_OR_RETURN(prepared.program, LookupProgram(p.args[0], prepared.env));
  return prepared;
}

absl::Status ExecProcess(const ProcessPlan& plan, const PreparedProcess& prepared) {
  if (prepared.load_seccomp_late && plan.seccomp_program != nullptr) {
    BERTH_RETURN_IF_ERROR(linux::LoadSeccompProgram(*plan.seccomp_program));
  } else if (prepared.load_seccomp_late) {
    BERTH_ASSIGN_OR_RETURN(linux::SeccompFilter filter,
                           linux::BuildSeccompFilter(*plan.spec->linux->seccomp));
    BERTH_ASSIGN_OR_RETURN(UniqueFd unused, linux::LoadSeccompFilter(filter));
  }
  std::vector<char*> argv;
  for (const std::string& a : plan.process.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : prepared.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(prepared.program.c_str(), argv.data(), envp.data());
  return ErrnoErrorf(errno, "exec {:?}", prepared.program);
}

}  // namespace berth::runtime::process
