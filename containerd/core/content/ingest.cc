#include "containerd/core/content/ingest.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <optional>
#include <utility>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"

namespace berth::containerd::content::ingest {
namespace {

// Each retry means the directory was removed between our open and flock;
// that happens at most once per concurrent Commit/Abort.
constexpr int kLockAttempts = 16;

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

absl::StatusOr<std::optional<std::string>> ReadOptionalFile(const std::string& path) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok() && ErrnoOf(data.status()) == ENOENT) return std::optional<std::string>();
  if (!data.ok()) return data.status();
  return std::optional<std::string>(*std::move(data));
}

}  // namespace

absl::StatusOr<int64_t> HashFile(int fd, const std::string& path, int64_t limit, Sha256& hash) {
  std::string buf(kChunkSize, '\0');
  int64_t done = 0;
  while (limit < 0 || done < limit) {
    size_t want = buf.size();
    if (limit >= 0) want = std::min(want, static_cast<size_t>(limit - done));
    ssize_t n = ::pread(fd, buf.data(), want, done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "read {}", path);
    }
    if (n == 0) break;
    hash.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
    done += n;
  }
  return done;
}

absl::Status WriteFileIn(const std::string& dir, const char* name, std::string_view data) {
  return WriteFileAtomic(JoinPath(dir, name), data, 0644, Durability::kProcessCrash);
}

std::string DirName(const std::string& ref) { return Digest::Of(ref).hex(); }

Timestamp FromTimespec(const struct timespec& ts) {
  return Timestamp(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

std::string FormatTime(Timestamp t) {
  auto nanos = t.time_since_epoch().count();
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(nanos / 1000000000);
  ts.tv_nsec = static_cast<long>(nanos % 1000000000);
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1000000000;
    --ts.tv_sec;
  }
  return FormatRfc3339Nano(ts);
}

absl::StatusOr<Timestamp> ParseTime(const std::string& text) {
  BERTH_ASSIGN_OR_RETURN(struct timespec ts, ParseRfc3339(std::string(TrimSpace(text))));
  return FromTimespec(ts);
}

absl::StatusOr<UniqueFd> Lock(const std::string& dir, const std::string& ref) {
  std::string lock_path = JoinPath(dir, kLock);
  for (int attempt = 0; attempt < kLockAttempts; ++attempt) {
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
      return ErrnoErrorf(errno, "create ingest {} for ref {:?}", dir, ref);
    }
    UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) {
      if (errno == ENOENT) continue;  // removed under us: start over
      return ErrnoErrorf(errno, "open {}", lock_path);
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) {
      if (errno == EWOULDBLOCK) {
        return absl::UnavailableError(
            fmt::format("ingest for ref {:?}: ref locked by another writer", ref));
      }
      return ErrnoErrorf(errno, "flock {}", lock_path);
    }
    // The lock counts only if its file is still the one at the path: a
    // Commit or Abort may have renamed the directory away meanwhile.
    struct stat held, current;
    if (::fstat(fd.get(), &held) < 0) return ErrnoErrorf(errno, "stat {}", lock_path);
    if (::stat(lock_path.c_str(), &current) < 0) {
      if (errno == ENOENT) continue;
      return ErrnoErrorf(errno, "stat {}", lock_path);
    }
    if (SameFile(held, current)) return fd;
  }
  return absl::UnavailableError(
      fmt::format("ingest for ref {:?}: ingest keeps being removed while locking it", ref));
}

absl::Status Remove(const std::string& dir) {
  static std::atomic<uint64_t> counter{0};
  std::string trash = fmt::format("{}{}{}-{}", dir, kRemovingMarker, ::getpid(), ++counter);
  if (::rename(dir.c_str(), trash.c_str()) < 0) {
    return ErrnoErrorf(errno, "rename {} to {}", dir, trash);
  }
  return RemoveAll(trash);
}

absl::StatusOr<IngestStatus> ReadStatus(const std::string& dir, const std::string& ref_hint) {
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> ref, ReadOptionalFile(JoinPath(dir, kRef)));
  if (!ref) return NotFoundf("ingest for ref {:?}: not found", ref_hint);
  IngestStatus status;
  status.ref = *std::move(ref);

  std::string data_path = JoinPath(dir, kData);
  struct stat st;
  if (::stat(data_path.c_str(), &st) == 0) {
    status.offset = st.st_size;
    status.updated_at = FromTimespec(st.st_mtim);
  } else if (errno != ENOENT) {  // ENOENT: a commit renamed it a moment ago
    return ErrnoErrorf(errno, "stat {}", data_path);
  }

  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> total, ReadOptionalFile(JoinPath(dir, kTotal)));
  if (total) {
    std::optional<int64_t> n = ParseInt64(TrimSpace(*total));
    if (!n || *n < 0) return Internalf("{}: invalid size {:?}", JoinPath(dir, kTotal), *total);
    status.total = *n;
  }
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> expected,
                         ReadOptionalFile(JoinPath(dir, kExpected)));
  if (expected) {
    absl::StatusOr<Digest> d = Digest::Parse(TrimSpace(*expected));
    if (!d.ok()) return WithContext(d.status(), JoinPath(dir, kExpected));
    status.expected = *std::move(d);
  }
  for (auto [name, field] :
       {std::pair{kStartedAt, &status.started_at}, std::pair{kUpdatedAt, &status.updated_at}}) {
    BERTH_ASSIGN_OR_RETURN(std::optional<std::string> text, ReadOptionalFile(JoinPath(dir, name)));
    if (!text) continue;
    absl::StatusOr<Timestamp> t = ParseTime(*text);
    if (!t.ok()) return WithContext(t.status(), JoinPath(dir, name));
    *field = *t;
  }
  return status;
}

}  // namespace berth::containerd::content::ingest
