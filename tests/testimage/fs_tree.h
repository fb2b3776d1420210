// An in-memory filesystem tree: the one description of a rootfs or a layer
// that is both written to disk (CreateRootfs) and into tar archives (layers,
// image archives), so the two can never disagree.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace berth::testimage {

struct FsEntry {
  enum class Type { kDir, kFile, kSymlink };
  Type type = Type::kFile;
  std::string path;     // relative, clean, no leading '/': "usr/bin/env"
  mode_t mode = 0644;   // permission bits, including sticky/setuid
  std::string content;  // kFile
  std::string target;   // kSymlink
};

class FsTree {
 public:
  // Adds or replaces an entry; missing parent directories are added with
  // mode 0755. `path` may start with '/'; ".." and empty paths are refused.
  absl::Status AddDir(std::string_view path, mode_t mode = 0755);
  absl::Status AddFile(std::string_view path, std::string content, mode_t mode = 0644);
  absl::Status AddSymlink(std::string_view path, std::string target);
  // OCI whiteouts: `path` deleted from lower layers (".wh.<name>" beside it),
  // and `dir` made opaque (its lower contents hidden: "<dir>/.wh..wh..opq").
  absl::Status AddWhiteout(std::string_view path);
  absl::Status AddOpaqueDir(std::string_view dir);

  bool Contains(std::string_view path) const;
  size_t size() const { return entries_.size(); }

  // Entries in archive order: parents before children and, within a
  // directory, the opaque marker first, then whiteouts, then the rest by
  // name, as the OCI image spec asks of layer writers.
  std::vector<const FsEntry*> Sorted() const;

 private:
  absl::Status Add(FsEntry entry);
  absl::Status AddParents(const std::string& path);

  std::map<std::string, FsEntry, std::less<>> entries_;
};

// Validates and normalizes an entry path: "/usr//bin/" -> "usr/bin".
absl::Status NormalizeEntryPath(std::string_view path, std::string* out);

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";

}  // namespace berth::testimage
