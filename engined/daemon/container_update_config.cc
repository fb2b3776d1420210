#include "engined/daemon/container_update_config.h"

#include "common/status.h"
#include "engined/spec/fields.h"
#include "engined/spec/resources.h"
#include "engined/spec/validate.h"

namespace berth::engined {
namespace {

using nlohmann::json;
using spec::GetInt;
using spec::GetString;

constexpr char kPath[] = "UpdateConfig";
constexpr char kKernelMemoryWarning[] =
    "KernelMemory is not supported (deprecated by the kernel and removed from the API in 1.42): "
    "the limit was ignored";

int64_t Int(const json& hc, const char* key) {
  auto it = hc.find(key);
  return it != hc.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// moby's conflictingUpdateOptions: a conflict (409).
absl::Status Conflict(const char* message) { return absl::FailedPreconditionError(message); }

// moby container.UpdateContainer: NanoCpus replaces CpuPeriod/CpuQuota, so
// one set blocks updating the other.
absl::Status CheckCpuConflicts(const ContainerUpdate& u, const json& hc) {
  if (u.nano_cpus > 0 && Int(hc, "CpuPeriod") > 0) {
    return Conflict(
        "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
  }
  if (u.nano_cpus > 0 && Int(hc, "CpuQuota") > 0) {
    return Conflict(
        "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");
  }
  if (u.cpu_period > 0 && Int(hc, "NanoCpus") > 0) {
    return Conflict(
        "Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
  }
  if (u.cpu_quota > 0 && Int(hc, "NanoCpus") > 0) {
    return Conflict(
        "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  }
  return absl::OkStatus();
}

int64_t CurrentSwap(const json& host_config) {
  // A limit set without a swap limit has twice its size as swap limit (as
  // docker records it at create; berthd derives it when building the spec).
  int64_t swap = Int(host_config, "MemorySwap");
  if (swap == 0 && Int(host_config, "Memory") > 0) swap = 2 * Int(host_config, "Memory");
  return swap;
}

}  // namespace

absl::StatusOr<ContainerUpdate> ParseContainerUpdate(const nlohmann::json& body) {
  if (!body.is_object()) return InvalidArgumentf("update: the body must be a JSON object");
  ContainerUpdate u;
  struct IntField {
    const char* key;
    int64_t* out;
  };
  for (const IntField& f :
       std::initializer_list<IntField>{{"Memory", &u.memory},
                                       {"MemorySwap", &u.memory_swap},
                                       {"MemoryReservation", &u.memory_reservation},
                                       {"KernelMemory", &u.kernel_memory},
                                       {"CpuShares", &u.cpu_shares},
                                       {"CpuPeriod", &u.cpu_period},
                                       {"CpuQuota", &u.cpu_quota},
                                       {"NanoCpus", &u.nano_cpus},
                                       {"CpuRealtimePeriod", &u.cpu_realtime_period},
                                       {"CpuRealtimeRuntime", &u.cpu_realtime_runtime},
                                       {"BlkioWeight", &u.blkio_weight}}) {
    BERTH_ASSIGN_OR_RETURN(*f.out, GetInt(body, f.key, kPath));
  }
  BERTH_ASSIGN_OR_RETURN(u.cpuset_cpus, GetString(body, "CpusetCpus", kPath));
  BERTH_ASSIGN_OR_RETURN(u.cpuset_mems, GetString(body, "CpusetMems", kPath));
  BERTH_ASSIGN_OR_RETURN(u.pids_limit, spec::GetOptionalInt(body, "PidsLimit", kPath));
  // Both 0 and -1 (any negative, historically) mean "unlimited" here.
  if (u.pids_limit && *u.pids_limit < 0) u.pids_limit = 0;
  if (const json* rp = spec::Field(body, "RestartPolicy")) {
    if (!rp->is_object()) return InvalidArgumentf("{}.RestartPolicy: expected an object", kPath);
    BERTH_ASSIGN_OR_RETURN(std::string name, GetString(*rp, "Name", "UpdateConfig.RestartPolicy"));
    BERTH_ASSIGN_OR_RETURN(int64_t retries,
                           GetInt(*rp, "MaximumRetryCount", "UpdateConfig.RestartPolicy"));
    if (!name.empty()) u.restart_policy = json{{"Name", name}, {"MaximumRetryCount", retries}};
  }
  return u;
}

absl::Status ValidateContainerUpdate(const ContainerUpdate& u, std::vector<std::string>* warnings,
                                     int num_cpus) {
  // docker's verifyContainerSettings on the update alone.
  json given = {{"Memory", u.memory},
                {"MemorySwap", u.memory_swap},
                {"MemoryReservation", u.memory_reservation},
                {"CpuShares", u.cpu_shares},
                {"CpuPeriod", u.cpu_period},
                {"CpuQuota", u.cpu_quota},
                {"NanoCpus", u.nano_cpus},
                {"BlkioWeight", u.blkio_weight}};
  if (u.restart_policy) given["RestartPolicy"] = *u.restart_policy;
  spec::ValidateOptions options;
  options.update = true;
  options.num_cpus = num_cpus;
  BERTH_RETURN_IF_ERROR(spec::ValidateHostConfig(given, json::object(), options));
  if (u.kernel_memory != 0 && warnings != nullptr) warnings->push_back(kKernelMemoryWarning);
  return absl::OkStatus();
}

absl::Status ApplyContainerUpdate(const ContainerUpdate& u, nlohmann::json& host_config) {
  if (!host_config.is_object()) host_config = json::object();
  const int64_t current_swap = CurrentSwap(host_config);
  BERTH_RETURN_IF_ERROR(CheckCpuConflicts(u, host_config));
  // moby's UpdateContainer: a new memory limit above the swap limit
  // recorded (0 when the container has none, so any new limit; -1 for
  // unlimited swap) needs a new swap limit with it.
  if (u.memory != 0 && u.memory > current_swap && u.memory_swap == 0) {
    return Conflict(
        "Memory limit should be smaller than already set memoryswap limit, update the memoryswap "
        "at the same time");
  }
  if (u.restart_policy) {
    const std::string name = (*u.restart_policy)["Name"].get<std::string>();
    auto auto_remove = host_config.find("AutoRemove");
    if (name != "no" && auto_remove != host_config.end() && auto_remove->is_boolean() &&
        auto_remove->get<bool>()) {
      return Conflict(
          "Restart policy cannot be updated because AutoRemove is enabled for the container");
    }
  }

  json updated = host_config;
  auto set = [&](const char* key, int64_t value) {
    if (value != 0) updated[key] = value;
  };
  set("BlkioWeight", u.blkio_weight);
  set("CpuShares", u.cpu_shares);
  set("NanoCpus", u.nano_cpus);
  set("CpuPeriod", u.cpu_period);
  set("CpuQuota", u.cpu_quota);
  if (!u.cpuset_cpus.empty()) updated["CpusetCpus"] = u.cpuset_cpus;
  if (!u.cpuset_mems.empty()) updated["CpusetMems"] = u.cpuset_mems;
  set("Memory", u.memory);
  // The derived swap limit stays what it was, as docker's recorded one would.
  if (u.memory != 0 && u.memory_swap == 0 && Int(host_config, "MemorySwap") == 0) {
    set("MemorySwap", current_swap);
  }
  set("MemorySwap", u.memory_swap);
  set("MemoryReservation", u.memory_reservation);
  set("CpuRealtimePeriod", u.cpu_realtime_period);
  set("CpuRealtimeRuntime", u.cpu_realtime_runtime);
  if (u.pids_limit) updated["PidsLimit"] = *u.pids_limit;
  if (u.restart_policy) updated["RestartPolicy"] = *u.restart_policy;
  // The result must still build into a spec (a new memory over the old
  // reservation, say).
  BERTH_RETURN_IF_ERROR(spec::BuildResources(updated).status());
  host_config = std::move(updated);
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> UpdatedTaskResources(const nlohmann::json& host_config,
                                                    const ContainerUpdate& update) {
  BERTH_ASSIGN_OR_RETURN(json resources, spec::BuildResources(host_config));
  if (update.pids_limit && *update.pids_limit <= 0) resources["pids"] = {{"limit", -1}};
  return resources;
}

}  // namespace berth::engined
