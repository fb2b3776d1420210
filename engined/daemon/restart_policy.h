// docker's restart policies (no, always, on-failure[:N], unless-stopped)
// and the back-off between restarts (moby's restartmanager: 100 ms doubling
// to at most a minute, back to 100 ms once a run lasted 10 s).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace berth::engined {

struct RestartPolicy {
  std::string name;  // "", "no", "always", "on-failure", "unless-stopped"
  int max_retries = 0;

  bool IsNone() const { return name.empty() || name == "no"; }
};

// HostConfig.RestartPolicy {"Name", "MaximumRetryCount"}.
RestartPolicy RestartPolicyOf(const nlohmann::json& host_config);

// Whether a container that just exited with `exit_code` is restarted.
bool ShouldRestart(const RestartPolicy& policy, int exit_code, int restart_count,
                   bool manually_stopped);

// Whether a container found stopped at daemon start is started again:
// "always" always, "unless-stopped" unless stopped by hand. (on-failure
// containers that were running when the daemon died are handled as exits.)
bool RestartAtDaemonStart(const RestartPolicy& policy, bool manually_stopped);

class RestartBackoff {
 public:
  // The delay before the next restart, given how long the last run lasted.
  std::chrono::milliseconds Next(std::chrono::milliseconds last_run);
  void Reset() { delay_ = std::chrono::milliseconds(0); }

 private:
  std::chrono::milliseconds delay_{0};
};

}  // namespace berth::engined
