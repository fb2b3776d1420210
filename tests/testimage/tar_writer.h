// Deterministic tar output with libarchive: pax restricted format, entries in
// the order given, every entry owned by 0:0 with the same mtime, no atime or
// ctime, so the same tree always gives the same bytes (and digest).
#pragma once

#include <archive.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tests/testimage/fs_tree.h"

namespace berth::testimage {

class TarWriter {
 public:
  // Appends the archive to *out, which must outlive the writer.
  static absl::StatusOr<TarWriter> Open(std::string* out);

  absl::Status Add(const FsEntry& entry, int64_t mtime);
  // Writes the end-of-archive blocks; the archive is complete afterwards.
  absl::Status Finish();

 private:
  struct Deleter {
    void operator()(struct archive* a) const { archive_write_free(a); }
  };
  explicit TarWriter(struct archive* a) : a_(a) {}

  std::unique_ptr<struct archive, Deleter> a_;
};

// The whole tree as an uncompressed tar, in FsTree::Sorted() order.
absl::StatusOr<std::string> WriteTar(const FsTree& tree, int64_t mtime);

// gzip through libarchive's gzip filter, without a timestamp in the header
// so the output depends only on the input.
absl::StatusOr<std::string> GzipCompress(std::string_view data);

}  // namespace berth::testimage
