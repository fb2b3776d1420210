// Compiled seccomp programs kept under the runtime's --root, so a profile
// is built by libseccomp once rather than in every container (crun keeps
// such a cache too). Docker's default profile takes libseccomp ~20 ms of
// CPU to build; loading the cached program takes one seccomp(2) call.
//
//   SeccompCache cache(SeccompCacheDir(g.root));
//   BERTH_ASSIGN_OR_RETURN(SeccompProgram p, PrepareSeccompProgram(s, cache));
//
// An entry is <dir>/<key>, key = hex SHA-256 of everything the program
// depends on: the seccomp section (as parsed, in a fixed order), the
// runtime binary's build id (so a changed runtime never loads an old
// program), the libseccomp version and the kernel (uname). The file holds
// a header (magic, instruction count, load flags, key, SHA-256 of the
// program) and the program; it is written to a temp file and renamed into
// place, owned by the caller and mode 0600 in a 0700 directory. An entry
// that fails any check (owner, mode, size, header, digest) is a miss: the
// program is compiled and the entry rewritten.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/linux/seccomp_program.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// <root>/@seccomp-cache: '@' is not allowed in container ids, so no
// container's state directory can take the name.
std::string SeccompCacheDir(const std::string& runtime_root);

class SeccompCache {
 public:
  // A store that finds this many other entries removes them first.
  static constexpr size_t kMaxEntries = 64;

  explicit SeccompCache(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // The key for `s` (64 hex digits).
  static std::string Key(const spec::Seccomp& s);

  // The program stored under `key`, checked. NotFound when there is none;
  // DataLoss or FailedPrecondition when the entry is unusable.
  absl::StatusOr<SeccompProgram> Lookup(const std::string& key) const;
  // Stores `program` under `key`, atomically.
  absl::Status Store(const std::string& key, const SeccompProgram& program) const;

 private:
  std::string Path(const std::string& key) const { return dir_ + "/" + key; }
  void Evict(const std::string& keep) const;

  std::string dir_;
};

// The program for `s` (CanPrecompile(s) must hold): the cached one when
// the cache has a valid entry, else compiled (CompileSeccompProgram) and
// stored. The cache's own failures cost only the compile; they are
// logged at debug level and never fail the call.
absl::StatusOr<SeccompProgram> PrepareSeccompProgram(const spec::Seccomp& s,
                                                     const SeccompCache& cache);

// For create and exec: the program for spec's linux.seccomp through the
// cache under `runtime_root`; nullopt when there is no filter or it has to
// be built in the container (!CanPrecompile).
absl::StatusOr<std::optional<SeccompProgram>> SeccompProgramForSpec(
    const spec::Spec& spec, const std::string& runtime_root);

}  // namespace berth::runtime::linux
