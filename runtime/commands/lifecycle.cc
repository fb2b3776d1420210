// start, kill, delete, pause, resume: operations on an existing container.
#include <fmt/format.h>

#include <cstdio>

#include "common/status.h"
#include "runtime/commands/commands.h"
#include "common/signals.h"
#include "runtime/container/container.h"
#include "runtime/container/create.h"

namespace berth::runtime {
namespace {

using container::Container;
using container::Status;
using container::StatusName;

absl::StatusOr<Container> LoadContainer(const GlobalOptions& g, const std::string& id) {
  return Container::Load(container::StateStore(g.root), id);
}

}  // namespace

absl::StatusOr<int> Start(const GlobalOptions& g, const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(Container c, LoadContainer(g, id));
  Status status = c.CurrentStatus();
  switch (status) {
    case Status::kCreated:
      break;
    case Status::kStopped:
      return FailedPreconditionf("cannot start a container that has stopped");
    case Status::kRunning:
    case Status::kPaused:
      return FailedPreconditionf("cannot start an already running container");
    case Status::kCreating:
      return FailedPreconditionf("cannot start a container that is still being created");
  }
  BERTH_ASSIGN_OR_RETURN(spec::Spec spec, c.Config());
  BERTH_RETURN_IF_ERROR(container::StartContainer(c.store(), c.state(), spec));
  return 0;
}

absl::StatusOr<int> Kill(const GlobalOptions& g, const KillOptions& o) {
  BERTH_ASSIGN_OR_RETURN(int signal, ParseSignal(o.signal));
  BERTH_ASSIGN_OR_RETURN(Container c, LoadContainer(g, o.id));
  Status status = c.CurrentStatus();
  if (status == Status::kStopped && !o.all) {
    return FailedPreconditionf("container {} is not running", o.id);
  }
  BERTH_RETURN_IF_ERROR(c.Signal(signal, o.all));
  return 0;
}

absl::StatusOr<int> Delete(const GlobalOptions& g, const DeleteOptions& o) {
  absl::StatusOr<Container> loaded = LoadContainer(g, o.id);
  if (!loaded.ok()) {
    // runc: deleting what is not there is fine with --force.
    if (o.force && absl::IsNotFound(loaded.status())) {
      (void)container::StateStore(g.root).Remove(o.id);
      return 0;
    }
    return loaded.status();
  }
  Container& c = *loaded;
  Status status = c.CurrentStatus();
  if (status == Status::kRunning || status == Status::kPaused) {
    if (!o.force) {
      return FailedPreconditionf("cannot delete container {} that is not stopped: {}", o.id,
                                 StatusName(status));
    }
  }
  if (status != Status::kStopped) BERTH_RETURN_IF_ERROR(c.KillAndWait());
  BERTH_RETURN_IF_ERROR(c.Destroy());
  return 0;
}

absl::StatusOr<int> Pause(const GlobalOptions& g, const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(Container c, LoadContainer(g, id));
  Status status = c.CurrentStatus();
  if (status != Status::kRunning && status != Status::kCreated) {
    return FailedPreconditionf("container {} is not running ({})", id, StatusName(status));
  }
  BERTH_ASSIGN_OR_RETURN(cgroups::Manager * cg, c.Cgroups());
  BERTH_RETURN_IF_ERROR(cg->Freeze());
  return 0;
}

absl::StatusOr<int> Resume(const GlobalOptions& g, const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(Container c, LoadContainer(g, id));
  Status status = c.CurrentStatus();
  if (status != Status::kPaused) {
    return FailedPreconditionf("container {} is not paused ({})", id, StatusName(status));
  }
  BERTH_ASSIGN_OR_RETURN(cgroups::Manager * cg, c.Cgroups());
  BERTH_RETURN_IF_ERROR(cg->Thaw());
  return 0;
}

}  // namespace berth::runtime
