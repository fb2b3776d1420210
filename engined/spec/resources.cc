#include "engined/spec/resources.h"

#include "common/status.h"
#include "engined/spec/fields.h"

namespace berth::engined::spec {
namespace {

constexpr int64_t kNanoCpuPeriod = 100000;  // 100ms, in microseconds

absl::StatusOr<Json> Memory(const Json& hc) {
  const char* p = "HostConfig";
  Json m = Json::object();
  BERTH_ASSIGN_OR_RETURN(int64_t limit, GetInt(hc, "Memory", p));
  BERTH_ASSIGN_OR_RETURN(int64_t swap, GetInt(hc, "MemorySwap", p));
  BERTH_ASSIGN_OR_RETURN(int64_t reservation, GetInt(hc, "MemoryReservation", p));
  BERTH_ASSIGN_OR_RETURN(std::optional<int64_t> swappiness,
                         GetOptionalInt(hc, "MemorySwappiness", p));
  const Json* oom_kill_disable = Field(hc, "OomKillDisable");
  if (limit > 0) m["limit"] = limit;
  if (limit > 0 && swap == 0) swap = 2 * limit;
  if (swap != 0) m["swap"] = swap;
  if (reservation > 0) m["reservation"] = reservation;
  if (swappiness && *swappiness >= 0) m["swappiness"] = *swappiness;
  if (oom_kill_disable != nullptr && oom_kill_disable->is_boolean()) {
    m["disableOOMKiller"] = oom_kill_disable->get<bool>();
  }
  return m;
}

absl::StatusOr<Json> Cpu(const Json& hc) {
  const char* p = "HostConfig";
  Json c = Json::object();
  BERTH_ASSIGN_OR_RETURN(int64_t nano, GetInt(hc, "NanoCpus", p));
  BERTH_ASSIGN_OR_RETURN(int64_t quota, GetInt(hc, "CpuQuota", p));
  BERTH_ASSIGN_OR_RETURN(int64_t period, GetInt(hc, "CpuPeriod", p));
  BERTH_ASSIGN_OR_RETURN(int64_t shares, GetInt(hc, "CpuShares", p));
  BERTH_ASSIGN_OR_RETURN(std::string cpus, GetString(hc, "CpusetCpus", p));
  BERTH_ASSIGN_OR_RETURN(std::string mems, GetString(hc, "CpusetMems", p));
  if (nano > 0) {
    c["period"] = kNanoCpuPeriod;
    c["quota"] = nano * kNanoCpuPeriod / 1000000000;
  } else {
    if (quota != 0) c["quota"] = quota;
    if (period > 0) c["period"] = period;
  }
  if (shares > 0) c["shares"] = shares;
  if (!cpus.empty()) c["cpus"] = cpus;
  if (!mems.empty()) c["mems"] = mems;
  return c;
}

}  // namespace

absl::StatusOr<nlohmann::json> BuildResources(const nlohmann::json& host_config) {
  Json r = Json::object();
  BERTH_ASSIGN_OR_RETURN(Json memory, Memory(host_config));
  if (!memory.empty()) r["memory"] = std::move(memory);
  BERTH_ASSIGN_OR_RETURN(Json cpu, Cpu(host_config));
  if (!cpu.empty()) r["cpu"] = std::move(cpu);
  BERTH_ASSIGN_OR_RETURN(int64_t pids, GetInt(host_config, "PidsLimit", "HostConfig"));
  if (pids > 0) r["pids"] = {{"limit", pids}};
  BERTH_ASSIGN_OR_RETURN(int64_t blkio, GetInt(host_config, "BlkioWeight", "HostConfig"));
  if (blkio > 0) r["blockIO"] = {{"weight", blkio}};
  return r;
}

}  // namespace berth::engined::spec
