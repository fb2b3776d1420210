#include "cli/archive/tar_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "cli/archive/tar_writer.h"
#include "common/status.h"

namespace berth::cli::archive {
namespace {

constexpr size_t kPiece = 64 * 1024;

absl::StatusOr<std::vector<std::string>> SortedNames(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {}", path);
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int e = errno;
    close(fd);
    return ErrnoErrorf(e, "open {}", path);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* d = readdir(dir)) {
    std::string n = d->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  int e = errno;
  closedir(dir);
  if (e != 0) return ErrnoErrorf(e, "read directory {}", path);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalTarSource>> LocalTarSource::Create(
    const std::string& path, std::vector<Rebase> rebases) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return ErrnoErrorf(errno, "lstat {}", path);
  auto [dir, base] = SplitPathDirEntry(path);
  std::string root = base == "." ? dir : (dir == "/" ? "/" + base : dir + "/" + base);
  return std::unique_ptr<LocalTarSource>(new LocalTarSource(root, base, std::move(rebases)));
}

absl::StatusOr<std::string> LocalTarSource::Next() {
  BERTH_ASSIGN_OR_RETURN(std::string piece, Produce());
  bytes_ += static_cast<int64_t>(piece.size());
  return piece;
}

absl::StatusOr<std::string> LocalTarSource::Produce() {
  for (;;) {
    if (file_) {
      BERTH_ASSIGN_OR_RETURN(std::string data, ReadData());
      if (!data.empty()) return data;
      file_.reset();
      std::string pad = TarPadding(file_size_);
      if (!pad.empty()) return pad;
      continue;
    }
    if (!started_) {
      started_ = true;
      return Add(root_path_, root_name_);
    }
    while (!stack_.empty() && stack_.back().next == stack_.back().children.size()) {
      stack_.pop_back();
    }
    if (stack_.empty()) {
      if (finished_) return std::string();
      finished_ = true;
      return TarTrailer();
    }
    Dir& top = stack_.back();
    const std::string& child = top.children[top.next++];
    std::string path = top.path == "/" ? "/" + child : top.path + "/" + child;
    std::string name = top.name + "/" + child;
    BERTH_ASSIGN_OR_RETURN(std::string header, Add(path, name));
    if (!header.empty()) return header;
  }
}

absl::StatusOr<std::string> LocalTarSource::Add(const std::string& path, const std::string& name) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return ErrnoErrorf(errno, "lstat {}", path);
  TarEntry e;
  e.name = name;
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.mtime = st.st_mtim.tv_sec;  // whole seconds, as docker's FileInfoHeader
  switch (st.st_mode & S_IFMT) {
    case S_IFREG:
      e.type = TarType::kRegular;
      e.size = st.st_size;
      break;
    case S_IFDIR:
      e.type = TarType::kDirectory;
      break;
    case S_IFLNK: {
      e.type = TarType::kSymlink;
      char buf[PATH_MAX];
      ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
      if (n < 0) return ErrnoErrorf(errno, "readlink {}", path);
      e.link_name.assign(buf, static_cast<size_t>(n));
      break;
    }
    case S_IFCHR:
    case S_IFBLK:
      e.type = S_ISCHR(st.st_mode) ? TarType::kChar : TarType::kBlock;
      e.dev_major = major(st.st_rdev);
      e.dev_minor = minor(st.st_rdev);
      break;
    case S_IFIFO:
      e.type = TarType::kFifo;
      break;
    default:
      return std::string();  // sockets have no tar form; docker skips them
  }
  if (e.type == TarType::kDirectory && !e.name.ends_with("/")) e.name += '/';
  e.name = RebaseName(e.name, rebases_);
  if (e.type != TarType::kDirectory && st.st_nlink > 1) {
    auto [it, fresh] = seen_.try_emplace({st.st_dev, st.st_ino}, e.name);
    if (!fresh) {
      e.type = TarType::kHardlink;
      e.link_name = it->second;
      e.size = 0;
    }
  }
  if (e.type == TarType::kRegular && e.size > 0) {
    int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoErrorf(errno, "open {}", path);
    file_.reset(fd);
    file_path_ = path;
    file_size_ = file_left_ = e.size;
  }
  if (e.type == TarType::kDirectory) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> children, SortedNames(path));
    stack_.push_back({path, name, std::move(children)});
  }
  return EncodeTarHeader(e);
}

absl::StatusOr<std::string> LocalTarSource::ReadData() {
  if (file_left_ == 0) return std::string();
  std::string buf(static_cast<size_t>(std::min<int64_t>(file_left_, kPiece)), '\0');
  ssize_t n;
  do {
    n = read(file_.get(), buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "read {}", file_path_);
  if (n == 0) return FailedPreconditionf("{} shrank while it was archived", file_path_);
  buf.resize(static_cast<size_t>(n));
  file_left_ -= n;
  return buf;
}

}  // namespace berth::cli::archive
