#include "tests/testutil/temp_dir.h"

#include <stdlib.h>
#include <sys/mount.h>

#include <stdexcept>

#include "common/file_util.h"

namespace berth::testing {

TempDir::TempDir(const std::string& prefix) {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp " + tmpl + " failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  // RemoveAll refuses to cross mount points, so a test that leaked a mount
  // fails loudly in the leak check instead of having its mount emptied.
  (void)RemoveAll(path_);
}

}  // namespace berth::testing
