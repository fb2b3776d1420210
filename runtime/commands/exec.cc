// exec: run a new process in an existing container.
#include <sys/prctl.h>
#include <sys/socket.h>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/proc.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/commands/commands.h"
#include "runtime/container/container.h"
#include "runtime/container/create.h"
#include "runtime/container/oci_state.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/seccomp_cache.h"
#include "runtime/linux/seccomp_listener.h"
#include "runtime/linux/terminal.h"
#include "runtime/process/exec_launcher.h"
#include "runtime/process/foreground.h"
#include "runtime/spec/parse.h"
#include "runtime/spec/validate.h"

namespace berth::runtime {
namespace {

void AddCapability(std::vector<std::string>* set, const std::string& cap) {
  for (const std::string& c : *set) {
    if (c == cap) return;
  }
  set->push_back(cap);
}

// runc's rules: --process replaces the whole process; otherwise the
// container's process is the base and the flags override it.
absl::StatusOr<spec::Process> BuildProcess(const ExecOptions& o, const spec::Spec& config) {
  if (!o.process_file.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(o.process_file));
    BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(text, o.process_file));
    return spec::ParseProcessJson(json::View(j, "process"));
  }
  if (o.args.empty()) return InvalidArgumentf("exec: no command given (args or --process)");
  spec::Process p = config.process ? *config.process : spec::Process{};
  p.args = o.args;
  p.terminal = o.tty;
  p.console_size.reset();
  if (!o.cwd.empty()) p.cwd = o.cwd;
  for (const std::string& e : o.env) p.env.push_back(e);
  if (!o.user.empty()) {
    auto [uid_text, gid_text] = SplitOnce(o.user, ':');
    std::optional<uint64_t> uid = ParseUint64(uid_text);
    if (!uid) return InvalidArgumentf("--user {:?}: want UID[:GID] with numbers", o.user);
    p.user.uid = static_cast<uint32_t>(*uid);
    if (gid_text) {
      std::optional<uint64_t> gid = ParseUint64(*gid_text);
      if (!gid) return InvalidArgumentf("--user {:?}: want UID[:GID] with numbers", o.user);
      p.user.gid = static_cast<uint32_t>(*gid);
    }
  }
  for (uint32_t gid : o.additional_gids) p.user.additional_gids.push_back(gid);
  if (!o.caps.empty()) {
    spec::Capabilities& caps = p.capabilities ? *p.capabilities : p.capabilities.emplace();
    for (const std::string& cap : o.caps) {
      AddCapability(&caps.bounding, cap);
      AddCapability(&caps.effective, cap);
      AddCapability(&caps.permitted, cap);
      // Ambient needs inheritable; runc adds it only where the spec has some.
      if (!caps.inheritable.empty()) AddCapability(&caps.ambient, cap);
    }
  }
  if (o.no_new_privs) p.no_new_privileges = true;
  if (!o.apparmor.empty()) p.apparmor_profile = o.apparmor;
  if (!o.process_label.empty()) p.selinux_label = o.process_label;
  return p;
}

}  // namespace

absl::StatusOr<int> Exec(const GlobalOptions& g, const ExecOptions& o) {
  BERTH_RETURN_IF_ERROR(container::CheckPreservedFds(o.preserve_fds));
  BERTH_ASSIGN_OR_RETURN(container::Container c,
                         container::Container::Load(container::StateStore(g.root), o.id));
  container::Status status = c.CurrentStatus();
  if (status == container::Status::kStopped) {
    return FailedPreconditionf("cannot exec in a stopped container");
  }
  if (status == container::Status::kPaused && !o.ignore_paused) {
    return FailedPreconditionf("cannot exec in a paused container (use --ignore-paused)");
  }
  BERTH_ASSIGN_OR_RETURN(spec::Spec config, c.Config());
  BERTH_ASSIGN_OR_RETURN(spec::Process process, BuildProcess(o, config));
  BERTH_RETURN_IF_ERROR(spec::ValidateProcess(process, "process"));
  if (process.terminal && o.console_socket.empty() && o.detach) {
    return InvalidArgumentf("a terminal with --detach needs --console-socket");
  }
  if (!process.terminal && !o.console_socket.empty()) {
    return InvalidArgumentf("--console-socket given without a terminal (-t)");
  }
  BERTH_ASSIGN_OR_RETURN(std::optional<linux::SeccompProgram> seccomp_program,
                         linux::SeccompProgramForSpec(config, g.root));

  UniqueFd console_socket, console_peer;
  if (process.terminal) {
    if (!o.console_socket.empty()) {
      BERTH_ASSIGN_OR_RETURN(console_socket, linux::ConnectConsoleSocket(o.console_socket));
    } else {
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        return ErrnoErrorf(errno, "socketpair for the console");
      }
      console_socket.reset(pair[0]);
      console_peer.reset(pair[1]);
    }
  }
  std::vector<spec::Namespace> namespaces;
  if (config.linux) namespaces = config.linux->namespaces;
  BERTH_ASSIGN_OR_RETURN(linux::NamespacePlan ns,
                         linux::PlanExecNamespaces(namespaces, c.state().pid));
  // The init pid may have been recycled between Load and opening its
  // namespaces; the start time check closes that window.
  if (!c.InitAlive()) return FailedPreconditionf("container {} stopped", o.id);
  BERTH_ASSIGN_OR_RETURN(cgroups::Manager * cg, c.Cgroups());

  if (!o.detach) {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    process::BlockForwardedSignals();
  }
  process::ExecConfig exec;
  exec.plan.process = std::move(process);
  exec.plan.spec = &config;
  exec.plan.console_socket_fd = console_socket.get();
  exec.plan.preserve_fds = o.preserve_fds;
  exec.plan.seccomp_program = seccomp_program ? &*seccomp_program : nullptr;
  exec.namespaces = &ns;
  process::LaunchHooks hooks;
  hooks.seccomp_listener = [&](int fd, pid_t pid) -> absl::Status {
    const spec::Seccomp& seccomp = *config.linux->seccomp;
    return linux::SendSeccompListenerFd(
        seccomp.listener_path, fd, pid, seccomp.listener_metadata,
        container::OciStateJsonFor(c.state(), "running"));
  };
  BERTH_ASSIGN_OR_RETURN(process::Launched launched, process::LaunchExec(exec, cg, hooks));
  if (!o.pid_file.empty()) {
    BERTH_RETURN_IF_ERROR(WriteFileAtomic(o.pid_file, std::to_string(launched.init_pid), 0644,
                                          Durability::kProcessCrash));
  }
  (void)launched.child.release();
  if (o.detach) return 0;
  process::Foreground fg;
  fg.pid = launched.init_pid;
  if (console_peer) {
    BERTH_ASSIGN_OR_RETURN(fg.console, linux::ReceiveFd(console_peer.get()));
  }
  return process::WaitInForeground(std::move(fg));
}

}  // namespace berth::runtime
