// Image records in the metadata store (containerd core/metadata/images.go):
// a name bound to the descriptor of the image's root manifest or index,
// scoped by namespace. The content itself lives in the content store.
//
//   store->Update([&](metadata::Transaction& tx) {
//     return ImageStore(tx, "default").Create(image).status();
//   });
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/images/oci.h"
#include "containerd/core/metadata/filters.h"
#include "containerd/core/metadata/labels.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::images {

using metadata::Labels;
using metadata::Timestamp;

struct Image {
  std::string name;  // a reference, "docker.io/library/busybox:latest"
  Labels labels;
  // The root manifest or index. Only media_type, digest and size are stored.
  Descriptor target;
  Timestamp created_at;  // set by the store
  Timestamp updated_at;  // set by the store

  bool operator==(const Image&) const = default;
};

// A minimal reference check (full parsing is the reference library's):
// non-empty, at most 4096 bytes, no whitespace or control characters.
absl::Status ValidateImageName(std::string_view name);

// Fields for filters, as containerd's adaptImage: name, target.mediatype,
// target.digest, labels.<key>.
class ImageAdaptor : public metadata::FilterAdaptor {
 public:
  explicit ImageAdaptor(const Image& image) : image_(image) {}
  std::optional<std::string> Field(const std::vector<std::string>& path) const override;

 private:
  const Image& image_;
};

// The images of one namespace within one transaction.
class ImageStore {
 public:
  ImageStore(metadata::Transaction& tx, std::string ns) : tx_(tx), ns_(std::move(ns)) {}

  // NotFound if absent.
  absl::StatusOr<Image> Get(std::string_view name);
  // By name, filtered (filters ORed; none matches all).
  absl::StatusOr<std::vector<Image>> List(const std::vector<std::string>& filters = {});
  // Creates the namespace if needed. AlreadyExists if the name is taken;
  // InvalidArgument for a bad name, a target without media type or with a
  // size <= 0 or no digest, oversized labels. Labels with empty values are
  // dropped. Returns the image as stored.
  absl::StatusOr<Image> Create(const Image& image);
  // Applies the fields of `image` named by `paths` to the stored image of
  // the same name: "labels", "labels.<key>" (absent or "" removes it),
  // "target". Empty `paths` means labels and target. Anything else is
  // InvalidArgument; NotFound if absent. updated_at moves forward.
  absl::StatusOr<Image> Update(const Image& image, const std::vector<std::string>& paths);
  // NotFound if absent.
  absl::Status Delete(std::string_view name);

  // A namespace usage check reporting "images" while `ns` holds any.
  static metadata::NamespaceUsageCheck UsageCheck();

 private:
  absl::Status ValidateNamespace() const;
  absl::StatusOr<std::optional<Image>> Read(std::string_view name);
  absl::Status Write(const Image& image, bool insert);

  metadata::Transaction& tx_;
  const std::string ns_;
};

}  // namespace berth::containerd::images
