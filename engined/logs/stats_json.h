// docker's stats JSON (api/types StatsJSON, cgroup v1 spelling) from our
// shim's StatsResponse, shaped so the docker CLI computes what it would for
// docker: CPU % = Δcpu_usage.total_usage / Δsystem_cpu_usage × online_cpus
// × 100 between cpu_stats and precpu_stats, MEM USAGE = usage −
// stats.total_inactive_file, LIMIT = memory_stats.limit.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "berth/shim/v1/shim.pb.h"
#include "engined/logs/host_stats.h"

namespace berth::engined::logs {

// One reading: the container's numbers with the host's taken at the same
// moment.
struct StatsSample {
  ::berth::shim::v1::StatsResponse stats;
  HostCpu host;
  int64_t read_nanos = 0;  // when it was taken (the "read" field)
};

struct StatsIdentity {
  std::string id;
  std::string name;  // without the leading '/'; docker prints "/name"
  // The limit shown for a container without one (docker: machine memory).
  uint64_t machine_memory = 0;
};

// `current` nullopt is a stopped container: docker then sends only name and
// id with every number zero. `previous` is the sample before (nullopt for
// the first one: precpu_stats zero, preread the zero time).
nlohmann::json DockerStatsJson(const StatsIdentity& identity,
                               const std::optional<StatsSample>& current,
                               const std::optional<StatsSample>& previous);

}  // namespace berth::engined::logs
