// One entry point per berth-runtime subcommand. Each returns the process exit
// code on success paths that have one (run, exec) and an error otherwise; the
// CLI turns errors into one stderr line, a log record and exit status 1.
#pragma once

#include "absl/status/statusor.h"
#include "runtime/commands/options.h"

namespace berth::runtime {

absl::StatusOr<int> Create(const GlobalOptions& g, const CreateOptions& o);
absl::StatusOr<int> Run(const GlobalOptions& g, const CreateOptions& o);
absl::StatusOr<int> Start(const GlobalOptions& g, const std::string& id);
absl::StatusOr<int> State(const GlobalOptions& g, const std::string& id);
absl::StatusOr<int> Kill(const GlobalOptions& g, const KillOptions& o);
absl::StatusOr<int> Delete(const GlobalOptions& g, const DeleteOptions& o);
absl::StatusOr<int> List(const GlobalOptions& g, const ListOptions& o);
absl::StatusOr<int> Ps(const GlobalOptions& g, const PsOptions& o);
absl::StatusOr<int> Pause(const GlobalOptions& g, const std::string& id);
absl::StatusOr<int> Resume(const GlobalOptions& g, const std::string& id);
absl::StatusOr<int> Events(const GlobalOptions& g, const EventsOptions& o);
absl::StatusOr<int> Update(const GlobalOptions& g, const UpdateOptions& o);
absl::StatusOr<int> Exec(const GlobalOptions& g, const ExecOptions& o);
absl::StatusOr<int> SpecCommand(const GlobalOptions& g, const SpecOptions& o);
absl::StatusOr<int> Features(const GlobalOptions& g);

}  // namespace berth::runtime
