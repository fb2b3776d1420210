// The tar side of writing a layer, shared by WriteLayerFromUpper and
// WriteLayerFromDiff: a pax tar writer whose output is hashed (diff_id) and
// then either handed to the sink or fed to a second libarchive writer (raw
// format, gzip or zstd filter) whose output is hashed (digest) and handed to
// the sink. Callers decide which entries go in, in order.
#pragma once

#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "containerd/core/diff/diff.h"

struct archive;
struct archive_entry;

namespace berth::containerd::diff {

class LayerWriter {
 public:
  static absl::StatusOr<std::unique_ptr<LayerWriter>> Open(LayerSink sink, Compression compression);
  ~LayerWriter();
  LayerWriter(const LayerWriter&) = delete;
  LayerWriter& operator=(const LayerWriter&) = delete;

  // Adds `name` in `dir_fd` (lstat'ed as `st`) under the tar name `rel`:
  // ownership, mode, mtime and xattrs (but trusted.overlay.*,
  // user.overlay.*, security.selinux) kept; a regular file with more links
  // than one that was added before becomes a tar hardlink to it. Sockets
  // are skipped (tar cannot carry them).
  absl::Status Add(int dir_fd, const std::string& name, const std::string& rel,
                   const struct stat& st);
  // An empty regular file `rel`, mode 0 owned by root, with `st`'s mtime:
  // a `.wh.NAME` whiteout or a `.wh..wh..opq` marker.
  absl::Status AddMarker(const std::string& rel, const struct stat& st);
  // Ends the tar (and the compressed stream) and returns both digests.
  absl::StatusOr<LayerDigests> Close();

  // Hashes, libarchive writers and the sink, at a stable address for
  // libarchive's callbacks.
  struct State;

 private:
  explicit LayerWriter(std::unique_ptr<State> state);
  absl::Status Header(struct archive_entry* e, const std::string& rel);
  absl::Status AddXattrs(struct archive_entry* e, int dir_fd, const std::string& name);
  // The sink's error when it caused `status`, which is then less precise.
  absl::Status SinkErrorOr(absl::Status status) const;

  std::unique_ptr<State> state_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace berth::containerd::diff
