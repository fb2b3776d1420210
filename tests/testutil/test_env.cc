#include "tests/testutil/test_env.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/file_util.h"

namespace berth::testing {

std::string BinaryPath(const std::string& name) {
  // Executables land in per-directory build folders; look in the usual ones.
  static const char* const kDirs[] = {"runtime", "tests/probe", "tests/testimage", "shim",
                                      "containerd", "engined", "cli", ""};
  for (const char* dir : kDirs) {
    std::string path = JoinPath(JoinPath(BERTH_BINARY_DIR, dir), name);
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return JoinPath(BERTH_BINARY_DIR, name);
}

void Skip(const std::string& reason) {
  std::fprintf(stderr, "SKIPPED: %s\n", reason.c_str());
  std::fflush(stderr);
  std::_Exit(77);
}

void RequireRoot() {
  if (geteuid() != 0) Skip("needs root (namespaces, mounts, cgroups)");
}

}  // namespace berth::testing
