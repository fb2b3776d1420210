// A seccomp filter as the BPF program the kernel loads. The runtime builds
// it (or finds it in its cache, seccomp_cache.h) before it clones the
// container process, which then only loads it: seccomp(2) with the flags
// libseccomp's seccomp_load would have passed, as crun does with its cached
// filters.
//
//   if (CanPrecompile(s)) {
//     BERTH_ASSIGN_OR_RETURN(SeccompProgram p, CompileSeccompProgram(s));  // runtime
//     BERTH_RETURN_IF_ERROR(LoadSeccompProgram(p));                       // container
//   }
//
// Filters with SCMP_ACT_NOTIFY rules keep libseccomp's path (seccomp.h):
// loading them creates the listener fd, which libseccomp hands out.
#pragma once

#include <linux/filter.h>

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

struct SeccompProgram {
  std::vector<sock_filter> instructions;
  unsigned int flags = 0;  // SECCOMP_FILTER_FLAG_*
};

// Whether `s` can be loaded from a precompiled program: not when a rule
// notifies, nor with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (which only
// applies to a listener).
bool CanPrecompile(const spec::Seccomp& s);

// The seccomp(2) flags seccomp_load uses for the filter BuildSeccompFilter
// makes of `s`: _LOG and _SPEC_ALLOW; _TSYNC is ignored there (the runtime
// is single-threaded), and a filter without notify rules gets no listener.
unsigned int SeccompLoadFlags(const spec::Seccomp& s);

// Builds the filter with libseccomp (BuildSeccompFilter, which validates)
// and exports its program. FailedPrecondition when !CanPrecompile(s).
absl::StatusOr<SeccompProgram> CompileSeccompProgram(const spec::Seccomp& s);

// `bytes` as a program: a whole number of instructions, at least one and
// at most BPF_MAXINSNS, as the kernel accepts. InvalidArgument otherwise.
absl::StatusOr<std::vector<sock_filter>> InstructionsFromBytes(std::string_view bytes);

// Loads the program into the calling thread (irreversible: the container
// process only). Errors as LoadSeccompFilter's.
absl::Status LoadSeccompProgram(const SeccompProgram& p);

}  // namespace berth::runtime::linux
