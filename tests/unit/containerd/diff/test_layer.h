// Builds layer tarballs for the diff tests with libarchive's writer, which
// writes names exactly as given ("../../etc/x" included), plus small
// helpers to feed them to ApplyLayer and inspect the result.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "containerd/core/diff/diff.h"

namespace berth::containerd::diff::testing {

struct TarEntry {
  std::string name;
  mode_t type = AE_IFREG;
  mode_t perm = 0644;
  std::string data;      // regular files
  std::string symlink;   // AE_IFLNK target
  std::string hardlink;  // set: a hardlink entry to this name
  uid_t uid = getuid();
  gid_t gid = getgid();
  int64_t mtime = 1700000000;
  unsigned dev_major = 0, dev_minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

inline TarEntry File(std::string name, std::string data, mode_t perm = 0644) {
  return {.name = std::move(name), .perm = perm, .data = std::move(data)};
}
inline TarEntry Dir(std::string name, mode_t perm = 0755) {
  return {.name = std::move(name), .type = AE_IFDIR, .perm = perm};
}
inline TarEntry Symlink(std::string name, std::string target) {
  return {.name = std::move(name), .type = AE_IFLNK, .perm = 0777, .symlink = std::move(target)};
}
inline TarEntry Hardlink(std::string name, std::string target) {
  return {.name = std::move(name), .hardlink = std::move(target)};
}

inline la_ssize_t AppendTo(struct archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// A pax tar of `entries`, in order.
inline std::string BuildTar(const std::vector<TarEntry>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open2(a, &out, nullptr, AppendTo, nullptr, nullptr);
  for (const TarEntry& t : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.name.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, t.perm);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, 0);
    archive_entry_set_size(
        e, t.type == AE_IFREG && t.hardlink.empty() ? static_cast<la_int64_t>(t.data.size()) : 0);
    if (!t.symlink.empty()) archive_entry_set_symlink(e, t.symlink.c_str());
    if (!t.hardlink.empty()) archive_entry_set_hardlink(e, t.hardlink.c_str());
    archive_entry_set_rdevmajor(e, t.dev_major);
    archive_entry_set_rdevminor(e, t.dev_minor);
    for (const auto& [key, value] : t.xattrs) {
      archive_entry_xattr_add_entry(e, key.c_str(), value.data(), value.size());
    }
    archive_write_header(a, e);
    if (t.type == AE_IFREG && t.hardlink.empty() && !t.data.empty()) {
      archive_write_data(a, t.data.data(), t.data.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

inline std::string Compress(std::string_view data, Compression compression) {
  if (compression == Compression::kNone) return std::string(data);
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  if (compression == Compression::kGzip) {
    archive_write_add_filter_gzip(a);
  } else {
    archive_write_add_filter_zstd(a);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open2(a, &out, nullptr, AppendTo, nullptr, nullptr);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_pathname(e, "layer");
  archive_write_header(a, e);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// An in-memory file holding `data`, positioned at 0.
inline UniqueFd MemFd(std::string_view data) {
  UniqueFd fd(memfd_create("layer", MFD_CLOEXEC));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd.get(), data.data() + done, data.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

inline absl::StatusOr<ApplyResult> ApplyBytes(std::string_view layer, const std::string& root,
                                              ApplyOptions options = {
                                                  .whiteouts = WhiteoutMode::kDelete}) {
  UniqueFd fd = MemFd(layer);
  return ApplyLayer(fd.get(), root, options);
}

inline std::string ReadAll(int fd) {
  std::string out;
  lseek(fd, 0, SEEK_SET);
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

inline bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace berth::containerd::diff::testing

#include <dirent.h>

#include <map>

#include "common/file_util.h"

namespace berth::containerd::diff::testing {

// Every path below `root` with its type, mode, owner, mtime (except for
// directories), and content or target: two equal maps mean equal trees.
inline void ListTreeInto(const std::string& root, const std::string& rel,
                         std::map<std::string, std::string>& out) {
  std::string dir_path = rel.empty() ? root : root + "/" + rel;
  DIR* dir = opendir(dir_path.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> names;
  while (struct dirent* d = readdir(dir)) {
    std::string name = d->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  for (const std::string& name : names) {
    std::string child = rel.empty() ? name : rel + "/" + name;
    std::string path = root + "/" + child;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    std::string desc = fmt::format("mode={:o} uid={} gid={}", st.st_mode, st.st_uid, st.st_gid);
    if (S_ISREG(st.st_mode)) {
      desc += " mtime=" + std::to_string(st.st_mtim.tv_sec);
      desc += " data=" + ReadFile(path).value_or("?");
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlink(path.c_str(), target, sizeof(target));
      desc += " -> " + std::string(target, n > 0 ? static_cast<size_t>(n) : 0);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      desc += " rdev=" + std::to_string(st.st_rdev);
    } else if (S_ISDIR(st.st_mode)) {
      desc += " mtime=" + std::to_string(st.st_mtim.tv_sec);
    }
    out[child] = desc;
    if (S_ISDIR(st.st_mode)) ListTreeInto(root, child, out);
  }
}

inline std::map<std::string, std::string> ListTree(const std::string& root) {
  std::map<std::string, std::string> out;
  ListTreeInto(root, "", out);
  return out;
}

}  // namespace berth::containerd::diff::testing
