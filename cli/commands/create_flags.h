// The flags `run` and `create` share, and the create request they make:
// docker's names, short forms and defaults, turned into the Engine API's
// container config + host config.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::cli {

struct CreateFlags {
  // Container config.
  std::vector<std::string> env, env_files, labels, label_files, attach, expose, volumes_decl;
  std::string name, hostname, domainname, user, workdir, entrypoint, stop_signal, platform;
  CLI::Option* entrypoint_set = nullptr;  // --entrypoint "" clears the image's
  std::string pull = "missing";
  std::optional<int> stop_timeout;
  bool tty = false, interactive = false;
  std::string health_cmd, health_interval, health_timeout, health_start_period,
      health_start_interval;
  std::optional<int> health_retries;
  bool no_healthcheck = false;
  // Host config.
  std::vector<std::string> binds, mounts, tmpfs, cap_add, cap_drop, security_opt, ulimits,
      group_add, sysctls, devices, log_opts, dns, dns_options, dns_search, add_hosts, publish,
      volumes_from, links, annotations;
  std::string network = "default", restart = "no", memory, memory_swap, memory_reservation, cpus,
              cpuset_cpus, cpuset_mems, ipc, pid, uts, shm_size, log_driver, cgroup_parent,
              cgroupns, runtime, userns, mac_address;
  std::optional<int64_t> cpu_shares, cpu_period, cpu_quota, pids_limit, memory_swappiness;
  std::optional<uint16_t> blkio_weight;
  std::vector<std::string> device_cgroup_rules;
  // Not the container's: where the ID goes, and the pull's output.
  std::string cidfile;
  bool quiet = false;
  bool disable_content_trust = true;  // accepted; content trust is not supported
  std::optional<int> oom_score_adj;
  bool rm = false, privileged = false, read_only = false, init = false, oom_kill_disable = false,
       publish_all = false;
};

// The environment of --env-file files (in order), then of -e values, as
// docker reads them: "KEY" alone takes berth's own value, or is dropped.
absl::StatusOr<nlohmann::json> EnvList(const std::vector<std::string>& files,
                                       const std::vector<std::string>& env);

// Adds the shared flags to `cmd`, bound to `flags`.
void AddCreateFlags(CLI::App& cmd, CreateFlags& flags);

// The POST /containers/create body for `image` running `args` (empty: the
// image's command). `detached`: run -d (no stdout/stderr attach).
absl::StatusOr<nlohmann::json> CreateRequestBody(const CreateFlags& flags, const std::string& image,
                                                 const std::vector<std::string>& args,
                                                 bool detached);

}  // namespace berth::cli
