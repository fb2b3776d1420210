// Temporary: commands land one by one; this file disappears with the last.
#include "runtime/commands/commands.h"

namespace berth::runtime {
#define BERTH_NOT_YET(sig) sig { return absl::UnimplementedError("not implemented yet"); }
BERTH_NOT_YET(absl::StatusOr<int> Create(const GlobalOptions&, const CreateOptions&))
BERTH_NOT_YET(absl::StatusOr<int> Run(const GlobalOptions&, const CreateOptions&))
BERTH_NOT_YET(absl::StatusOr<int> Start(const GlobalOptions&, const std::string&))
BERTH_NOT_YET(absl::StatusOr<int> State(const GlobalOptions&, const std::string&))
BERTH_NOT_YET(absl::StatusOr<int> Kill(const GlobalOptions&, const KillOptions&))
BERTH_NOT_YET(absl::StatusOr<int> Delete(const GlobalOptions&, const DeleteOptions&))
BERTH_NOT_YET(absl::StatusOr<int> List(const GlobalOptions&, const ListOptions&))
BERTH_NOT_YET(absl::StatusOr<int> Ps(const GlobalOptions&, const PsOptions&))
BERTH_NOT_YET(absl::StatusOr<int> Pause(const GlobalOptions&, const std::string&))
BERTH_NOT_YET(absl::StatusOr<int> Resume(const GlobalOptions&, const std::string&))
BERTH_NOT_YET(absl::StatusOr<int> Events(const GlobalOptions&, const EventsOptions&))
BERTH_NOT_YET(absl::StatusOr<int> Update(const GlobalOptions&, const UpdateOptions&))
BERTH_NOT_YET(absl::StatusOr<int> Exec(const GlobalOptions&, const ExecOptions&))
BERTH_NOT_YET(absl::StatusOr<int> SpecCommand(const GlobalOptions&, const SpecOptions&))
BERTH_NOT_YET(absl::StatusOr<int> Features(const GlobalOptions&))
}  // namespace berth::runtime
