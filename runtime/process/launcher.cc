#include "runtime/process/launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/logger.h"
#include "common/status.h"
#include "runtime/linux/user_namespace.h"
#include "runtime/process/clone.h"

namespace berth::runtime::process {
namespace {

using spec::NamespaceType;

// clone3 can make every namespace at once unless one has to be joined first
// or the user namespace itself is joined.
bool NeedsStagedSetup(const linux::NamespacePlan& ns) {
  if (ns.Joins(NamespaceType::kUser)) return true;
  if (ns.Creates(NamespaceType::kUser)) {
    for (const linux::JoinTarget& j : ns.joins) {
      if (j.type != NamespaceType::kPid) return true;
    }
  }
  return false;
}

absl::Status WriteMappings(const spec::Spec& spec, pid_t pid) {
  if (!spec.linux) return absl::OkStatus();
  return linux::WriteIdMappings(pid, spec.linux->uid_mappings, spec.linux->gid_mappings);
}

// Joins the pid namespace to create init in, for this process's children
// only, and switches back when destroyed.
class PidNamespaceSwitch {
 public:
  absl::Status Enter(const linux::NamespacePlan& ns) {
    for (const linux::JoinTarget& j : ns.joins) {
      if (j.type != NamespaceType::kPid) continue;
      own_.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
      if (!own_) return ErrnoErrorf(errno, "open own pid namespace");
      return linux::JoinNamespace(j);
    }
    return absl::OkStatus();
  }
  void Restore() {
    if (own_) (void)::setns(own_.get(), CLONE_NEWPID);
    own_.reset();
  }
  ~PidNamespaceSwitch() { Restore(); }

 private:
  UniqueFd own_;
};

}  // namespace

absl::StatusOr<Launched> SuperviseSetup(const spec::Spec& spec, cgroups::Manager* cgroups,
                                        const LaunchHooks& hooks, Channel& ch, ScopedPid child,
                                        bool write_mappings_now) {
  Launched launched;
  launched.init_pid = child.get();
  if (write_mappings_now) BERTH_RETURN_IF_ERROR(WriteMappings(spec, child.get()));
  BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kGo, child.get()));
  // Joining v1 cgroups costs an RCU grace period (~10 ms) on the first
  // write: the child sets up mounts meanwhile and waits for this message
  // only when it needs to be in its cgroups.
  BERTH_RETURN_IF_ERROR(cgroups->AddProcess(child.get()));
  BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kCgroupsJoined));
  log::Debugf("process {} joined its cgroups", child.get());
  for (;;) {
    UniqueFd fd;
    absl::StatusOr<Message> message = ch.Receive(&fd);
    if (!message.ok()) return message.status();
    switch (message->type) {
      case MessageType::kError:
        return absl::Status(static_cast<absl::StatusCode>(message->value), message->data);
      case MessageType::kMapsRequest:
        BERTH_RETURN_IF_ERROR(WriteMappings(spec, static_cast<pid_t>(message->value)));
        BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kMapsDone));
        break;
      case MessageType::kInitPid: {
        // The intermediate process forked the real init and is exiting.
        launched.init_pid = static_cast<pid_t>(message->value);
        BERTH_RETURN_IF_ERROR(child.Wait().status());
        BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kGo, launched.init_pid));
        break;
      }
      case MessageType::kRunHooks:
        if (hooks.runtime_hooks) BERTH_RETURN_IF_ERROR(hooks.runtime_hooks(launched.init_pid));
        BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kHooksDone));
        break;
      case MessageType::kSeccompFd:
        if (!fd) return Internalf("container sent no seccomp notify fd");
        if (hooks.seccomp_listener) {
          BERTH_RETURN_IF_ERROR(hooks.seccomp_listener(fd.get(), launched.init_pid));
        }
        BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kSeccompFdDone));
        break;
      case MessageType::kReady:
        launched.child = std::move(child);
        return launched;
      default:
        return Internalf("unexpected message {} from container process",
                         static_cast<uint32_t>(message->type));
    }
  }
}

absl::StatusOr<Launched> LaunchContainer(const InitConfig& config, cgroups::Manager* cgroups,
                                         const LaunchHooks& hooks) {
  BERTH_ASSIGN_OR_RETURN(auto channels, Channel::Pair());
  Channel& parent = channels.first;
  Channel& child_end = channels.second;
  bool staged = NeedsStagedSetup(*config.namespaces);
  InitConfig effective = config;
  effective.staged = staged;

  // Only the clone happens in a joined pid namespace; hooks run later must
  // see the host's.
  int flags = 0;
  PidNamespaceSwitch pid_switch;
  if (!staged) {
    flags = config.namespaces->new_flags & ~(CLONE_NEWCGROUP | CLONE_NEWTIME);
    BERTH_RETURN_IF_ERROR(pid_switch.Enter(*config.namespaces));
  }
  absl::StatusOr<pid_t> cloned = CloneProcess(flags);
  if (cloned.ok() && *cloned == 0) {
    parent.Close();
    RunContainerInit(effective, child_end);  // never returns
  }
  pid_switch.Restore();
  BERTH_ASSIGN_OR_RETURN(pid_t pid, cloned);
  ScopedPid child(pid);
  child_end.Close();
  bool maps_now = !staged && config.namespaces->Creates(NamespaceType::kUser);
  absl::StatusOr<Launched> launched =
      SuperviseSetup(*config.spec, cgroups, hooks, parent, std::move(child), maps_now);
  if (!launched.ok()) {
    // Init may be a grandchild (staged path): the cgroup holds it either way.
    (void)cgroups->SignalAll(SIGKILL);
  }
  return launched;
}

}  // namespace berth::runtime::process
