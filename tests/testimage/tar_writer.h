// Deterministic tar (optionally gzip) building with libarchive: fixed
// mtime, uid/gid 0, entries in the order added.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct archive;

namespace berth::testimage {

class TarWriter {
 public:
  static absl::StatusOr<std::unique_ptr<TarWriter>> Create(bool gzip);
  ~TarWriter();

  absl::Status AddDirectory(const std::string& path, uint32_t mode);
  absl::Status AddFile(const std::string& path, const std::string& content, uint32_t mode);
  absl::Status AddSymlink(const std::string& path, const std::string& target);
  // Every entry under `dir` (sorted, recursively), named relative to it,
  // with `prefix` in front.
  absl::Status AddTree(const std::string& dir, const std::string& prefix = "");

  // Closes the archive and returns its bytes.
  absl::StatusOr<std::string> Finish();

 private:
  TarWriter() = default;
  absl::Status AddEntry(const std::string& path, unsigned type, uint32_t mode,
                        const std::string& content, const std::string& link);
  static long Write(struct archive*, void* self, const void* data, size_t size);

  struct archive* archive_ = nullptr;
  std::string out_;
  bool finished_ = false;
};

// "sha256:<hex>" of `data` (OpenSSL).
std::string Sha256Digest(const std::string& data);

}  // namespace berth::testimage
