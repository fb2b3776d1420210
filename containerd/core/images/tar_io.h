// Streaming tar reading and writing over file descriptors (libarchive), for
// import and export. Internal to berth_containerd_images.
#pragma once

#include <archive.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::containerd::images::internal {

struct TarEntry {
  std::string path;  // cleaned: no leading "./" or "/", no trailing '/'
  bool regular = false;
  bool directory = false;
  bool symlink = false;
  std::string link_target;  // symlinks and hard links
  bool hardlink = false;
  int64_t size = 0;
};

// Reads a tar (compressed or not: filters are detected) from an fd it does
// not own.
class TarReader {
 public:
  static absl::StatusOr<std::unique_ptr<TarReader>> Open(int fd);
  ~TarReader();

  // The next entry, or nullopt at the end. InvalidArgument for a name
  // with ".." components; DataLoss for a corrupt archive.
  absl::StatusOr<std::optional<TarEntry>> Next();
  // Hands the current entry's data to `sink` a chunk at a time.
  absl::Status ReadData(const std::function<absl::Status(std::string_view)>& sink);
  absl::StatusOr<std::string> ReadAll(int64_t max_size);

 private:
  explicit TarReader(struct archive* a) : a_(a) {}
  struct archive* a_;
};

// Writes a POSIX (pax) tar to an fd it does not own: root-owned members,
// mtime 0, files 0644, directories 0755.
class TarWriter {
 public:
  static absl::StatusOr<std::unique_ptr<TarWriter>> Open(int fd);
  ~TarWriter();

  absl::Status AddDirectory(const std::string& path);
  absl::Status AddFile(const std::string& path, std::string_view data);
  // `size` bytes read from `fd` at offset 0 (pread).
  absl::Status AddFileFromFd(const std::string& path, int fd, int64_t size);
  // Writes the end-of-archive blocks; required for a complete archive.
  absl::Status Close();

 private:
  explicit TarWriter(struct archive* a) : a_(a) {}
  absl::Status Header(const std::string& path, bool directory, int64_t size);
  struct archive* a_;
  bool closed_ = false;
};

}  // namespace berth::containerd::images::internal
