#include "tests/testimage/fs_tree.h"

#include <algorithm>
#include <utility>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::testimage {
namespace {

// Sort key of one path component: opaque marker, then whiteouts, then names.
int ComponentRank(std::string_view name) {
  if (name == kOpaqueWhiteout) return 0;
  if (name.starts_with(kWhiteoutPrefix)) return 1;
  return 2;
}

bool ArchiveOrder(const FsEntry* a, const FsEntry* b) {
  std::vector<std::string_view> pa = Split(a->path, '/');
  std::vector<std::string_view> pb = Split(b->path, '/');
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    if (pa[i] == pb[i]) continue;
    int ra = ComponentRank(pa[i]);
    int rb = ComponentRank(pb[i]);
    if (ra != rb) return ra < rb;
    return pa[i] < pb[i];
  }
  return pa.size() < pb.size();
}

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

absl::Status NormalizeEntryPath(std::string_view path, std::string* out) {
  for (std::string_view part : Split(path, '/', true)) {
    if (part == "..") return InvalidArgumentf("entry path {}: \"..\" is not allowed", path);
  }
  std::string clean = CleanPath(path);
  while (!clean.empty() && clean.front() == '/') clean.erase(0, 1);
  if (clean.empty() || clean == ".") return InvalidArgumentf("entry path \"{}\": empty", path);
  *out = std::move(clean);
  return absl::OkStatus();
}

absl::Status FsTree::AddParents(const std::string& path) {
  std::vector<std::string> missing;
  for (std::string parent = ParentOf(path); !parent.empty(); parent = ParentOf(parent)) {
    auto it = entries_.find(parent);
    if (it != entries_.end()) {
      if (it->second.type != FsEntry::Type::kDir) {
        return InvalidArgumentf("add {}: parent {} is not a directory", path, parent);
      }
      break;
    }
    missing.push_back(parent);
  }
  for (const std::string& dir : missing) {
    entries_[dir] = FsEntry{.type = FsEntry::Type::kDir, .path = dir, .mode = 0755};
  }
  return absl::OkStatus();
}

absl::Status FsTree::Add(FsEntry entry) {
  std::string path;
  BERTH_RETURN_IF_ERROR(NormalizeEntryPath(entry.path, &path));
  entry.path = path;
  BERTH_RETURN_IF_ERROR(AddParents(path));
  auto it = entries_.find(path);
  if (it != entries_.end() && it->second.type == FsEntry::Type::kDir &&
      entry.type != FsEntry::Type::kDir) {
    // Replacing a directory would orphan its children.
    std::string prefix = path + "/";
    auto child = entries_.lower_bound(prefix);
    if (child != entries_.end() && child->first.starts_with(prefix)) {
      return InvalidArgumentf("add {}: a non-empty directory is there", path);
    }
  }
  entries_[path] = std::move(entry);
  return absl::OkStatus();
}

absl::Status FsTree::AddDir(std::string_view path, mode_t mode) {
  return Add(FsEntry{.type = FsEntry::Type::kDir, .path = std::string(path), .mode = mode});
}

absl::Status FsTree::AddFile(std::string_view path, std::string content, mode_t mode) {
  return Add(FsEntry{.type = FsEntry::Type::kFile,
                     .path = std::string(path),
                     .mode = mode,
                     .content = std::move(content)});
}

absl::Status FsTree::AddSymlink(std::string_view path, std::string target) {
  return Add(FsEntry{.type = FsEntry::Type::kSymlink,
                     .path = std::string(path),
                     .mode = 0777,
                     .target = std::move(target)});
}

absl::Status FsTree::AddWhiteout(std::string_view path) {
  std::string clean;
  BERTH_RETURN_IF_ERROR(NormalizeEntryPath(path, &clean));
  size_t slash = clean.rfind('/');
  std::string dir = slash == std::string::npos ? "" : clean.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? clean : clean.substr(slash + 1);
  if (name.starts_with(kWhiteoutPrefix)) {
    return InvalidArgumentf("whiteout {}: name already has the whiteout prefix", path);
  }
  return AddFile(dir + std::string(kWhiteoutPrefix) + name, "", 0644);
}

absl::Status FsTree::AddOpaqueDir(std::string_view dir) {
  std::string clean;
  BERTH_RETURN_IF_ERROR(NormalizeEntryPath(dir, &clean));
  if (!Contains(clean)) BERTH_RETURN_IF_ERROR(AddDir(clean));
  return AddFile(clean + "/" + std::string(kOpaqueWhiteout), "", 0644);
}

bool FsTree::Contains(std::string_view path) const {
  std::string clean;
  if (!NormalizeEntryPath(path, &clean).ok()) return false;
  return entries_.find(clean) != entries_.end();
}

std::vector<const FsEntry*> FsTree::Sorted() const {
  std::vector<const FsEntry*> out;
  out.reserve(entries_.size());
  for (const auto& [path, entry] : entries_) out.push_back(&entry);
  std::sort(out.begin(), out.end(), ArchiveOrder);
  return out;
}

}  // namespace berth::testimage
