// Parsed command lines of berth-runtime, one struct per runc subcommand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth::runtime {

struct GlobalOptions {
  std::string root;  // state directory; default depends on euid
  std::string log;   // runtime log file; empty means stderr
  std::string log_format = "text";
  bool debug = false;
  bool systemd_cgroup = false;
  std::string rootless = "auto";
};

struct CreateOptions {
  std::string id;
  std::string bundle;  // default: current directory
  std::string pid_file;
  std::string console_socket;
  bool no_pivot = false;
  bool no_new_keyring = false;
  uint32_t preserve_fds = 0;
  // run only
  bool detach = false;
  bool keep = false;
};

struct KillOptions {
  std::string id;
  std::string signal = "SIGTERM";
  bool all = false;
};

struct DeleteOptions {
  std::string id;
  bool force = false;
};

struct ListOptions {
  std::string format = "table";
  bool quiet = false;
};

struct PsOptions {
  std::string id;
  std::string format = "table";
  std::vector<std::string> ps_args;
};

struct EventsOptions {
  std::string id;
  bool stats = false;
  std::string interval = "5s";
};

// Resource flags of `update`; unset flags leave the cgroup as it is.
struct UpdateOptions {
  std::string id;
  std::string resources_file;  // -r; "-" is stdin
  std::optional<std::string> blkio_weight;
  std::optional<std::string> cpu_period;
  std::optional<std::string> cpu_quota;
  std::optional<std::string> cpu_rt_period;
  std::optional<std::string> cpu_rt_runtime;
  std::optional<std::string> cpu_share;
  std::optional<std::string> cpuset_cpus;
  std::optional<std::string> cpuset_mems;
  std::optional<std::string> kernel_memory;
  std::optional<std::string> kernel_memory_tcp;
  std::optional<std::string> memory;
  std::optional<std::string> memory_reservation;
  std::optional<std::string> memory_swap;
  std::optional<std::string> pids_limit;
  std::optional<std::string> l3_cache_schema;
  std::optional<std::string> mem_bw_schema;
};

struct ExecOptions {
  std::string id;
  std::vector<std::string> args;
  std::string process_file;
  bool tty = false;
  std::string console_socket;
  std::string pid_file;
  bool detach = false;
  std::string cwd;
  std::vector<std::string> env;
  std::string user;  // uid[:gid]
  std::vector<uint32_t> additional_gids;
  std::vector<std::string> caps;
  bool no_new_privs = false;
  uint32_t preserve_fds = 0;
  std::string apparmor;
  std::string process_label;
  bool ignore_paused = false;
};

struct SpecOptions {
  std::string bundle;
  bool rootless = false;
};

}  // namespace berth::runtime
