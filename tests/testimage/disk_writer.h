// Materializes an FsTree under a directory on the host.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "tests/testimage/fs_tree.h"

namespace berth::testimage {

// Creates `root` if needed, then every entry below it with exactly the
// entry's mode (the umask does not apply). Existing files and symlinks at an
// entry's path are replaced; existing directories are kept and re-moded.
absl::Status WriteTreeToDir(const FsTree& tree, const std::string& root);

}  // namespace berth::testimage
