// Container records: metadata only, scoped by namespace (containerd
// core/metadata/containers.go). A container runs as a task; the record is what
// the task is created from.
#pragma once

#include <cstdint>
#include <map>
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

// A google.protobuf.Any kept opaque: the adapter converts.
struct Any {
  std::string type_url;
  std::string value;  // serialized message bytes

  bool operator==(const Any&) const = default;
};

struct Container {
  struct Runtime {
    std::string name;            // required, e.g. "io.containerd.runc.v2"
    std::optional<Any> options;  // absent and empty are different

    bool operator==(const Runtime&) const = default;
  };

  std::string id;
  Labels labels;
  std::string image;
  Runtime runtime;
  std::string spec;  // the OCI runtime spec as JSON; empty or a JSON object
  std::string snapshotter;
  std::string snapshot_key;
  Timestamp created_at;  // set by the store
  Timestamp updated_at;  // set by the store
  std::map<std::string, Any> extensions;
  std::string sandbox;

  bool operator==(const Container&) const = default;
};

// Fields for filters, as containerd's adaptContainer: id, image, runtime.name,
// labels.<key>; Berth adds snapshotter, snapshot_key and sandbox. An empty
// string field is absent.
class ContainerAdaptor : public FilterAdaptor {
 public:
  explicit ContainerAdaptor(const Container& c) : c_(c) {}
  std::optional<std::string> Field(const std::vector<std::string>& path) const override;

 private:
  const Container& c_;
};

// The containers of one namespace within one transaction.
class ContainerStore {
 public:
  ContainerStore(Transaction& tx, std::string ns) : tx_(tx), ns_(std::move(ns)) {}

  // NotFound if absent.
  absl::StatusOr<Container> Get(std::string_view id);
  // By id, filtered (filters ORed; none matches all). A namespace that does
  // not exist has no containers.
  absl::StatusOr<std::vector<Container>> List(const std::vector<std::string>& filters = {});
  // Creates the namespace if needed (containerd creates the namespace's
  // bucket). AlreadyExists if the id is taken; InvalidArgument for a bad id,
  // no runtime name, a spec that is not a JSON object, a snapshot key without
  // a snapshotter, an empty extension name, oversized labels. created_at and
  // updated_at are set to now; labels with empty values are dropped. Returns
  // the container as stored.
  absl::StatusOr<Container> Create(const Container& c);
  // Applies the fields of `c` named by `paths` to the stored container c.id,
  // as containerd's containerStore.Update does:
  //   labels, labels.<key>, extensions, extensions.<key>, image, spec,
  //   snapshotkey (or snapshot_key)
  // "<map>.<key>" copies that key, or removes it when `c` lacks it. Empty
  // `paths` means all of those, and then c.snapshotter and c.runtime.name
  // must equal the stored ones (immutable). runtime, snapshotter, sandbox
  // and anything else cannot be updated: InvalidArgument. NotFound if
  // absent. updated_at moves forward. Returns the container as stored.
  absl::StatusOr<Container> Update(const Container& c, const std::vector<std::string>& paths);
  // NotFound if absent; FailedPrecondition while a task bundle is recorded
  // for it (delete the task first).
  absl::Status Delete(std::string_view id);

  // Whether namespace `ns` holds any container (for namespace deletion).
  static absl::StatusOr<bool> AnyInNamespace(Transaction& tx, std::string_view ns);

 private:
  absl::Status ValidateNamespace() const;
  absl::StatusOr<std::optional<Container>> Read(std::string_view id);
  absl::Status Write(const Container& c, bool insert);

  Transaction& tx_;
  const std::string ns_;
};

}  // namespace berth::containerd::metadata
