#include "engined/daemon/restart_policy.h"

#include <algorithm>

namespace berth::engined {

namespace {
constexpr std::chrono::milliseconds kFirstDelay{100};
constexpr std::chrono::milliseconds kMaxDelay{60000};
constexpr std::chrono::milliseconds kResetAfterRun{10000};
}  // namespace

RestartPolicy RestartPolicyOf(const nlohmann::json& host_config) {
  RestartPolicy p;
  auto it = host_config.find("RestartPolicy");
  if (it == host_config.end() || !it->is_object()) return p;
  if (auto n = it->find("Name"); n != it->end() && n->is_string()) p.name = n->get<std::string>();
  if (auto m = it->find("MaximumRetryCount"); m != it->end() && m->is_number_integer()) {
    p.max_retries = m->get<int>();
  }
  return p;
}

bool ShouldRestart(const RestartPolicy& policy, int exit_code, int restart_count,
                   bool manually_stopped) {
  if (manually_stopped || policy.IsNone()) return false;
  if (policy.name == "always" || policy.name == "unless-stopped") return true;
  if (policy.name == "on-failure") {
    return exit_code != 0 && (policy.max_retries <= 0 || restart_count < policy.max_retries);
  }
  return false;
}

bool RestartAtDaemonStart(const RestartPolicy& policy, bool manually_stopped) {
  if (policy.name == "always") return true;
  return policy.name == "unless-stopped" && !manually_stopped;
}

std::chrono::milliseconds RestartBackoff::Next(std::chrono::milliseconds last_run) {
  if (last_run >= kResetAfterRun || delay_.count() == 0) {
    delay_ = kFirstDelay;
  } else {
    delay_ = std::min(delay_ * 2, kMaxDelay);
  }
  return delay_;
}

}  // namespace berth::engined
