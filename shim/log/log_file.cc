#include "shim/log/log_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "common/status.h"

namespace berth::shim::logs {
namespace {

// A batch past this is written before more is added: memory stays bounded
// when one call hands over a huge chunk.
constexpr size_t kMaxBatch = 1 << 20;
// More than one read's worth of records (64 KiB of plain text makes ~110 KiB).
constexpr size_t kKeptBatchCapacity = 256 << 10;

// docker's json-file and containerd's CRI logger both create with 0640.
constexpr mode_t kLogFileMode = 0640;

absl::StatusOr<UniqueFd> OpenForAppend(const std::string& path, int extra_flags) {
  UniqueFd fd(
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | extra_flags, kLogFileMode));
  if (!fd) return ErrnoErrorf(errno, "open {}", path);
  return fd;
}

absl::StatusOr<int64_t> FileSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) < 0) return ErrnoErrorf(errno, "stat {}", path);
  return static_cast<int64_t>(st.st_size);
}

// A file missing from the chain is not an error: the chain fills up over the
// first rotations.
absl::Status RenameIfExists(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) < 0 && errno != ENOENT) {
    return ErrnoErrorf(errno, "rename {} to {}", from, to);
  }
  return absl::OkStatus();
}

absl::Status UnlinkIfExists(const std::string& path) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return ErrnoErrorf(errno, "remove {}", path);
  return absl::OkStatus();
}

}  // namespace

LogFile::LogFile(std::string path, Limits limits, UniqueFd fd, int64_t size)
    : path_(std::move(path)), limits_(limits), fd_(std::move(fd)), size_(size) {}

absl::StatusOr<LogFile> LogFile::Open(std::string path, Limits limits) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenForAppend(path, 0));
  BERTH_ASSIGN_OR_RETURN(int64_t size, FileSize(fd.get(), path));
  return LogFile(std::move(path), limits, std::move(fd), size);
}

absl::Status LogFile::EndRecord(size_t begin) {
  const bool would_overflow = limits_.max_size > 0 &&
                              size_ + static_cast<int64_t>(batch_.size()) > limits_.max_size &&
                              size_ + static_cast<int64_t>(begin) > 0;
  if (would_overflow) {
    BERTH_RETURN_IF_ERROR(WriteOut(begin));
    if (absl::Status rotated = Rotate(); !rotated.ok()) {
      batch_.clear();
      return WithContext(rotated, "rotate " + path_);
    }
  }
  if (batch_.size() >= kMaxBatch) return Flush();
  return absl::OkStatus();
}

absl::Status LogFile::Flush() {
  absl::Status status = WriteOut(batch_.size());
  // A burst (a huge chunk, or one full of escapes) leaves a large buffer
  // behind; a shim that idles afterwards should not keep it.
  if (batch_.capacity() > kKeptBatchCapacity) std::string().swap(batch_);
  return status;
}

absl::Status LogFile::WriteOut(size_t n) {
  const char* p = batch_.data();
  size_t left = n;
  while (left > 0) {
    ssize_t written = ::write(fd_.get(), p, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      batch_.clear();
      return ErrnoErrorf(err, "write {}", path_);
    }
    size_ += written;
    p += written;
    left -= static_cast<size_t>(written);
  }
  batch_.erase(0, n);
  return absl::OkStatus();
}

// As docker: drop the oldest, shift the others up by one, move the current
// file to .1 and start an empty one. With a single file the current one is
// unlinked rather than truncated, so a reader that has it open keeps what it
// was reading. If a step fails nothing is truncated: the records that do not
// fit are dropped until a later rotation succeeds, so the file stays within
// max_size and nothing already written is lost.
absl::Status LogFile::Rotate() {
  if (limits_.max_files >= 2) {
    BERTH_RETURN_IF_ERROR(UnlinkIfExists(fmt::format("{}.{}", path_, limits_.max_files - 1)));
    for (int i = limits_.max_files - 1; i > 1; --i) {
      BERTH_RETURN_IF_ERROR(
          RenameIfExists(fmt::format("{}.{}", path_, i - 1), fmt::format("{}.{}", path_, i)));
    }
    BERTH_RETURN_IF_ERROR(RenameIfExists(path_, path_ + ".1"));
  } else {
    BERTH_RETURN_IF_ERROR(UnlinkIfExists(path_));
  }
  BERTH_ASSIGN_OR_RETURN(fd_, OpenForAppend(path_, O_TRUNC));
  size_ = 0;
  return absl::OkStatus();
}

absl::Status LogFile::Reopen() {
  BERTH_RETURN_IF_ERROR(Flush());
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenForAppend(path_, 0));
  BERTH_ASSIGN_OR_RETURN(int64_t size, FileSize(fd.get(), path_));
  fd_ = std::move(fd);
  size_ = size;
  return absl::OkStatus();
}

}  // namespace berth::shim::logs
