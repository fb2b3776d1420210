#include "engined/spec/validate.h"

#include <sched.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "engined/spec/capabilities.h"
#include "engined/spec/devices.h"
#include "engined/spec/fields.h"
#include "engined/spec/rlimits.h"
#include "engined/spec/security_opt.h"

namespace berth::engined::spec {
namespace {

// Docker's floor: not a kernel limit, room for the container to start.
constexpr int64_t kMinMemory = 6 * 1024 * 1024;

#define BERTH_GET_(type, var, getter, obj, key, path) \
  BERTH_ASSIGN_OR_RETURN(type var, getter(obj, key, path))

absl::Status ValidateMemory(const Json& r, const ValidateOptions& o) {
  BERTH_GET_(int64_t, memory, GetInt, r, "Memory", "HostConfig");
  BERTH_GET_(int64_t, swap, GetInt, r, "MemorySwap", "HostConfig");
  BERTH_GET_(int64_t, reservation, GetInt, r, "MemoryReservation", "HostConfig");
  BERTH_GET_(std::optional<int64_t>, swappiness, GetOptionalInt, r, "MemorySwappiness",
             "HostConfig");
  if (memory != 0 && memory < kMinMemory) {
    return InvalidArgumentf("Minimum memory limit allowed is 6MB");
  }
  if (memory > 0 && swap > 0 && swap < memory) {
    return InvalidArgumentf(
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (memory == 0 && swap > 0 && !o.update) {
    return InvalidArgumentf(
        "You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  // -1 is how clients say "not set".
  if (swappiness && *swappiness != -1 && (*swappiness < 0 || *swappiness > 100)) {
    return InvalidArgumentf("Invalid value: {}, valid memory swappiness range is 0-100",
                            *swappiness);
  }
  if (reservation > 0 && reservation < kMinMemory) {
    return InvalidArgumentf("Minimum memory reservation allowed is 6MB");
  }
  if (memory > 0 && reservation > 0 && memory < reservation) {
    return InvalidArgumentf(
        "Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  return absl::OkStatus();
}

absl::Status ValidateCpu(const Json& r, const ValidateOptions& o) {
  BERTH_GET_(int64_t, nano, GetInt, r, "NanoCpus", "HostConfig");
  BERTH_GET_(int64_t, period, GetInt, r, "CpuPeriod", "HostConfig");
  BERTH_GET_(int64_t, quota, GetInt, r, "CpuQuota", "HostConfig");
  BERTH_GET_(int64_t, shares, GetInt, r, "CpuShares", "HostConfig");
  if (nano > 0 && period > 0) {
    return InvalidArgumentf("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  }
  if (nano > 0 && quota > 0) {
    return InvalidArgumentf("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  }
  int cpus = o.num_cpus > 0 ? o.num_cpus : AvailableCpus();
  if (nano != 0 && (nano < 0 || nano > int64_t{cpus} * 1000000000)) {
    return InvalidArgumentf(
        "Range of CPUs is from 0.01 to {0}.00, as there are only {0} CPUs available", cpus);
  }
  if (period != 0 && (period < 1000 || period > 1000000)) {
    return InvalidArgumentf(
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  if (quota > 0 && quota < 1000) {
    return InvalidArgumentf("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  }
  if (shares < 0) {
    return InvalidArgumentf("invalid CPU shares ({}): value must be a positive integer", shares);
  }
  return absl::OkStatus();
}

absl::Status ValidateRestartPolicy(const Json& hc) {
  const Json* rp = Field(hc, "RestartPolicy");
  std::string name;
  int64_t retries = 0;
  if (rp != nullptr) {
    BERTH_ASSIGN_OR_RETURN(name, GetString(*rp, "Name", "HostConfig.RestartPolicy"));
    BERTH_ASSIGN_OR_RETURN(retries, GetInt(*rp, "MaximumRetryCount", "HostConfig.RestartPolicy"));
  }
  BERTH_GET_(bool, auto_remove, GetBool, hc, "AutoRemove", "HostConfig");
  if (auto_remove && !name.empty() && name != "no") {
    return InvalidArgumentf("can't create 'AutoRemove' container with restart policy");
  }
  if (name == "always" || name == "unless-stopped" || name == "no") {
    if (retries != 0) {
      return InvalidArgumentf(
          "invalid restart policy: maximum retry count can only be used with 'on-failure'{}",
          retries < 0 ? " and cannot be negative" : "");
    }
  } else if (name == "on-failure") {
    if (retries < 0) {
      return InvalidArgumentf("invalid restart policy: maximum retry count cannot be negative");
    }
  } else if (!name.empty()) {
    return InvalidArgumentf(
        "invalid restart policy: unknown policy '{}'; use one of 'no', 'always', 'on-failure', "
        "or 'unless-stopped'",
        name);
  }
  return absl::OkStatus();
}

absl::Status ValidateModes(const Json& hc) {
  BERTH_GET_(std::string, ipc, GetString, hc, "IpcMode", "HostConfig");
  BERTH_GET_(std::string, pid, GetString, hc, "PidMode", "HostConfig");
  BERTH_GET_(std::string, uts, GetString, hc, "UTSMode", "HostConfig");
  auto container_ref = [](const std::string& m) {
    return m.rfind("container:", 0) == 0 && m.size() > 10;
  };
  if (container_ref(ipc)) {
    // Joining needs the donor's /dev/shm bound in as well.
    return InvalidArgumentf(
        "IPC mode {:?}: sharing another container's IPC namespace is not "
        "supported by berthd yet",
        ipc);
  }
  if (!(ipc.empty() || ipc == "none" || ipc == "private" || ipc == "shareable" || ipc == "host")) {
    return InvalidArgumentf("invalid IPC mode: {}", ipc);
  }
  if (!(pid.empty() || pid == "host" || container_ref(pid))) {
    return InvalidArgumentf("invalid PID mode: {}", pid);
  }
  if (!(uts.empty() || uts == "host")) return InvalidArgumentf("invalid UTS mode: {}", uts);
  return absl::OkStatus();
}

}  // namespace

int AvailableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return 1;
}

absl::Status ValidateResources(const nlohmann::json& resources, const ValidateOptions& options) {
  BERTH_RETURN_IF_ERROR(ValidateMemory(resources, options));
  BERTH_RETURN_IF_ERROR(ValidateCpu(resources, options));
  BERTH_GET_(int64_t, blkio, GetInt, resources, "BlkioWeight", "HostConfig");
  if (blkio > 0 && (blkio < 10 || blkio > 1000)) {
    return InvalidArgumentf("Range of blkio weight is from 10 to 1000");
  }
  return absl::OkStatus();
}

absl::Status ValidateHostConfig(const nlohmann::json& host_config, const nlohmann::json& config,
                                const ValidateOptions& options) {
  if (!host_config.is_null() && !host_config.is_object()) {
    return InvalidArgumentf("HostConfig: expected an object");
  }
  const Json& hc = host_config;
  BERTH_GET_(std::vector<std::string>, env, GetStrings, config, "Env", "Config");
  for (const std::string& e : env) {
    if (e.empty() || e[0] == '=') return InvalidArgumentf("invalid environment variable: {}", e);
  }
  BERTH_RETURN_IF_ERROR(ValidateRestartPolicy(hc));
  BERTH_GET_(std::vector<std::string>, cap_add, GetStrings, hc, "CapAdd", "HostConfig");
  BERTH_GET_(std::vector<std::string>, cap_drop, GetStrings, hc, "CapDrop", "HostConfig");
  BERTH_RETURN_IF_ERROR(NormalizeCapabilities(cap_add, "invalid CapAdd").status());
  BERTH_RETURN_IF_ERROR(NormalizeCapabilities(cap_drop, "invalid CapDrop").status());
  BERTH_RETURN_IF_ERROR(ValidateResources(hc, options));
  BERTH_RETURN_IF_ERROR(ValidateModes(hc));
  BERTH_GET_(int64_t, shm, GetInt, hc, "ShmSize", "HostConfig");
  if (shm < 0) return InvalidArgumentf("SHM size can not be less than 0");
  BERTH_GET_(int64_t, oom, GetInt, hc, "OomScoreAdj", "HostConfig");
  if (oom < -1000 || oom > 1000) {
    return InvalidArgumentf("Invalid value {}, range for oom score adj is [-1000, 1000]", oom);
  }
  BERTH_RETURN_IF_ERROR(ParseUlimits(hc).status());
  BERTH_RETURN_IF_ERROR(ParseDeviceMappings(hc).status());
  BERTH_GET_(std::vector<std::string>, rules, GetStrings, hc, "DeviceCgroupRules", "HostConfig");
  for (const std::string& r : rules) BERTH_RETURN_IF_ERROR(ParseDeviceCgroupRule(r).status());
  BERTH_GET_(std::vector<std::string>, sec, GetStrings, hc, "SecurityOpt", "HostConfig");
  BERTH_RETURN_IF_ERROR(ParseSecurityOpts(sec).status());
  return absl::OkStatus();
}

}  // namespace berth::engined::spec
