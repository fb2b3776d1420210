// berth-containerd's content store: blobs addressed by digest under a root
// directory, written through resumable ingests (containerd's
// plugins/content/local). Transport-free; the gRPC adapter converts.
//
//   ROOT/blobs/sha256/<hex>   committed blobs, read-only (0444)
//   ROOT/ingest/<hex of sha256(ref)>/   writes in progress (see ingest.h)
//
// A blob appears in blobs/ only by rename(2) of fully written, verified and
// fsynced data, so a crash or a full disk never leaves a partial blob there.
// All state is on disk: any number of Store objects (or processes) may share
// a root; writers of one ref exclude each other with flock(2).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "containerd/core/content/digest.h"
#include "containerd/core/content/types.h"
#include "containerd/core/content/writer.h"

namespace berth::containerd::content {

// What one operation's view of the store reports to the metadata layer
// before it relies on a blob or an ingest (containerd's metadata content
// store adds them to the call's lease): the garbage collector then keeps
// them even if nothing else references them yet. A hook's error fails the
// call. Unset hooks are not called.
struct Hooks {
  // `digest` is about to be relied on: before Info looks for it, and before
  // a Writer publishes it (also when it turns out to exist already).
  std::function<absl::Status(const Digest& digest)> hold_blob;
  // Before OpenWriter creates or resumes the ingest of `ref`.
  std::function<absl::Status(const std::string& ref)> hold_ingest;
};

class Store {
 public:
  // Creates ROOT/blobs/sha256 and ROOT/ingest as needed and clears leftovers
  // of interrupted ingest removals.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& root);

  const std::string& root() const { return root_; }

  // Another view of the same root whose Info, OpenWriter and commits call
  // `hooks` (the store's own hooks are not kept). Cheap: no disk access.
  std::unique_ptr<Store> WithHooks(Hooks hooks) const;

  // NotFound "content sha256:...: not found" when the blob is absent.
  absl::StatusOr<BlobInfo> Info(const Digest& digest) const;
  // Every committed blob, ordered by digest.
  absl::StatusOr<std::vector<BlobInfo>> List() const;
  // A read-only, close-on-exec fd for pread(2) at any offset.
  absl::StatusOr<UniqueFd> OpenBlob(const Digest& digest) const;
  // The whole blob, for small ones (manifests, configs): FailedPrecondition
  // when it is larger than `max_size` bytes.
  absl::StatusOr<std::string> ReadBlob(const Digest& digest, int64_t max_size) const;
  // Rehashes the blob's file: DataLoss when it no longer matches its digest.
  absl::Status Verify(const Digest& digest) const;
  absl::Status Delete(const Digest& digest) const;

  // The writer of `ref`, resuming its ingest when there is one. Expectations
  // (0 / empty: unknown) are recorded with a new ingest; a resumed ingest
  // that recorded different ones is FailedPrecondition. Unavailable "ref
  // locked" while another writer of `ref` exists.
  absl::StatusOr<std::unique_ptr<Writer>> OpenWriter(const std::string& ref,
                                                     int64_t expected_size = 0,
                                                     const Digest& expected_digest = {}) const;
  // The ingest of `ref` (active or abandoned); NotFound when there is none.
  absl::StatusOr<IngestStatus> Status(const std::string& ref) const;
  // Every ingest, ordered by ref.
  absl::StatusOr<std::vector<IngestStatus>> ListStatuses() const;
  // Removes the ingest of `ref`: NotFound when there is none, Unavailable
  // while a writer holds it.
  absl::Status Abort(const std::string& ref) const;

  std::string BlobPath(const Digest& digest) const;

 private:
  explicit Store(std::string root);

  std::string IngestDir(const std::string& ref) const;
  // Info without the hold hook.
  absl::StatusOr<BlobInfo> Stat(const Digest& digest) const;

  std::string root_;
  std::string blobs_dir_;
  std::string ingest_root_;
  Hooks hooks_;
};

}  // namespace berth::containerd::content
