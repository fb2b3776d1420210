// Namespaces: every other record lives in one (containerd
// core/metadata/namespaces.go and plugins/services/namespaces/local.go).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/metadata/filters.h"
#include "containerd/core/metadata/labels.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::metadata {

// The namespace of calls that name none.
inline constexpr std::string_view kDefaultNamespace = "default";

struct Namespace {
  std::string name;
  Labels labels;

  bool operator==(const Namespace&) const = default;
};

// Fields for filters: name, labels.<key>.
class NamespaceAdaptor : public FilterAdaptor {
 public:
  explicit NamespaceAdaptor(const Namespace& ns) : ns_(ns) {}
  std::optional<std::string> Field(const std::vector<std::string>& path) const override;

 private:
  const Namespace& ns_;
};

// The namespace records within one transaction. Names follow containerd's
// identifier rule; a bad one is InvalidArgument naming it.
class NamespaceStore {
 public:
  explicit NamespaceStore(Transaction& tx) : tx_(tx) {}

  // AlreadyExists if present. Labels with empty values are not stored.
  // Returns the namespace as stored.
  absl::StatusOr<Namespace> Create(const Namespace& ns);
  // Creates `name` with no labels unless it exists; what creating any record
  // in a namespace does first, as containerd creates the namespace's bucket.
  absl::Status Ensure(std::string_view name);
  // NotFound if absent.
  absl::StatusOr<Namespace> Get(std::string_view name);
  // By name, filtered (filters ORed; none matches all).
  absl::StatusOr<std::vector<Namespace>> List(const std::vector<std::string>& filters = {});
  // Updates `ns.name`'s labels. `paths`: empty or "labels" replaces them all
  // with ns.labels; "labels.<key>" sets that key from ns.labels, or removes
  // it when ns.labels lacks it or maps it to "". Anything else is
  // InvalidArgument. NotFound if absent. Returns the namespace as stored.
  absl::StatusOr<Namespace> Update(const Namespace& ns, const std::vector<std::string>& paths);
  // FailedPrecondition while anything lives in it (containers, and whatever
  // Store::AddNamespaceUsageCheck added), naming what; NotFound if absent.
  absl::Status Delete(std::string_view name);

 private:
  absl::StatusOr<bool> Exists(std::string_view name);
  absl::StatusOr<Labels> ReadLabels(std::string_view name);
  absl::Status WriteLabels(std::string_view name, const Labels& labels);

  Transaction& tx_;
};

// NamespaceStore::Ensure in a transaction of its own: what the daemon calls
// at start so that "default" exists before the first request.
absl::Status EnsureNamespace(Store& store, std::string_view name);

}  // namespace berth::containerd::metadata
