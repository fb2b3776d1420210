#include "containerd/core/content/writer.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_util.h"
#include "common/status.h"
#include "common/time_util.h"
#include "containerd/core/content/ingest.h"

namespace berth::containerd::content {
namespace {

absl::Status SyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "open {}", dir);
  if (::fsync(fd.get()) < 0) return ErrnoErrorf(errno, "fsync {}", dir);
  return absl::OkStatus();
}

// rename(2) that never replaces `to`: EEXIST when it exists. Falls back to a
// check then rename on filesystems without RENAME_NOREPLACE (blobs are
// immutable, so replacing one with identical bytes would be harmless anyway).
int RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  struct stat st;
  if (::lstat(to.c_str(), &st) == 0) {
    errno = EEXIST;
    return -1;
  }
  return ::rename(from.c_str(), to.c_str());
}

}  // namespace

absl::Status Writer::Open(int64_t expected_size, const Digest& expected_digest) {
  BERTH_ASSIGN_OR_RETURN(lock_, ingest::Lock(dir_, ref_));
  absl::StatusOr<IngestStatus> existing = ingest::ReadStatus(dir_, ref_);
  if (existing.ok()) {
    BERTH_ASSIGN_OR_RETURN(bool resumed, Resume(*existing, expected_size, expected_digest));
    if (resumed) return absl::OkStatus();
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }
  return Create(expected_size, expected_digest);
}

absl::StatusOr<bool> Writer::Resume(const IngestStatus& existing, int64_t expected_size,
                                    const Digest& expected_digest) {
  if (existing.ref != ref_) {
    return Internalf("ingest {} holds ref {:?}, not {:?}", dir_, existing.ref, ref_);
  }
  if (expected_size > 0 && existing.total > 0 && expected_size != existing.total) {
    return FailedPreconditionf(
        "open content writer for ref {:?}: expected size {} differs from the ingest's {}", ref_,
        expected_size, existing.total);
  }
  if (!expected_digest.empty() && !existing.expected.empty() &&
      expected_digest != existing.expected) {
    return FailedPreconditionf(
        "open content writer for ref {:?}: expected digest {} differs from the ingest's {}", ref_,
        expected_digest.str(), existing.expected.str());
  }
  data_.reset(::open(data_path_.c_str(), O_RDWR | O_CLOEXEC));
  if (!data_) {
    if (errno == ENOENT) return false;
    return ErrnoErrorf(errno, "open {}", data_path_);
  }
  total_ = existing.total;
  expected_ = existing.expected;
  // Expectations the ingest lacked are recorded for later writers.
  if (total_ == 0 && expected_size > 0) {
    BERTH_RETURN_IF_ERROR(ingest::WriteFileIn(dir_, ingest::kTotal, std::to_string(expected_size)));
    total_ = expected_size;
  }
  if (expected_.empty() && !expected_digest.empty()) {
    BERTH_RETURN_IF_ERROR(ingest::WriteFileIn(dir_, ingest::kExpected, expected_digest.str()));
    expected_ = expected_digest;
  }
  struct stat st;
  if (::fstat(data_.get(), &st) < 0) return ErrnoErrorf(errno, "stat {}", data_path_);
  BERTH_RETURN_IF_ERROR(Rehash(st.st_size));
  return true;
}

absl::Status Writer::Create(int64_t expected_size, const Digest& expected_digest) {
  // Also for an ingest whose creation never finished: start from nothing,
  // and write the ref last, as it marks the ingest complete.
  for (const char* name : {ingest::kRef, ingest::kTotal, ingest::kExpected}) {
    std::string path = JoinPath(dir_, name);
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
      return ErrnoErrorf(errno, "remove {}", path);
    }
  }
  data_.reset(::open(data_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!data_) return ErrnoErrorf(errno, "create {}", data_path_);
  total_ = expected_size;
  expected_ = expected_digest;
  hash_.Reset();
  offset_ = 0;
  std::string now = ingest::FormatTime(ingest::FromTimespec(RealtimeNow()));
  BERTH_RETURN_IF_ERROR(ingest::WriteFileIn(dir_, ingest::kStartedAt, now));
  BERTH_RETURN_IF_ERROR(ingest::WriteFileIn(dir_, ingest::kUpdatedAt, now));
  if (total_ > 0) {
    BERTH_RETURN_IF_ERROR(ingest::WriteFileIn(dir_, ingest::kTotal, std::to_string(total_)));
  }
  if (!expected_.empty()) {
    BERTH_RETURN_IF_ERROR(ingest::WriteFileIn(dir_, ingest::kExpected, expected_.str()));
  }
  return ingest::WriteFileIn(dir_, ingest::kRef, ref_);
}

absl::Status Writer::CheckOpen() const {
  if (closed_) return FailedPreconditionf("content writer for ref {:?} is closed", ref_);
  return absl::OkStatus();
}

absl::Status Writer::Rehash(int64_t size) {
  hash_.Reset();
  offset_ = 0;
  BERTH_ASSIGN_OR_RETURN(int64_t hashed, ingest::HashFile(data_.get(), data_path_, size, hash_));
  offset_ = hashed;
  if (hashed != size) {
    return absl::DataLossError(
        fmt::format("{}: {} bytes expected, {} found", data_path_, size, hashed));
  }
  return absl::OkStatus();
}

absl::Status Writer::Write(std::string_view data) {
  BERTH_RETURN_IF_ERROR(CheckOpen());
  if (total_ > 0 && offset_ + static_cast<int64_t>(data.size()) > total_) {
    return FailedPreconditionf(
        "write to ref {:?}: {} bytes at offset {} exceed the expected size {}", ref_, data.size(),
        offset_, total_);
  }
  bool wrote = !data.empty();
  while (!data.empty()) {
    ssize_t n = ::pwrite(data_.get(), data.data(), data.size(), offset_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "write {}", data_path_);
    }
    // Hash exactly what reached the file, so a failure half-way leaves
    // offset, hash and file in agreement.
    hash_.Update(data.substr(0, static_cast<size_t>(n)));
    offset_ += n;
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (!wrote) return absl::OkStatus();
  return ingest::WriteFileIn(dir_, ingest::kUpdatedAt,
                             ingest::FormatTime(ingest::FromTimespec(RealtimeNow())));
}

absl::StatusOr<int64_t> Writer::WriteFrom(int fd) {
  BERTH_RETURN_IF_ERROR(CheckOpen());
  std::string buf(ingest::kChunkSize, '\0');
  int64_t copied = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "read source for ref {:?} at byte {}", ref_, copied);
    }
    if (n == 0) return copied;
    BERTH_RETURN_IF_ERROR(Write(std::string_view(buf.data(), static_cast<size_t>(n))));
    copied += n;
  }
}

absl::Status Writer::Truncate(int64_t size) {
  BERTH_RETURN_IF_ERROR(CheckOpen());
  if (size < 0 || size > offset_) {
    return InvalidArgumentf("truncate ref {:?} to {}: must be between 0 and the offset {}", ref_,
                            size, offset_);
  }
  if (::ftruncate(data_.get(), size) < 0) {
    return ErrnoErrorf(errno, "truncate {} to {}", data_path_, size);
  }
  return Rehash(size);
}

absl::Status Writer::Commit(int64_t size, const Digest& expected) {
  BERTH_RETURN_IF_ERROR(CheckOpen());
  int64_t want_size = size > 0 ? size : total_;
  if (want_size > 0 && offset_ != want_size) {
    return FailedPreconditionf("commit ref {:?}: size {} does not match the expected size {}", ref_,
                               offset_, want_size);
  }
  Digest actual = hash_.Current();
  const Digest& want = expected.empty() ? expected_ : expected;
  if (!want.empty() && actual != want) {
    return FailedPreconditionf("commit ref {:?}: digest {} does not match the expected digest {}",
                               ref_, actual.str(), want.str());
  }

  // Held before it is published, so no collection sees it unheld.
  if (hold_blob_) BERTH_RETURN_IF_ERROR(hold_blob_(actual));
  if (::fsync(data_.get()) < 0) return ErrnoErrorf(errno, "fsync {}", data_path_);
  if (::fchmod(data_.get(), 0444) < 0) return ErrnoErrorf(errno, "chmod {}", data_path_);
  // The commit time is the blob's creation time (BlobInfo::created_at).
  if (::futimens(data_.get(), nullptr) < 0) return ErrnoErrorf(errno, "touch {}", data_path_);

  std::string target = JoinPath(blobs_dir_, actual.hex());
  if (RenameNoReplace(data_path_, target) < 0) {
    int err = errno;
    if (err == EEXIST) {
      closed_ = true;
      data_.reset();
      absl::Status removed = ingest::Remove(dir_);
      lock_.reset();
      if (!removed.ok()) return WithContext(removed, fmt::format("commit ref {:?}", ref_));
      return AlreadyExistsf("content {} already exists", actual.str());
    }
    // Keep the ingest resumable: writable again, as a later writer opens it.
    (void)::fchmod(data_.get(), 0644);
    return ErrnoErrorf(err, "rename {} to {}", data_path_, target);
  }
  closed_ = true;
  data_.reset();
  absl::Status status = SyncDir(blobs_dir_);
  absl::Status removed = ingest::Remove(dir_);
  lock_.reset();
  if (status.ok()) status = removed;
  return WithContext(status, fmt::format("commit ref {:?} as {}", ref_, actual.str()));
}

}  // namespace berth::containerd::content
