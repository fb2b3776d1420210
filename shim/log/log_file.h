// The file records are appended to, with docker's size-based rotation
// (moby daemon/logger/loggerutils/logfile.go): x.log -> x.log.1 -> ... ->
// x.log.<max_files-1>, or, with one file, a fresh x.log.
//
// Records are built straight into batch() and committed with EndRecord; the
// batch goes out with one write(2) per Flush, split only where a rotation
// falls between two records.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::shim::logs {

class LogFile {
 public:
  struct Limits {
    int64_t max_size = 0;  // 0: never rotate
    int max_files = 1;
  };

  // Opens `path` for appending (O_APPEND, created 0640), keeping what it holds.
  static absl::StatusOr<LogFile> Open(std::string path, Limits limits);

  LogFile(LogFile&&) = default;
  LogFile& operator=(LogFile&&) = default;

  // Where the next record is appended.
  std::string* batch() { return &batch_; }

  // Commits the record that starts at batch()[begin] and runs to the end. When
  // it would take the file past max_size, what precedes it is written and the
  // file rotated first; a record alone larger than max_size gets a file of its
  // own. A large batch is written out here rather than grown further.
  absl::Status EndRecord(size_t begin);

  // Writes the batch. On error the batch is dropped: retrying would only
  // repeat the failure while the container keeps writing.
  absl::Status Flush();

  // Opens the path again (kubelet rotated the file away). On error the
  // current file stays open.
  absl::Status Reopen();

  const std::string& path() const { return path_; }
  // Bytes in the current file: what was there at open plus what was written.
  int64_t size() const { return size_; }

 private:
  LogFile(std::string path, Limits limits, UniqueFd fd, int64_t size);

  // Writes batch_[0, n) and removes it from the batch.
  absl::Status WriteOut(size_t n);
  absl::Status Rotate();

  std::string path_;
  Limits limits_;
  UniqueFd fd_;
  int64_t size_ = 0;
  std::string batch_;
};

}  // namespace berth::shim::logs
