#include "cli/commands/stream_output.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/cleanup/cleanup.h"
#include "cli/term/stdcopy.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli {

absl::Status CopyStream(client::BodyStream& stream, int fd) {
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::string piece, stream.Read());
    if (piece.empty()) return absl::OkStatus();
    BERTH_RETURN_IF_ERROR(term::WriteAllFd(fd, piece, "output"));
  }
}

absl::Status CopyStreamToFile(client::BodyStream& stream, const std::string& path,
                              const std::string& what) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmp = dir + (dir.ends_with("/") ? "" : "/") + "." + base + ".XXXXXX";
  UniqueFd fd(mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.ok()) return ErrnoErrorf(errno, "{}: create {}", what, tmp);
  absl::Cleanup remove_tmp = [&tmp] { unlink(tmp.c_str()); };
  if (fchmod(fd.get(), 0600) != 0) return ErrnoErrorf(errno, "chmod {}", tmp);
  BERTH_RETURN_IF_ERROR(CopyStream(stream, fd.get()));
  if (fsync(fd.get()) != 0) return ErrnoErrorf(errno, "fsync {}", tmp);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return ErrnoErrorf(errno, "{}: rename {} to {}", what, tmp, path);
  }
  std::move(remove_tmp).Cancel();
  return absl::OkStatus();
}

}  // namespace berth::cli
