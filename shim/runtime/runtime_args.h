// Command lines of an OCI runtime with runc's CLI (runc, crun, berth-runtime),
// as pure functions: what RuntimeClient runs, testable without running it.
// The argument lists follow containerd's go-runc.
#pragma once

#include <string>
#include <vector>

namespace berth::shim {

// The runtime's global flags.
struct RuntimeConfig {
  std::string binary;           // path of runc / crun / berth-runtime
  std::string root;             // --root: the runtime's state directory ("" = its default)
  std::string log;              // --log (with --log-format json); "" = stderr only
  bool systemd_cgroup = false;  // --systemd-cgroup
};

// Descriptors given to a runtime process as 0/1/2; -1 means /dev/null. They
// are not owned, and are dup'd into place in the child only.
struct StdioFds {
  int in = -1;
  int out = -1;
  int err = -1;
};

struct CreateOptions {
  // Where the runtime writes the init pid; "" = a temporary file.
  std::string pid_file;
  std::string console_socket;  // --console-socket (terminal containers)
  bool no_pivot = false;
  bool no_new_keyring = false;
  StdioFds stdio;
  // Passed to the container as fds 3, 4, ... (--preserve-fds N); not owned.
  std::vector<int> extra_fds;
};

struct ExecOptions {
  std::string pid_file;  // "" = a temporary file
  std::string console_socket;
  // With detach the runtime returns once the process runs (how shims exec);
  // without, it stays until the process exits, so Exec returns only then.
  bool detach = true;
  StdioFds stdio;
  std::vector<int> extra_fds;
};

// Everything before the command: binary, --root, --log, --log-format json,
// --systemd-cgroup.
std::vector<std::string> GlobalArgs(const RuntimeConfig& config);

// Arguments after the global ones, per command. `pid_file` is the
// resolved one (the options' or a temporary path).
std::vector<std::string> CreateArgs(const std::string& id, const std::string& bundle,
                                    const CreateOptions& options, const std::string& pid_file);
std::vector<std::string> StartArgs(const std::string& id);
std::vector<std::string> KillArgs(const std::string& id, int signal, bool all);
std::vector<std::string> DeleteArgs(const std::string& id, bool force);
std::vector<std::string> PauseArgs(const std::string& id);
std::vector<std::string> ResumeArgs(const std::string& id);
// Resources JSON read from stdin.
std::vector<std::string> UpdateArgs(const std::string& id);
std::vector<std::string> StateArgs(const std::string& id);
std::vector<std::string> PsArgs(const std::string& id);
// One stats event (runc's JSON) on stdout.
std::vector<std::string> StatsArgs(const std::string& id);
std::vector<std::string> ExecArgs(const std::string& id, const std::string& process_file,
                                  const ExecOptions& options, const std::string& pid_file);

// GlobalArgs(config) followed by `command`.
std::vector<std::string> FullArgv(const RuntimeConfig& config,
                                  const std::vector<std::string>& command);

}  // namespace berth::shim
