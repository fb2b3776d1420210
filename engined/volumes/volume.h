// A volume as the local driver keeps it and the API shows it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace berth::engined::volumes {

inline constexpr char kLocalDriver[] = "local";
// docker marks volumes nobody named so prune (API >= 1.42) only takes those.
inline constexpr char kAnonymousLabel[] = "com.docker.volume.anonymous";

struct Volume {
  std::string name;
  std::string driver = kLocalDriver;
  std::string mountpoint;  // <root>/volumes/<name>/_data
  std::string created_at;  // RFC 3339
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;  // the local driver's type/device/o
};

struct VolumeCreateOptions {
  std::string name;    // empty: an anonymous volume with a random name
  std::string driver;  // empty: local
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;
};

struct VolumeUsage {
  Volume volume;
  int64_t size = -1;  // bytes under _data; -1 when unknown
  int64_t ref_count = 0;
};

struct PruneReport {
  std::vector<std::string> deleted;
  uint64_t space_reclaimed = 0;
};

}  // namespace berth::engined::volumes
