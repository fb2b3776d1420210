// The records the content store reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "containerd/core/content/digest.h"

namespace berth::containerd::content {

// System clock, nanosecond precision (as the metadata store's records).
using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// A committed blob.
struct BlobInfo {
  Digest digest;
  int64_t size = 0;
  Timestamp created_at;  // when it was committed (the file's mtime)
  Timestamp updated_at;  // last change of the file (its ctime)

  friend bool operator==(const BlobInfo&, const BlobInfo&) = default;
};

// An ingest: a write in progress, active or left by a writer that went away.
struct IngestStatus {
  std::string ref;
  int64_t offset = 0;  // bytes written so far
  int64_t total = 0;   // expected size; 0 when unknown
  Digest expected;     // expected digest; empty when unknown
  Timestamp started_at;
  Timestamp updated_at;

  friend bool operator==(const IngestStatus&, const IngestStatus&) = default;
};

}  // namespace berth::containerd::content
