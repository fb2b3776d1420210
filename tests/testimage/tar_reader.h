// Reading tar archives back (tests, and checks of what the tool wrote).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::testimage {

struct TarMember {
  // As stored, minus a leading "./" and a trailing '/'.
  std::string name;
  mode_t type = 0;  // S_IFREG, S_IFDIR, S_IFLNK, ...
  mode_t mode = 0;  // permission bits
  int64_t uid = 0;
  int64_t gid = 0;
  int64_t mtime = 0;
  std::string content;      // regular files
  std::string link_target;  // symlinks and hard links
};

// Every member of a tar archive held in memory; gzip (and the other filters
// libarchive knows) is detected and undone.
absl::StatusOr<std::vector<TarMember>> ReadTar(std::string_view data);
absl::StatusOr<std::vector<TarMember>> ReadTarFile(const std::string& path);

// `data` with gzip (or another filter libarchive knows) undone; data that is
// not compressed comes back unchanged.
absl::StatusOr<std::string> Decompress(std::string_view data);

// The member called `name`, or nullptr.
const TarMember* FindMember(const std::vector<TarMember>& members, std::string_view name);

}  // namespace berth::testimage
