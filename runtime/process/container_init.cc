#include "runtime/process/container_init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/logger.h"
#include "common/status.h"
#include "runtime/container/oci_state.h"
#include "runtime/linux/hooks.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/process_attrs.h"
#include "runtime/linux/rootfs.h"
#include "runtime/process/cgroup_gate.h"
#include "runtime/process/process_setup.h"

namespace berth::runtime::process {
namespace {

using spec::NamespaceType;

// Hooks in the container namespace see the pid as the container does.
std::string HookState(const InitConfig& cfg, const char* status) {
  return json::Dump(container::OciStateJson(cfg.id, status, ::getpid(), cfg.bundle,
                                            cfg.spec->annotations));
}

absl::Status BecomeRootInUserNamespace() {
  if (::setresgid(0, 0, 0) < 0) return ErrnoErrorf(errno, "setresgid 0 in user namespace");
  if (::setresuid(0, 0, 0) < 0) return ErrnoErrorf(errno, "setresuid 0 in user namespace");
  return absl::OkStatus();
}

// Staged setup (see InitConfig::staged). Returns in the process that goes
// on as init; the intermediate process exits here.
absl::Status StagedNamespaces(const InitConfig& cfg, Channel& ch, CgroupGate& gate) {
  const linux::NamespacePlan& ns = *cfg.namespaces;
  // A joined user namespace comes first: the others belong to it.
  for (const linux::JoinTarget& j : ns.joins) {
    if (j.type == NamespaceType::kUser) BERTH_RETURN_IF_ERROR(linux::JoinNamespace(j));
  }
  for (const linux::JoinTarget& j : ns.joins) {
    if (j.type != NamespaceType::kUser) BERTH_RETURN_IF_ERROR(linux::JoinNamespace(j));
  }
  if (ns.Joins(NamespaceType::kUser)) BERTH_RETURN_IF_ERROR(BecomeRootInUserNamespace());
  if (ns.Creates(NamespaceType::kUser)) {
    if (::unshare(CLONE_NEWUSER) < 0) return ErrnoErrorf(errno, "unshare user namespace");
    BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kMapsRequest, ::getpid()));
    BERTH_RETURN_IF_ERROR(gate.Expect(MessageType::kMapsDone).status());
    BERTH_RETURN_IF_ERROR(BecomeRootInUserNamespace());
  }
  int flags = ns.new_flags & ~(CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWTIME);
  if (flags != 0 && ::unshare(flags) < 0) return ErrnoErrorf(errno, "unshare namespaces");
  if (!ns.Has(NamespaceType::kPid)) return absl::OkStatus();
  // A pid namespace takes effect for children only: fork the real init,
  // once this process is in the cgroups it will inherit.
  BERTH_RETURN_IF_ERROR(gate.Pass());
  pid_t child = ::fork();
  if (child < 0) return ErrnoErrorf(errno, "fork container init");
  if (child > 0) {
    (void)ch.Send(MessageType::kInitPid, child);
    ::_exit(0);
  }
  return absl::OkStatus();
}

absl::Status DirectNamespaces(const InitConfig& cfg) {
  for (const linux::JoinTarget& j : cfg.namespaces->joins) {
    // The runtime already switched its children's pid namespace.
    if (j.type == NamespaceType::kPid) continue;
    BERTH_RETURN_IF_ERROR(linux::JoinNamespace(j));
  }
  if (cfg.namespaces->Creates(NamespaceType::kUser)) {
    BERTH_RETURN_IF_ERROR(BecomeRootInUserNamespace());
  }
  return absl::OkStatus();
}

absl::Status TimeNamespace(const InitConfig& cfg) {
  if (!cfg.namespaces->Creates(NamespaceType::kTime)) return absl::OkStatus();
  // Offsets can only be set while nothing lives in the namespace; this
  // process enters it at exec.
  if (::unshare(CLONE_NEWTIME) < 0) return ErrnoErrorf(errno, "unshare time namespace");
  if (cfg.spec->linux) BERTH_RETURN_IF_ERROR(linux::WriteTimeOffsets(cfg.spec->linux->time_offsets));
  return absl::OkStatus();
}

absl::Status RunCreateHooks(const InitConfig& cfg, Channel& ch, CgroupGate& gate) {
  const spec::Spec& spec = *cfg.spec;
  BERTH_RETURN_IF_ERROR(gate.Pass());
  if (spec.hooks && (!spec.hooks->prestart.empty() || !spec.hooks->create_runtime.empty())) {
    BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kRunHooks));
    BERTH_RETURN_IF_ERROR(gate.Expect(MessageType::kHooksDone).status());
  }
  if (spec.hooks && !spec.hooks->create_container.empty()) {
    BERTH_RETURN_IF_ERROR(linux::RunHooks(spec.hooks->create_container, "createContainer",
                                          HookState(cfg, "creating")));
  }
  return absl::OkStatus();
}

// Without a mount namespace of its own the container shares the runtime's
// mount table: mounting anything there would change the host, so the
// process is only chrooted into the rootfs.
absl::Status EnterRootWithoutMountNamespace(const InitConfig& cfg, Channel& ch,
                                            CgroupGate& gate) {
  const spec::Spec& spec = *cfg.spec;
  bool asked = !spec.mounts.empty() || (spec.root && spec.root->readonly) ||
               (spec.linux && (!spec.linux->masked_paths.empty() ||
                               !spec.linux->readonly_paths.empty() || !spec.linux->devices.empty()));
  if (asked) {
    log::Warnf("container {} has no mount namespace of its own: mounts, devices, masked and "
               "read-only paths are not applied (they would change the host's mounts)",
               cfg.id);
  }
  BERTH_RETURN_IF_ERROR(RunCreateHooks(cfg, ch, gate));
  if (::chroot(cfg.rootfs.c_str()) < 0) return ErrnoErrorf(errno, "chroot {}", cfg.rootfs);
  if (::chdir("/") < 0) return ErrnoErrorf(errno, "chdir /");
  if (spec.linux) BERTH_RETURN_IF_ERROR(linux::ApplySysctls(spec.linux->sysctl));
  return absl::OkStatus();
}

absl::Status BuildFilesystem(const InitConfig& cfg, Channel& ch, CgroupGate& gate) {
  const spec::Spec& spec = *cfg.spec;
  if (!cfg.namespaces->Creates(NamespaceType::kMount)) {
    return EnterRootWithoutMountNamespace(cfg, ch, gate);
  }
  linux::RootfsPlan plan;
  plan.spec = &spec;
  plan.rootfs = cfg.rootfs;
  plan.mounts.user_ns = cfg.namespaces->Has(NamespaceType::kUser);
  plan.mounts.cgroup_ns = cfg.namespaces->Creates(NamespaceType::kCgroup);
  plan.mounts.cgroup_layout = cfg.cgroup_layout;
  plan.mounts.cgroup_paths = cfg.cgroup_paths;
  plan.mounts.before_cgroup_mount = [&gate] { return gate.Pass(); };
  UniqueFd user_ns;
  if (plan.mounts.user_ns) {
    user_ns.reset(::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC));
    plan.mounts.user_ns_fd = user_ns.get();
  }
  UniqueFd rootfs_fd;
  BERTH_RETURN_IF_ERROR(linux::PrepareRootfs(&plan, &rootfs_fd));
  log::Debugf("init: rootfs mounted");
  BERTH_RETURN_IF_ERROR(RunCreateHooks(cfg, ch, gate));
  rootfs_fd.reset();
  BERTH_RETURN_IF_ERROR(cfg.no_pivot ? linux::MoveRoot(cfg.rootfs) : linux::PivotRoot(cfg.rootfs));
  // Sysctls go in through the container's /proc before /proc/sys may turn
  // read-only.
  if (spec.linux) BERTH_RETURN_IF_ERROR(linux::ApplySysctls(spec.linux->sysctl));
  return linux::FinalizeRootfs(spec, plan.mounts.user_ns);
}

absl::Status WaitForStart(int fifo_fd) {
  char byte;
  ssize_t n;
  do {
    n = ::read(fifo_fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "wait for start on exec fifo");
  if (n == 0) return absl::UnavailableError("exec fifo closed before start");
  // The fd stays open (close-on-exec): `start` waits for it to go before it
  // runs poststart hooks, so they follow the startContainer hooks.
  return absl::OkStatus();
}

absl::Status RunInit(const InitConfig& cfg, Channel& ch) {
  const spec::Spec& spec = *cfg.spec;
  CgroupGate gate(&ch, cfg.namespaces->Creates(NamespaceType::kCgroup));
  BERTH_ASSIGN_OR_RETURN(Message go, gate.Expect(MessageType::kGo));
  pid_t host_pid = static_cast<pid_t>(go.value);
  if (cfg.staged) {
    BERTH_RETURN_IF_ERROR(StagedNamespaces(cfg, ch, gate));
    if (cfg.namespaces->Has(NamespaceType::kPid)) {
      // The runtime confirms our pid as seen from the host.
      BERTH_ASSIGN_OR_RETURN(Message again, gate.Expect(MessageType::kGo));
      host_pid = static_cast<pid_t>(again.value);
    }
  } else {
    BERTH_RETURN_IF_ERROR(DirectNamespaces(cfg));
  }
  BERTH_RETURN_IF_ERROR(TimeNamespace(cfg));
  // Nothing of the runtime's but what is needed below stays open.
  BERTH_RETURN_IF_ERROR(CloseInheritedFds(
      cfg.preserve_fds, {ch.fd(), cfg.fifo_fd, cfg.console_socket_fd, log::OutputFd()}));
  if (!cfg.no_new_keyring) BERTH_RETURN_IF_ERROR(linux::JoinSessionKeyring(cfg.id));
  // The names first, so createContainer hooks already see them.
  if (!spec.hostname.empty()) BERTH_RETURN_IF_ERROR(linux::SetHostname(spec.hostname));
  if (!spec.domainname.empty()) BERTH_RETURN_IF_ERROR(linux::SetDomainname(spec.domainname));
  BERTH_RETURN_IF_ERROR(BuildFilesystem(cfg, ch, gate));
  BERTH_RETURN_IF_ERROR(gate.Pass());

  ProcessPlan plan;
  plan.process = *spec.process;
  plan.spec = &spec;
  plan.console_socket_fd = cfg.console_socket_fd;
  plan.preserve_fds = cfg.preserve_fds;
  plan.seccomp_program = cfg.seccomp_program;
  log::Debugf("init: root switched");
  BERTH_ASSIGN_OR_RETURN(PreparedProcess prepared, PrepareProcess(plan, ch));
  BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kReady, host_pid));
  ch.Close();
  BERTH_RETURN_IF_ERROR(WaitForStart(cfg.fifo_fd));
  if (spec.hooks && !spec.hooks->start_container.empty()) {
    BERTH_RETURN_IF_ERROR(linux::RunHooks(spec.hooks->start_container, "startContainer",
                                          HookState(cfg, "created")));
  }
  return ExecProcess(plan, prepared);
}

}  // namespace

void RunContainerInit(const InitConfig& config, Channel& channel) {
  // Nothing in the container may ptrace or read /proc of this process while
  // it still holds the runtime's state; exec resets this.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ResetSignals();
  absl::Status status = RunInit(config, channel);
  std::string message(status.message());
  if (channel.fd() >= 0) {
    (void)channel.Send(MessageType::kError, static_cast<int64_t>(status.code()), message);
  } else {
    // After `ready` nobody listens on the channel: tell the container's
    // stderr, as runc does.
    std::string line = "berth-runtime init: " + message + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  }
  ::_exit(1);
}

}  // namespace berth::runtime::process
