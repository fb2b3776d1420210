#include "shim/runtime/runtime_args.h"

namespace berth::shim {

std::vector<std::string> GlobalArgs(const RuntimeConfig& config) {
  std::vector<std::string> args = {config.binary};
  if (!config.root.empty()) args.insert(args.end(), {"--root", config.root});
  if (!config.log.empty()) args.insert(args.end(), {"--log", config.log, "--log-format", "json"});
  if (config.systemd_cgroup) args.push_back("--systemd-cgroup");
  return args;
}

std::vector<std::string> CreateArgs(const std::string& id, const std::string& bundle,
                                    const CreateOptions& options, const std::string& pid_file) {
  std::vector<std::string> args = {"create", "--bundle", bundle};
  if (!pid_file.empty()) args.insert(args.end(), {"--pid-file", pid_file});
  if (!options.console_socket.empty()) {
    args.insert(args.end(), {"--console-socket", options.console_socket});
  }
  if (options.no_pivot) args.push_back("--no-pivot");
  if (options.no_new_keyring) args.push_back("--no-new-keyring");
  if (!options.extra_fds.empty()) {
    args.insert(args.end(), {"--preserve-fds", std::to_string(options.extra_fds.size())});
  }
  args.push_back(id);
  return args;
}

std::vector<std::string> StartArgs(const std::string& id) { return {"start", id}; }

std::vector<std::string> KillArgs(const std::string& id, int signal, bool all) {
  std::vector<std::string> args = {"kill"};
  if (all) args.push_back("--all");
  // By number, as go-runc: every runtime takes numbers, names vary.
  args.insert(args.end(), {id, std::to_string(signal)});
  return args;
}

std::vector<std::string> DeleteArgs(const std::string& id, bool force) {
  std::vector<std::string> args = {"delete"};
  if (force) args.push_back("--force");
  args.push_back(id);
  return args;
}

std::vector<std::string> PauseArgs(const std::string& id) { return {"pause", id}; }
std::vector<std::string> ResumeArgs(const std::string& id) { return {"resume", id}; }

std::vector<std::string> UpdateArgs(const std::string& id) {
  return {"update", "--resources", "-", id};
}

std::vector<std::string> StateArgs(const std::string& id) { return {"state", id}; }

std::vector<std::string> PsArgs(const std::string& id) { return {"ps", "--format", "json", id}; }

std::vector<std::string> StatsArgs(const std::string& id) { return {"events", "--stats", id}; }

std::vector<std::string> ExecArgs(const std::string& id, const std::string& process_file,
                                  const ExecOptions& options, const std::string& pid_file) {
  std::vector<std::string> args = {"exec", "--process", process_file};
  if (!options.console_socket.empty()) {
    args.insert(args.end(), {"--console-socket", options.console_socket});
  }
  if (options.detach) args.push_back("--detach");
  if (!pid_file.empty()) args.insert(args.end(), {"--pid-file", pid_file});
  if (!options.extra_fds.empty()) {
    args.insert(args.end(), {"--preserve-fds", std::to_string(options.extra_fds.size())});
  }
  args.push_back(id);
  return args;
}

std::vector<std::string> FullArgv(const RuntimeConfig& config,
                                  const std::vector<std::string>& command) {
  std::vector<std::string> argv = GlobalArgs(config);
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

}  // namespace berth::shim
