// Applying OCI image layers onto a directory, and writing one back from an
// overlayfs upper directory. Transport-free: callers hand in file
// descriptors and directories; nothing here knows about registries or
// snapshotters.
//
// Extraction never writes outside `root`: every lookup goes through
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from a descriptor of the
// root, the last component is never followed, names that climb out with ".."
// are refused, and absolute names are taken relative to the root (as
// containerd's pkg/archive does). Symlinks met on the way resolve as they
// would inside a chroot of the root, so `evil -> /` then `evil/etc/x` writes
// <root>/etc/x. On error the root is left half-written; the caller discards it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace berth::containerd::diff {

enum class Compression { kNone, kGzip, kZstd };

// "none", "gzip", "zstd".
const char* CompressionName(Compression compression);

enum class WhiteoutMode {
  // `root` is an overlayfs upper directory: `.wh.NAME` becomes a 0:0
  // character device NAME, `.wh..wh..opq` sets trusted.overlay.opaque=y on
  // its directory. Needs CAP_MKNOD and CAP_SYS_ADMIN (trusted.* xattrs).
  kOverlay,
  // `root` holds every lower layer already: `.wh.NAME` removes NAME (and all
  // below it); `.wh..wh..opq` removes the directory's children that this
  // layer did not write.
  kDelete,
  // Plain tar extraction (docker cp): `.wh.` names are ordinary files.
  kNone,
};

struct ApplyOptions {
  WhiteoutMode whiteouts = WhiteoutMode::kOverlay;
  // Character and block devices in the layer are created when true and
  // refused (InvalidArgument naming the entry) when false. FIFOs are always
  // allowed.
  bool allow_devices = false;
  // docker cp's noOverwriteDirNonDir: an entry that would replace a
  // directory with a non-directory, or the reverse, fails the apply.
  bool no_overwrite_dir_non_dir = false;
  // When set, every entry is owned by this uid:gid instead of the tar's
  // (docker cp -a: the container's user).
  std::optional<std::pair<uid_t, gid_t>> owner;
};

struct ApplyResult {
  // "sha256:<hex>" of the uncompressed tar stream, trailing bytes included:
  // the layer's diff_id in the image config.
  std::string diff_id;
  int64_t uncompressed_size = 0;
  // "sha256:<hex>" and size of the bytes read from the descriptor: the
  // layer's digest in the manifest.
  std::string digest;
  int64_t size = 0;
  // What the stream turned out to be, detected from its first bytes.
  Compression compression = Compression::kNone;
};

// Reads a tar layer (plain, gzip or zstd, detected from the bytes) from
// `layer_fd` until EOF and applies it onto the existing directory `root`.
// Ownership (lchown), modes, mtimes, xattrs (PAX SCHILY.xattr.*), hardlinks
// within the layer's root and symlinks (stored as given) are kept.
// Errors: InvalidArgument for an entry that escapes the root, a bad
// whiteout, or a refused device; DataLoss for a truncated or corrupt stream;
// the entry's name is in the message. libarchive does not check the gzip
// trailer's CRC: callers compare `digest` with the manifest's.
absl::StatusOr<ApplyResult> ApplyLayer(int layer_fd, const std::string& root,
                                       const ApplyOptions& options);

// Reads the next bytes of a layer stream into `buf`: how many, 0 at its end.
using LayerSource = std::function<absl::StatusOr<size_t>(char* buf, size_t n)>;

// ApplyLayer with the stream from `read` (an HTTP body) onto the directory
// open at `root_fd` (O_PATH is enough), which stays the caller's.
absl::StatusOr<ApplyResult> ApplyLayerFrom(const LayerSource& read, int root_fd,
                                           const ApplyOptions& options);

struct LayerDigests {
  // "sha256:<hex>" and size of the uncompressed tar.
  std::string diff_id;
  int64_t uncompressed_size = 0;
  // "sha256:<hex>" and size of what was written to the descriptor (equal to
  // the above for Compression::kNone).
  std::string digest;
  int64_t size = 0;
};

// Where a written layer's bytes go, in order; an error stops the write and
// is what the writer returns.
using LayerSink = std::function<absl::Status(std::string_view)>;

// A sink that write(2)s everything to `fd`.
LayerSink FdSink(int fd);

// Writes the overlayfs upper directory `upper` as a layer tar to `out_fd`:
// entries sorted by name, ownership, modes, mtimes and xattrs kept (except
// trusted.overlay.*, user.overlay.* and security.selinux), hardlinks within
// the tree as tar hardlinks, 0:0 character devices as `.wh.NAME` and opaque
// directories followed by their `.wh..wh..opq`. Output is deterministic for
// a given tree (gzip without a timestamp).
absl::StatusOr<LayerDigests> WriteLayerFromUpper(const std::string& upper, int out_fd,
                                                 Compression compression);
absl::StatusOr<LayerDigests> WriteLayerFromUpper(const std::string& upper, const LayerSink& sink,
                                                 Compression compression);

// Writes the changes that turn the tree `lower` into the tree `upper` as a
// layer (the general case, for snapshots that are whole copies such as the
// native snapshotter's, or for an empty `lower`): both trees are walked
// together in name order, never following symlinks; an entry only in
// `upper`, or whose type, mode, owner, device number, xattrs, mtime, size,
// content or link target differ, is written as it is in `upper` (a directory, with everything under
// it when it is new); an entry only in `lower` becomes a `.wh.NAME` whiteout. A directory whose own
// metadata is unchanged is written only as the parent of a change, so the layer's entries are
// sorted and each one's parents come first. Output format as WriteLayerFromUpper's.
absl::StatusOr<LayerDigests> WriteLayerFromDiff(const std::string& lower, const std::string& upper,
                                                const LayerSink& sink, Compression compression);

}  // namespace berth::containerd::diff
