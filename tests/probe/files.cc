// File commands: cat, write, stat, ls.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>

#include "tests/probe/json_out.h"
#include "tests/probe/probe.h"

namespace berth::probe {
namespace {

const char* TypeName(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "symlink";
    case S_IFCHR:
      return "char";
    case S_IFBLK:
      return "block";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "socket";
    default:
      return "unknown";
  }
}

int PrintFailure(int err) { return Print(Object().Int("errno", err).Str("error", strerror(err))); }

}  // namespace

int CmdCat(const Args& args) {
  int fd = open(args[0].c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Failure("cat " + args[0] + ": " + strerror(errno));
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return Failure("cat " + args[0] + ": " + strerror(err));
    }
    if (n == 0) break;
    if (!WriteAll(STDOUT_FILENO, std::string_view(buf, static_cast<size_t>(n)))) {
      close(fd);
      return Failure(std::string("cat: write stdout: ") + strerror(errno));
    }
  }
  close(fd);
  return 0;
}

int CmdWrite(const Args& args) {
  int fd = open(args[0].c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return PrintErrno(-1, errno);
  ssize_t n;
  do {
    n = write(fd, args[1].data(), args[1].size());
  } while (n < 0 && errno == EINTR);
  int err = n < 0 ? errno : 0;
  close(fd);
  return PrintErrno(n, err);
}

int PrintStat(const struct stat& st) {
  return Print(Object()
                   .Int("mode", st.st_mode & 07777)
                   .Int("uid", st.st_uid)
                   .Int("gid", st.st_gid)
                   .Str("type", TypeName(st.st_mode))
                   .Int("size", st.st_size)
                   .Int("rdev_major", major(st.st_rdev))
                   .Int("rdev_minor", minor(st.st_rdev)));
}

int CmdStat(const Args& args) {
  struct stat st;
  if (stat(args[0].c_str(), &st) < 0) return PrintFailure(errno);
  return PrintStat(st);
}

int CmdLstat(const Args& args) {
  struct stat st;
  if (lstat(args[0].c_str(), &st) < 0) return PrintFailure(errno);
  return PrintStat(st);
}

int CmdLs(const Args& args) {
  DIR* dir = opendir(args[0].c_str());
  if (dir == nullptr) return PrintFailure(errno);
  std::vector<std::string> entries;
  while (struct dirent* e = readdir(dir)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") entries.emplace_back(name);
  }
  closedir(dir);
  std::sort(entries.begin(), entries.end());
  return Print(Object().Strs("entries", entries));
}

}  // namespace berth::probe
