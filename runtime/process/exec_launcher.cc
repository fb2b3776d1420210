#include "runtime/process/exec_launcher.h"

#include <errno.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/logger.h"
#include "common/status.h"
#include "runtime/process/clone.h"

namespace berth::runtime::process {
namespace {

using spec::NamespaceType;

absl::Status JoinContainer(const ExecConfig& cfg, Channel& ch) {
  const linux::NamespacePlan& ns = *cfg.namespaces;
  // The user namespace first: the others belong to it.
  for (const linux::JoinTarget& j : ns.joins) {
    if (j.type == NamespaceType::kUser) BERTH_RETURN_IF_ERROR(linux::JoinNamespace(j));
  }
  for (const linux::JoinTarget& j : ns.joins) {
    if (j.type != NamespaceType::kUser) BERTH_RETURN_IF_ERROR(linux::JoinNamespace(j));
  }
  if (!ns.Has(NamespaceType::kPid)) return absl::OkStatus();
  // Joining a pid namespace applies to children: fork the real process.
  pid_t child = ::fork();
  if (child < 0) return ErrnoErrorf(errno, "fork exec process");
  if (child > 0) {
    (void)ch.Send(MessageType::kInitPid, child);
    ::_exit(0);
  }
  return ch.Expect(MessageType::kGo).status();
}

absl::Status RunExecChild(const ExecConfig& cfg, Channel& ch) {
  BERTH_RETURN_IF_ERROR(ch.Expect(MessageType::kGo).status());
  // Nothing here to overlap with the cgroup move: wait for it before the
  // fork into the container's pid namespace.
  BERTH_RETURN_IF_ERROR(ch.Expect(MessageType::kCgroupsJoined).status());
  BERTH_RETURN_IF_ERROR(JoinContainer(cfg, ch));
  BERTH_RETURN_IF_ERROR(CloseInheritedFds(cfg.plan.preserve_fds,
                                          {ch.fd(), cfg.plan.console_socket_fd, log::OutputFd()}));
  BERTH_ASSIGN_OR_RETURN(PreparedProcess prepared, PrepareProcess(cfg.plan, ch));
  BERTH_RETURN_IF_ERROR(ch.Send(MessageType::kReady, ::getpid()));
  // The channel stays open (close-on-exec): the runtime learns of a
  // successful exec from its closing, or reads the error below.
  return ExecProcess(cfg.plan, prepared);
}

[[noreturn]] void ExecChildMain(const ExecConfig& cfg, Channel& ch) {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ResetSignals();
  absl::Status status = RunExecChild(cfg, ch);
  (void)ch.Send(MessageType::kError, static_cast<int64_t>(status.code()),
                std::string(status.message()));
  ::_exit(1);
}

}  // namespace

absl::StatusOr<Launched> LaunchExec(const ExecConfig& config, cgroups::Manager* cgroups,
                                    const LaunchHooks& hooks) {
  BERTH_ASSIGN_OR_RETURN(auto channels, Channel::Pair());
  Channel& parent = channels.first;
  Channel& child_end = channels.second;
  BERTH_ASSIGN_OR_RETURN(pid_t pid, CloneProcess(0));
  if (pid == 0) {
    parent.Close();
    ExecChildMain(config, child_end);
  }
  ScopedPid child(pid);
  child_end.Close();
  BERTH_ASSIGN_OR_RETURN(Launched launched,
                         SuperviseSetup(*config.plan.spec, cgroups, hooks, parent, std::move(child),
                                        /*write_mappings_now=*/false));
  // Ready: now either exec closes the channel, or an error arrives.
  UniqueFd unused;
  absl::StatusOr<Message> after = parent.Receive(&unused);
  if (after.ok()) {
    if (after->type == MessageType::kError) {
      return absl::Status(static_cast<absl::StatusCode>(after->value), after->data);
    }
    return Internalf("unexpected message {} after exec", static_cast<uint32_t>(after->type));
  }
  if (!absl::IsUnavailable(after.status())) return after.status();
  return launched;
}

}  // namespace berth::runtime::process
