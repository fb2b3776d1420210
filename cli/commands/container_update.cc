// berth update: new resource limits or restart policy for containers
// (docker update). Sizes as docker's flags take them ("512m", "-1" for an
// unlimited swap).
#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct UpdateOptions {
  std::vector<std::string> containers;
  std::optional<int64_t> blkio_weight, cpu_period, cpu_quota, cpu_rt_period, cpu_rt_runtime,
      cpu_shares, pids_limit;
  std::optional<double> cpus;
  std::optional<std::string> cpuset_cpus, cpuset_mems, memory, memory_reservation, memory_swap,
      kernel_memory, restart;
};

absl::StatusOr<int64_t> Size(const char* flag, const std::optional<std::string>& value,
                             bool allow_unlimited = false) {
  if (!value) return 0;
  if (allow_unlimited && *value == "-1") return -1;
  absl::StatusOr<int64_t> n = RAMInBytes(*value);
  if (!n.ok()) {
    return InvalidArgumentf("invalid argument \"{}\" for \"{}\" flag: {}", *value, flag,
                            ToStd(n.status().message()));
  }
  return *n;
}

// docker's opts.ParseRestartPolicy: "name[:max-retries]".
absl::StatusOr<nlohmann::json> RestartPolicy(const std::string& text) {
  auto [name, count] = SplitOnce(text, ':');
  nlohmann::json policy = {{"Name", std::string(name)}, {"MaximumRetryCount", 0}};
  if (count) {
    std::optional<int64_t> n = ParseInt64(*count);
    if (!n)
      return InvalidArgumentf(
          "invalid restart policy format: maximum retry count must be an integer");
    policy["MaximumRetryCount"] = *n;
  }
  return policy;
}

absl::StatusOr<nlohmann::json> Body(const UpdateOptions& o) {
  bool any = o.blkio_weight || o.cpu_period || o.cpu_quota || o.cpu_rt_period || o.cpu_rt_runtime ||
             o.cpu_shares || o.pids_limit || o.cpus || o.cpuset_cpus || o.cpuset_mems || o.memory ||
             o.memory_reservation || o.memory_swap || o.kernel_memory || o.restart;
  if (!any) {
    return absl::InvalidArgumentError("you must provide one or more flags when using this command");
  }
  nlohmann::json body = {{"BlkioWeight", o.blkio_weight.value_or(0)},
                         {"CpuPeriod", o.cpu_period.value_or(0)},
                         {"CpuQuota", o.cpu_quota.value_or(0)},
                         {"CpuRealtimePeriod", o.cpu_rt_period.value_or(0)},
                         {"CpuRealtimeRuntime", o.cpu_rt_runtime.value_or(0)},
                         {"CpuShares", o.cpu_shares.value_or(0)},
                         {"CpusetCpus", o.cpuset_cpus.value_or("")},
                         {"CpusetMems", o.cpuset_mems.value_or("")},
                         {"NanoCpus", static_cast<int64_t>(o.cpus.value_or(0) * 1e9)}};
  BERTH_ASSIGN_OR_RETURN(body["Memory"], Size("--memory", o.memory));
  BERTH_ASSIGN_OR_RETURN(body["MemoryReservation"],
                         Size("--memory-reservation", o.memory_reservation));
  BERTH_ASSIGN_OR_RETURN(body["MemorySwap"], Size("--memory-swap", o.memory_swap, true));
  BERTH_ASSIGN_OR_RETURN(body["KernelMemory"], Size("--kernel-memory", o.kernel_memory));
  if (o.pids_limit) body["PidsLimit"] = *o.pids_limit;
  if (o.restart) {
    BERTH_ASSIGN_OR_RETURN(body["RestartPolicy"], RestartPolicy(*o.restart));
  }
  return body;
}

int Update(UpdateOptions& o, Cli& cli) {
  absl::StatusOr<nlohmann::json> body = Body(o);
  if (!body.ok()) return cli.Fail(body.status());
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  // As docker: names of the updated ones, then the warnings, then every
  // error at once.
  std::vector<std::string> warnings, errors;
  for (const std::string& container : o.containers) {
    absl::StatusOr<nlohmann::json> answer = (*api)->DoJson(
        {.method = "POST", .path = "/containers/" + container + "/update", .json = *body});
    if (!answer.ok()) {
      if (!client::IsDaemonError(answer.status())) return cli.Fail(answer.status());
      errors.push_back(client::ErrorLine(answer.status()));
      continue;
    }
    std::fprintf(cli.out(), "%s\n", container.c_str());
    const nlohmann::json w = answer->value("Warnings", nlohmann::json());
    if (w.is_array()) {
      for (const nlohmann::json& line : w) {
        if (line.is_string()) warnings.push_back(line.get<std::string>());
      }
    }
  }
  if (!warnings.empty()) std::fprintf(cli.out(), "%s\n", Join(warnings, "\n").c_str());
  if (errors.empty()) return 0;
  std::fflush(cli.out());
  std::fprintf(cli.err(), "%s\n", Join(errors, "\n").c_str());
  cli.set_exit_code(1);
  return 1;
}

}  // namespace

CLI::App* AddUpdateCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<UpdateOptions>();
  CLI::App* sub = AddCommand<UpdateOptions>(
      parent, cli, "update", "Update configuration of one or more containers", o, Update);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("containers", o->containers, "Containers")->required();
  sub->add_option("--blkio-weight", o->blkio_weight,
                  "Block IO (relative weight), between 10 and 1000, or 0 to disable");
  sub->add_option("--cpu-period", o->cpu_period,
                  "Limit CPU CFS (Completely Fair Scheduler) period");
  sub->add_option("--cpu-quota", o->cpu_quota, "Limit CPU CFS (Completely Fair Scheduler) quota");
  sub->add_option("--cpu-rt-period", o->cpu_rt_period,
                  "Limit the CPU real-time period in microseconds");
  sub->add_option("--cpu-rt-runtime", o->cpu_rt_runtime,
                  "Limit the CPU real-time runtime in microseconds");
  sub->add_option("-c,--cpu-shares", o->cpu_shares, "CPU shares (relative weight)");
  sub->add_option("--cpus", o->cpus, "Number of CPUs");
  sub->add_option("--cpuset-cpus", o->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  sub->add_option("--cpuset-mems", o->cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  sub->add_option("-m,--memory", o->memory, "Memory limit");
  sub->add_option("--memory-reservation", o->memory_reservation, "Memory soft limit");
  sub->add_option("--memory-swap", o->memory_swap,
                  "Swap limit equal to memory plus swap: -1 to enable unlimited swap");
  sub->add_option("--kernel-memory", o->kernel_memory, "Kernel memory limit (deprecated)");
  sub->add_option("--pids-limit", o->pids_limit,
                  "Tune container pids limit (set -1 for unlimited)");
  sub->add_option("--restart", o->restart, "Restart policy to apply when a container exits");
  return sub;
}

}  // namespace berth::cli
