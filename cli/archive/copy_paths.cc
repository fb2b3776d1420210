#include "cli/archive/copy_paths.h"

#include "common/file_util.h"

namespace berth::cli::archive {
namespace {

bool HasTrailingSeparator(const std::string& path) { return !path.empty() && path.back() == '/'; }

bool SpecifiesCurrentDir(const std::string& path) { return PathBase(path) == "."; }

}  // namespace

std::string PathDir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  return CleanPath(dir.empty() ? "." : dir);
}

std::string PathBase(const std::string& path) {
  if (path.empty()) return ".";
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return "/";
  std::string trimmed = path.substr(0, end + 1);
  size_t slash = trimmed.rfind('/');
  return slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
}

std::string PreserveTrailingDotOrSeparator(const std::string& cleaned,
                                           const std::string& original) {
  std::string out = cleaned;
  if (!SpecifiesCurrentDir(out) && SpecifiesCurrentDir(original)) {
    if (!HasTrailingSeparator(out)) out += '/';
    out += '.';
  }
  if (!HasTrailingSeparator(out) && HasTrailingSeparator(original)) out += '/';
  return out;
}

bool AssertsDirectory(const std::string& path) {
  return HasTrailingSeparator(path) || SpecifiesCurrentDir(path);
}

std::pair<std::string, std::string> SplitPathDirEntry(const std::string& path) {
  std::string cleaned = CleanPath(path);
  if (SpecifiesCurrentDir(path)) cleaned += "/.";
  return {PathDir(cleaned), PathBase(cleaned)};
}

std::pair<std::string, std::string> GetRebaseName(const std::string& path,
                                                  const std::string& resolved) {
  std::string out = resolved;
  if (SpecifiesCurrentDir(path) && !SpecifiesCurrentDir(out)) out += "/.";
  if (HasTrailingSeparator(path) && !HasTrailingSeparator(out)) out += '/';
  std::string rebase;
  if (PathBase(path) != PathBase(out)) rebase = PathBase(path);
  return {out, rebase};
}

absl::StatusOr<CopyPlan> PrepareArchiveCopy(const CopyInfo& src, const CopyInfo& dst) {
  auto [dst_dir, dst_base] = SplitPathDirEntry(dst.path);
  std::string src_base = SplitPathDirEntry(src.path).second;
  if (!src.rebase_name.empty()) src_base = src.rebase_name;
  if (dst.exists && dst.is_dir) return CopyPlan{dst.path, {}};
  if (dst.exists && src.is_dir) return absl::InvalidArgumentError("cannot copy directory");
  if (!dst.exists && !src.is_dir && AssertsDirectory(dst.path)) {
    return absl::NotFoundError("no such directory");
  }
  // The entry takes the destination's name, extracted into its parent.
  return CopyPlan{dst_dir, {{src_base == "/" ? "" : src_base, dst_base}}};
}

std::string RebaseName(std::string name, const std::vector<Rebase>& rebases) {
  for (const Rebase& r : rebases) {
    size_t at = name.find(r.from);
    if (at != std::string::npos) name.replace(at, r.from.size(), r.to);
  }
  return name;
}

std::string ResolveLocalPath(const std::string& path, const std::string& cwd) {
  std::string abs = path.starts_with("/") ? CleanPath(path) : CleanPath(JoinPath(cwd, path));
  return PreserveTrailingDotOrSeparator(abs, path);
}

}  // namespace berth::cli::archive
