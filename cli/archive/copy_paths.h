// docker cp's path rules (moby's pkg/archive/copy.go), as pure functions on
// strings: how a source and a destination decide where an archive is
// extracted and how its top-level name is rebased. Paths use '/' only.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::cli::archive {

// Go's filepath.Dir and filepath.Base.
std::string PathDir(const std::string& path);
std::string PathBase(const std::string& path);

// `cleaned` with the "/." or "/" that `original` ended with put back.
std::string PreserveTrailingDotOrSeparator(const std::string& cleaned, const std::string& original);

// True when `path` ends in "/" or its last element is ".".
bool AssertsDirectory(const std::string& path);

// {"/a", "b"} for "/a/b/"; {"/a/b", "."} for "/a/b/.".
std::pair<std::string, std::string> SplitPathDirEntry(const std::string& path);

// The resolved path with `path`'s trailing "/." or "/" kept, and the name
// the archive's top entry must take ("" when the base names agree).
std::pair<std::string, std::string> GetRebaseName(const std::string& path,
                                                  const std::string& resolved);

struct CopyInfo {
  std::string path;
  bool exists = false;
  bool is_dir = false;
  std::string rebase_name;
};

// A rename of entry names: the first occurrence of `from` becomes `to`, as
// docker's RebaseArchiveEntries does.
struct Rebase {
  std::string from;
  std::string to;
};

struct CopyPlan {
  std::string dst_dir;          // where the archive is extracted
  std::vector<Rebase> rebases;  // applied in order to every name
};

// PrepareArchiveCopy: errors "cannot copy directory" (a directory onto an
// existing file) and "no such directory" (a file onto a missing "x/").
absl::StatusOr<CopyPlan> PrepareArchiveCopy(const CopyInfo& src, const CopyInfo& dst);

// `name` after `rebases` (hardlink targets get the same treatment).
std::string RebaseName(std::string name, const std::vector<Rebase>& rebases);

// filepath.Abs of `path` from `cwd`, keeping a trailing "/." or "/".
std::string ResolveLocalPath(const std::string& path, const std::string& cwd);

}  // namespace berth::cli::archive
