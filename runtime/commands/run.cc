#include <sys/prctl.h>

#include "common/logger.h"
#include "common/status.h"
#include "runtime/commands/commands.h"
#include "runtime/container/container.h"
#include "runtime/container/create.h"
#include "runtime/process/foreground.h"

namespace berth::runtime {

absl::StatusOr<int> Run(const GlobalOptions& g, const CreateOptions& o) {
  if (!o.detach) {
    // Init may be a grandchild (joined namespaces): it must still come back
    // to us to be waited for. Forwarded signals queue until we wait.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    process::BlockForwardedSignals();
  }
  BERTH_ASSIGN_OR_RETURN(container::Created created,
                         container::CreateContainer(g, o, /*relay_console=*/!o.detach));
  container::StateStore store(g.root);
  absl::Status started = container::StartContainer(store, created.state, created.spec);
  if (!started.ok()) {
    if (absl::StatusOr<container::Container> c = container::Container::Load(store, o.id); c.ok()) {
      (void)c->KillAndWait();
      (void)c->Destroy();
    }
    return started;
  }
  if (o.detach) {
    (void)created.child.release();
    return 0;
  }
  (void)created.child.release();  // reaped by the foreground loop
  process::Foreground fg;
  fg.pid = created.state.pid;
  fg.console = std::move(created.console);
  absl::StatusOr<int> code = process::WaitInForeground(std::move(fg));
  if (!o.keep) {
    absl::StatusOr<container::Container> c = container::Container::Load(store, o.id);
    if (c.ok()) {
      (void)c->KillAndWait();
      if (absl::Status s = c->Destroy(); !s.ok()) log::Warnf("delete {}: {}", o.id, s);
    }
  }
  return code;
}

}  // namespace berth::runtime
