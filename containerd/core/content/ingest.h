// The on-disk ingest directory the store and its writers share (internal to
// this library). ROOT/ingest/<sha256 hex of ref>/ holds:
//   data       the bytes written so far (its size is the offset)
//   ref        the ref, written last when the ingest is created: an ingest
//              without it is unfinished and is started over
//   total      the expected size (absent when unknown)
//   expected   the expected digest (absent when unknown)
//   startedat  updatedat   RFC 3339 times
//   lock       flock(2)ed by the one writer of the ref; the kernel drops the
//              lock with the process, so a crash never leaves a ref locked
// Removal renames the directory to "<hex>.removing-..." first, under the
// lock, so a writer that locked the old directory notices (its lock file is
// no longer at the path) and never writes into a directory being deleted.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "containerd/core/content/types.h"

namespace berth::containerd::content::ingest {

inline constexpr char kData[] = "data";
inline constexpr char kRef[] = "ref";
inline constexpr char kTotal[] = "total";
inline constexpr char kExpected[] = "expected";
inline constexpr char kStartedAt[] = "startedat";
inline constexpr char kUpdatedAt[] = "updatedat";
inline constexpr char kLock[] = "lock";
inline constexpr char kRemovingMarker[] = ".removing-";

// The ingest directory's name for `ref`.
std::string DirName(const std::string& ref);

// Creates `dir` if needed and takes its lock without waiting: Unavailable
// "ref locked" when another writer (in this process or another) holds it.
absl::StatusOr<UniqueFd> Lock(const std::string& dir, const std::string& ref);

// Removes an ingest directory whose lock the caller holds.
absl::Status Remove(const std::string& dir);

// Writes one of the ingest's small files by rename, so that status readers,
// which take no lock, never see it half-written.
absl::Status WriteFileIn(const std::string& dir, const char* name, std::string_view data);

// The status of the ingest in `dir`; NotFound naming `ref_hint` when there is
// none (or it was never finished being created).
absl::StatusOr<IngestStatus> ReadStatus(const std::string& dir, const std::string& ref_hint);

// The buffer size for copying and hashing: blobs go through in chunks of
// this size, never whole.
inline constexpr size_t kChunkSize = 1 << 20;

// Feeds `hash` the bytes of `fd` from offset 0 up to `limit` (negative: to
// end of file) with pread, a chunk at a time. Returns the bytes hashed.
absl::StatusOr<int64_t> HashFile(int fd, const std::string& path, int64_t limit, Sha256& hash);

Timestamp FromTimespec(const struct timespec& ts);
std::string FormatTime(Timestamp t);
absl::StatusOr<Timestamp> ParseTime(const std::string& text);

}  // namespace berth::containerd::content::ingest
