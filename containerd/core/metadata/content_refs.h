// Content references (containerd core/metadata/content.go): the content
// store's blobs are shared by every namespace on disk, and a namespace
// "has" a blob only while it holds a reference to it. The reference carries
// the blob's labels in that namespace — where containerd keeps
// containerd.io/gc.ref.content.* and containerd.io/gc.ref.snapshot.* edges
// for the garbage collector, and containerd.io/gc.root.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/metadata/filters.h"
#include "containerd/core/metadata/labels.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::metadata {

struct ContentRef {
  std::string digest;  // "sha256:<hex>"
  Labels labels;
  Timestamp created_at;  // set by the store
  Timestamp updated_at;  // set by the store

  bool operator==(const ContentRef&) const = default;
};

// Fields for filters, as containerd's adaptContentInfo: digest, labels.<key>.
class ContentRefAdaptor : public FilterAdaptor {
 public:
  explicit ContentRefAdaptor(const ContentRef& ref) : ref_(ref) {}
  std::optional<std::string> Field(const std::vector<std::string>& path) const override;

 private:
  const ContentRef& ref_;
};

// The content references of one namespace within one transaction.
class ContentRefs {
 public:
  ContentRefs(Transaction& tx, std::string ns) : tx_(tx), ns_(std::move(ns)) {}

  // References `digest` from the namespace (created if needed), what a
  // commit of a blob does. When the reference exists, `labels` are set on it
  // (an empty value removes a label) and it is kept otherwise: adding twice
  // is not an error. InvalidArgument for a digest that is not sha256,
  // oversized labels. Returns the reference as stored.
  absl::StatusOr<ContentRef> Add(std::string_view digest, const Labels& labels = {});
  // NotFound if the namespace does not reference `digest`.
  absl::Status Remove(std::string_view digest);
  // NotFound if absent.
  absl::StatusOr<ContentRef> Get(std::string_view digest);
  // Labels only, as the other stores: `paths` empty or "labels" replaces
  // them all, "labels.<key>" sets or (absent or "") removes one; anything
  // else InvalidArgument. NotFound if absent. updated_at moves forward.
  absl::StatusOr<ContentRef> Update(const ContentRef& ref, const std::vector<std::string>& paths);
  // By digest, filtered (filters ORed; none matches all).
  absl::StatusOr<std::vector<ContentRef>> List(const std::vector<std::string>& filters = {});

  // Whether any namespace references `digest`.
  static absl::StatusOr<bool> AnyNamespace(Transaction& tx, std::string_view digest);
  // A namespace usage check reporting "blobs" (containerd's word) while `ns`
  // references any.
  static NamespaceUsageCheck UsageCheck();

 private:
  absl::Status ValidateNamespace() const;
  absl::StatusOr<std::optional<ContentRef>> Read(std::string_view digest);
  absl::Status Write(const ContentRef& ref, bool insert);

  Transaction& tx_;
  const std::string ns_;
};

}  // namespace berth::containerd::metadata
