// A resumable write of one blob into the content store (containerd's
// content.Writer over plugins/content/local/writer.go). Get one from
// Store::OpenWriter; it holds the ref's lock until it is destroyed.
//
//   BERTH_ASSIGN_OR_RETURN(std::unique_ptr<Writer> w, store.OpenWriter(ref, size, digest));
//   BERTH_RETURN_IF_ERROR(w->WriteFrom(fd).status());  // continues at w->offset()
//   absl::Status s = w->Commit(size, digest);          // AlreadyExists: someone else had it
//
// Destroying a writer without committing keeps the ingest on disk: the next
// writer for the same ref (in this process or after a restart) continues at
// its offset, rehashing the data already there once. A Writer is used by
// one thread at a time; the Store's methods are safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "containerd/core/content/digest.h"
#include "containerd/core/content/types.h"

namespace berth::containerd::content {

class Writer {
 public:
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() = default;  // closing the lock file releases the lock

  const std::string& ref() const { return ref_; }
  // Bytes written so far, including those of earlier writers of the ref.
  int64_t offset() const { return offset_; }
  // The digest of the bytes written so far.
  Digest digest() const { return hash_.Current(); }

  // Appends `data`. On error (ENOSPC, EFBIG...) the offset is whatever did
  // reach the file, so the writer stays consistent and can be resumed.
  absl::Status Write(std::string_view data);
  // Appends everything read from `fd` until end of file, a chunk at a time
  // (never the whole blob in memory). Returns the bytes appended.
  absl::StatusOr<int64_t> WriteFrom(int fd);
  // Cuts the data back to `size` (<= offset); Truncate(0) starts over.
  absl::Status Truncate(int64_t size);

  // Verifies and publishes the blob as blobs/sha256/<hex>. `size` 0 and an
  // empty `expected` fall back to the expectations given to OpenWriter;
  // unset ones are not checked. A size or digest mismatch is
  // FailedPrecondition naming both values and keeps the ingest (Truncate or
  // Store::Abort it). If the blob already exists the ingest is removed and
  // the result is AlreadyExists. Afterwards (OK or AlreadyExists) the writer
  // is closed and every call is FailedPrecondition.
  absl::Status Commit(int64_t size = 0, const Digest& expected = {});

 private:
  friend class Store;
  Writer() = default;

  // Takes the ref's lock, then resumes its ingest or creates a new one.
  absl::Status Open(int64_t expected_size, const Digest& expected_digest);
  // Continues the ingest described by `existing`: false when its data is
  // gone (a commit died before removing the ingest) and it must be created.
  absl::StatusOr<bool> Resume(const IngestStatus& existing, int64_t expected_size,
                              const Digest& expected_digest);
  absl::Status Create(int64_t expected_size, const Digest& expected_digest);
  absl::Status CheckOpen() const;
  // Rehashes the first `size` bytes of the data file.
  absl::Status Rehash(int64_t size);

  std::string ref_;
  std::string dir_;                                       // the ingest directory
  std::string data_path_;                                 // dir_/data
  std::string blobs_dir_;                                 // ROOT/blobs/sha256
  std::function<absl::Status(const Digest&)> hold_blob_;  // Hooks::hold_blob
  int64_t total_ = 0;
  Digest expected_;
  UniqueFd lock_;
  UniqueFd data_;
  Sha256 hash_;
  int64_t offset_ = 0;
  bool closed_ = false;
};

}  // namespace berth::containerd::content
