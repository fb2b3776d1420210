#include "runtime/process/self_clone.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/status.h"
#include "common/unique_fd.h"

extern char** environ;

namespace berth::runtime::process {
namespace {

constexpr int kRequiredSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

}  // namespace

bool RunningFromSealedCopy() {
  UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!exe) return false;
  int seals = ::fcntl(exe.get(), F_GET_SEALS);
  return seals >= 0 && (seals & kRequiredSeals) == kRequiredSeals;
}

absl::Status EnsureSealedSelf(char** argv) {
  UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!exe) return ErrnoErrorf(errno, "open /proc/self/exe");
  int seals = ::fcntl(exe.get(), F_GET_SEALS);
  if (seals >= 0 && (seals & kRequiredSeals) == kRequiredSeals) return absl::OkStatus();

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
  ::fexecve(copy.get(), argv, environ);
  return ErrnoErrorf(errno, "re-execute from sealed runtime binary copy");
}

}  // namespace berth::runtime::process
