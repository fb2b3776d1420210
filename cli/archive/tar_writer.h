// Encodes tar headers as Go's archive/tar does for docker (FormatPAX): a
// ustar header, preceded by a PAX extended header when a name or link name
// is longer than 100 bytes or not ASCII, a number does not fit its octal
// field, or the mtime has nanoseconds.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "cli/archive/tar_entry.h"

namespace berth::cli::archive {

// The header blocks for `entry` (a multiple of 512 bytes).
absl::StatusOr<std::string> EncodeTarHeader(const TarEntry& entry);

// The zeros after `size` data bytes up to the next 512-byte boundary.
std::string TarPadding(int64_t size);

// The end of an archive: two zero blocks.
std::string TarTrailer();

}  // namespace berth::cli::archive
