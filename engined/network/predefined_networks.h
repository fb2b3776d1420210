// docker's three predefined networks, the only ones berthd has yet:
// "bridge" (driver bridge), "host" (host) and "none" (null). Each has an ID
// of 64 hex digits and a creation time made on berthd's first start and
// kept in <data-root>/network/predefined.json, so they are the same across
// restarts, as dockerd's are.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::network {

struct NetworkRecord {
  std::string id;       // 64 hex
  std::string name;     // "bridge", "host", "none"
  std::string driver;   // "bridge", "host", "null"
  std::string created;  // RFC 3339 nano
};

// Whether `name` is one of the predefined networks' names.
bool IsPredefinedNetwork(const std::string& name);

class PredefinedNetworks {
 public:
  // Loads the records under `data_root`, making (and saving) them when absent.
  static absl::StatusOr<PredefinedNetworks> Open(const std::string& data_root);
  explicit PredefinedNetworks(std::vector<NetworkRecord> records) : records_(std::move(records)) {}

  // Sorted by name.
  const std::vector<NetworkRecord>& List() const { return records_; }
  // docker's lookup order: full ID, name, then a unique ID prefix.
  // NotFound "network X not found".
  absl::StatusOr<NetworkRecord> Find(const std::string& id_or_name) const;

 private:
  std::vector<NetworkRecord> records_;
};

}  // namespace berth::engined::network
