#include "engined/network/predefined_networks.h"

#include <fmt/format.h>
#include <sys/random.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/time_util.h"

namespace berth::engined::network {
namespace {

struct Predefined {
  const char* name;
  const char* driver;
};
constexpr Predefined kPredefined[] = {{"bridge", "bridge"}, {"host", "host"}, {"none", "null"}};

absl::StatusOr<std::string> RandomId() {
  unsigned char bytes[32];
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    return ErrnoErrorf(errno, "getrandom");
  }
  std::string id;
  for (unsigned char b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

bool IsHexId(const std::string& id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The stored records; a missing or damaged one is made anew.
std::vector<NetworkRecord> Load(const std::string& path) {
  std::vector<NetworkRecord> out;
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return out;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return out;
  for (const Predefined& p : kPredefined) {
    auto it = j.find(p.name);
    if (it == j.end() || !it->is_object()) continue;
    NetworkRecord r{it->value("Id", ""), p.name, p.driver, it->value("Created", "")};
    if (IsHexId(r.id) && !r.created.empty()) out.push_back(r);
  }
  return out;
}

}  // namespace

bool IsPredefinedNetwork(const std::string& name) {
  for (const Predefined& p : kPredefined) {
    if (name == p.name) return true;
  }
  return false;
}

absl::StatusOr<PredefinedNetworks> PredefinedNetworks::Open(const std::string& data_root) {
  const std::string dir = JoinPath(data_root, "network");
  const std::string path = JoinPath(dir, "predefined.json");
  std::vector<NetworkRecord> records = Load(path);
  if (records.size() != std::size(kPredefined)) {
    records.clear();
    nlohmann::json saved = nlohmann::json::object();
    std::string now = NowRfc3339Nano();
    for (const Predefined& p : kPredefined) {
      BERTH_ASSIGN_OR_RETURN(std::string id, RandomId());
      records.push_back({id, p.name, p.driver, now});
      saved[p.name] = {{"Id", id}, {"Created", now}};
    }
    BERTH_RETURN_IF_ERROR(MkdirAll(dir, 0700));
    BERTH_RETURN_IF_ERROR(WriteFileAtomic(path, saved.dump(2) + "\n", 0600));
  }
  std::sort(records.begin(), records.end(),
            [](const NetworkRecord& a, const NetworkRecord& b) { return a.name < b.name; });
  return PredefinedNetworks(std::move(records));
}

absl::StatusOr<NetworkRecord> PredefinedNetworks::Find(const std::string& id_or_name) const {
  if (!id_or_name.empty()) {
    for (const NetworkRecord& r : records_) {
      if (r.id == id_or_name) return r;
    }
    for (const NetworkRecord& r : records_) {
      if (r.name == id_or_name) return r;
    }
    const NetworkRecord* found = nullptr;
    int matches = 0;
    for (const NetworkRecord& r : records_) {
      if (r.id.rfind(id_or_name, 0) == 0) {
        found = &r;
        ++matches;
      }
    }
    if (matches == 1) return *found;
    if (matches > 1) {
      return InvalidArgumentf("network {} is ambiguous ({} matches found based on ID prefix)",
                              id_or_name, matches);
    }
  }
  return NotFoundf("network {} not found", id_or_name);
}

}  // namespace berth::engined::network
