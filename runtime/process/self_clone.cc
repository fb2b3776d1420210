#include "runtime/process/self_clone.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/unique_fd.h"

extern char** environ;

namespace berth::runtime::process {
namespace {

constexpr int kRequiredSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

// Set for the re-execution from the sealed overlay only; the new process
// checks that its binary really is on a read-only overlay before it trusts
// the mark, and drops it from its environment.
constexpr char kOverlayMark[] = "_BERTH_RUNTIME_SEALED_OVERLAY";

// "memfd": always the copy (tests, and hosts where the overlay misbehaves).
constexpr char kSealModeEnv[] = "BERTH_RUNTIME_SEAL";

// Directories tried as the overlay's second, empty-for-our-purpose layer:
// an overlay without an upper layer needs two lower ones, and they must not
// overlap the binary's directory.
constexpr const char* kDummyLowerDirs[] = {"/dev", "/run", "/tmp"};

bool IsSealedMemfd(int fd) {
  int seals = ::fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & kRequiredSeals) == kRequiredSeals;
}

bool IsReadOnlyOverlay(int fd) {
  struct statfs fs;
  return ::fstatfs(fd, &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC &&
         (fs.f_flags & ST_RDONLY) != 0;
}

// Whether this process was re-executed from the sealed overlay: asked once,
// then the mark leaves the environment (hooks and helpers inherit it).
bool FromSealedOverlay() {
  static const bool sealed = [] {
    const char* mark = ::getenv(kOverlayMark);
    if (mark == nullptr) return false;
    ::unsetenv(kOverlayMark);
    UniqueFd exe(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
    return exe && IsReadOnlyOverlay(exe.get());
  }();
  return sealed;
}

// overlayfs lowerdir syntax: ':' separates layers, '\' escapes.
std::string EscapeLowerDir(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == ':' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The runtime binary, opened (O_PATH) through an overlayfs whose only
// layers are lower ones: its directory on top, and a dummy. Such an overlay
// is read-only at the superblock (it has nowhere to write), never attached
// to any mount tree, and no clone of it can be made writable: executing
// from it is what the sealed memfd gives, without copying the binary
// (runc 1.2's libcontainer/exeseal). Needs CAP_SYS_ADMIN and overlayfs.
absl::StatusOr<UniqueFd> OpenThroughSealedOverlay() {
  char target[4096];
  ssize_t n = ::readlink("/proc/self/exe", target, sizeof(target) - 1);
  if (n <= 0) return ErrnoErrorf(errno, "readlink /proc/self/exe");
  std::string path(target, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == std::string::npos || path.ends_with(")")) {
    // "(deleted)", or not a path at all.
    return FailedPreconditionf("runtime binary {:?} is not a plain path", path);
  }
  std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string name = path.substr(slash + 1);
  absl::Status last = absl::OkStatus();
  for (const char* dummy : kDummyLowerDirs) {
    if (dir == dummy) continue;
    UniqueFd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
    if (!fs) return ErrnoErrorf(errno, "fsopen overlay");
    std::string lower = EscapeLowerDir(dir) + ":" + EscapeLowerDir(dummy);
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir", lower.c_str(), 0) < 0) {
      last = ErrnoErrorf(errno, "overlay lowerdir={}", lower);
      continue;
    }
    // Inode number mapping across layers is of no use here, and its
    // automatic mode logs to the kernel log when the layers differ in fs.
    (void)::fsconfig(fs.get(), FSCONFIG_SET_STRING, "xino", "off", 0);
    if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
      last = ErrnoErrorf(errno, "create overlay lowerdir={}", lower);
      continue;
    }
    UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC,
                           MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
    if (!mnt) return ErrnoErrorf(errno, "fsmount overlay lowerdir={}", lower);
    UniqueFd exe(::openat(mnt.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!exe) return ErrnoErrorf(errno, "open {} through the overlay", name);
    if (!IsReadOnlyOverlay(exe.get())) {
      return FailedPreconditionf("{} through the overlay is not on a read-only overlay", name);
    }
    return exe;
  }
  return last;
}

// The classic protection: a copy in a memfd, sealed against writes.
absl::StatusOr<UniqueFd> SealedMemfdCopy() {
  UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!exe) return ErrnoErrorf(errno, "open /proc/self/exe");
  struct stat st;
  if (::fstat(exe.get(), &st) < 0) return ErrnoErrorf(errno, "stat /proc/self/exe");
  UniqueFd copy(::memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!copy) return ErrnoErrorf(errno, "memfd_create");
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = ::sendfile(copy.get(), exe.get(), &offset, static_cast<size_t>(st.st_size - offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "copy runtime binary into memfd");
    }
    if (n == 0) break;
  }
  if (::fcntl(copy.get(), F_ADD_SEALS, kRequiredSeals) < 0) {
    return ErrnoErrorf(errno, "seal runtime binary copy");
  }
  return copy;
}

}  // namespace

bool RunningFromSealedCopy() {
  if (FromSealedOverlay()) return true;
  UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  return exe && IsSealedMemfd(exe.get());
}

absl::Status EnsureSealedSelf(char** argv) {
  if (RunningFromSealedCopy()) return absl::OkStatus();
  const char* mode = ::getenv(kSealModeEnv);
  bool memfd_only = mode != nullptr && std::string_view(mode) == "memfd";
  if (absl::StatusOr<UniqueFd> overlay =
          memfd_only ? absl::CancelledError("memfd asked for") : OpenThroughSealedOverlay();
      overlay.ok()) {
    ::setenv(kOverlayMark, "1", 1);
    ::execveat(overlay->get(), "", argv, environ, AT_EMPTY_PATH);
    ::unsetenv(kOverlayMark);  // and fall back to the copy
  }
  BERTH_ASSIGN_OR_RETURN(UniqueFd copy, SealedMemfdCopy());
  ::fexecve(copy.get(), argv, environ);
  return ErrnoErrorf(errno, "re-execute from sealed runtime binary copy");
}

}  // namespace berth::runtime::process
