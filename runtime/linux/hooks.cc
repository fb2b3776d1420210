#include "runtime/linux/hooks.h"

#include <chrono>

#include "common/logger.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::linux {
namespace {

absl::Status RunHook(const spec::Hook& hook, const std::string& phase,
                     const std::string& state_json) {
  SpawnOptions opts;
  opts.program = hook.path;
  opts.argv = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  opts.env = hook.env;
  std::optional<std::chrono::milliseconds> timeout;
  if (hook.timeout) {
    if (*hook.timeout <= 0) {
      return InvalidArgumentf("{} hook {}: timeout must be positive, got {}", phase, hook.path,
                              *hook.timeout);
    }
    timeout = std::chrono::seconds(*hook.timeout);
  }
  absl::StatusOr<SpawnResult> result = RunAndCapture(opts, state_json, timeout);
  if (!result.ok()) return WithContext(result.status(), fmt::format("{} hook {}", phase, hook.path));
  if (!result->status.success()) {
    std::string detail(TrimSpace(result->err.empty() ? result->out : result->err));
    return FailedPreconditionf("{} hook {} failed: exit status {}{}{}", phase, hook.path,
                               result->status.code, detail.empty() ? "" : ": ", detail);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunHooks(const std::vector<spec::Hook>& hooks, const std::string& phase,
                      const std::string& state_json) {
  for (const spec::Hook& hook : hooks) {
    BERTH_RETURN_IF_ERROR(RunHook(hook, phase, state_json));
  }
  return absl::OkStatus();
}

void RunHooksWarnOnly(const std::vector<spec::Hook>& hooks, const std::string& phase,
                      const std::string& state_json) {
  for (const spec::Hook& hook : hooks) {
    absl::Status s = RunHook(hook, phase, state_json);
    if (!s.ok()) log::Warnf("{}", s);
  }
}

}  // namespace berth::runtime::linux
