// Blobs in containerd's content store as berthd needs them: read whole
// small blobs (manifests, configs), write blobs with gc labels, hold what a
// multi-step operation writes under a lease, and hash locally.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engined/containerd_client/containerd_client.h"

namespace berth::engined::images {

// "sha256:<hex>" of `data`.
std::string Sha256Digest(std::string_view data);
// The digest of the uncompressed bytes of a gzip stream, or of `data`
// itself when it is not gzip; `gzip` says which.
absl::StatusOr<std::string> UncompressedDigest(std::string_view data, bool* gzip);

// Content.Read of the whole blob; NotFound naming the digest.
absl::StatusOr<std::string> ReadBlob(ContainerdClient& client, const std::string& digest);

// Content.Write of `data` (expected digest checked by containerd) with
// `labels`, under `lease`; a blob already there is fine.
absl::StatusOr<ctrpb::Descriptor> WriteBlob(ContainerdClient& client, const std::string& lease,
                                            const std::string& media_type, std::string_view data,
                                            const std::map<std::string, std::string>& labels = {});

// A lease created for one operation and deleted with the object, so what
// the operation made is held only until an image references it.
class ScopedLease {
 public:
  static absl::StatusOr<ScopedLease> Create(ContainerdClient& client, std::string_view purpose);
  ScopedLease(ScopedLease&& other) noexcept : client_(other.client_), id_(std::move(other.id_)) {
    other.id_.clear();
  }
  ScopedLease& operator=(ScopedLease&&) = delete;
  ~ScopedLease();
  const std::string& id() const { return id_; }

 private:
  ScopedLease(ContainerdClient& client, std::string id) : client_(client), id_(std::move(id)) {}
  ContainerdClient& client_;
  std::string id_;
};

}  // namespace berth::engined::images
