#include "common/status.h"
#include "runtime/commands/commands.h"
#include "runtime/container/create.h"

namespace berth::runtime {

absl::StatusOr<int> Create(const GlobalOptions& g, const CreateOptions& o) {
  BERTH_ASSIGN_OR_RETURN(container::Created created,
                         container::CreateContainer(g, o, /*relay_console=*/false));
  // Init outlives us; whoever started us (usually a shim) inherits it.
  (void)created.child.release();
  return 0;
}

}  // namespace berth::runtime
