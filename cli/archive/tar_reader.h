// Reads a tar stream as it arrives: ustar, PAX (local records; global ones
// are skipped) and GNU long names and link names, with octal or base-256
// numbers. Never holds more than one piece of the stream.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cli/archive/tar_entry.h"

namespace berth::cli::archive {

// The next bytes of the stream; "" at its end.
using ByteSource = std::function<absl::StatusOr<std::string>()>;

class TarReader {
 public:
  explicit TarReader(ByteSource source) : source_(std::move(source)) {}

  // The next entry (the rest of the current one's data skipped); nullopt at
  // the end of the archive.
  absl::StatusOr<std::optional<TarEntry>> Next();

  // Up to `max` bytes of the current entry's data; "" once it is all read.
  absl::StatusOr<std::string> ReadData(size_t max = 64 * 1024);

  // Bytes of the stream read as the archive, through its end marker (what
  // Go's tar reader consumes; a record's padding after it is not counted).
  int64_t consumed() const { return consumed_; }

 private:
  // Exactly `n` bytes, or an error naming an unexpected end.
  absl::StatusOr<std::string> ReadExact(size_t n);
  absl::Status Skip(int64_t n);
  absl::StatusOr<std::string> ReadBlockPadded(int64_t size);

  ByteSource source_;
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  int64_t remaining_ = 0;  // data bytes left in the current entry
  int64_t padding_ = 0;    // and the padding after them
  bool done_ = false;
  int64_t consumed_ = 0;
};

}  // namespace berth::cli::archive
