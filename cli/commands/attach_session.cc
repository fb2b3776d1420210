#include "cli/commands/attach_session.h"

#include <unistd.h>

#include <csignal>
#include <memory>

#include "cli/config/config_file.h"
#include "cli/term/detach_keys.h"
#include "cli/term/raw_mode.h"
#include "cli/term/stream_pump.h"
#include "cli/term/window_size.h"
#include "common/signals.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

void Resize(client::EngineClient& api, const std::string& path) {
  absl::StatusOr<term::WindowSize> size = term::GetWindowSize(STDOUT_FILENO);
  if (!size.ok() || size->rows == 0 || size->cols == 0) return;
  // A failed resize (the process already gone) is not the session's error.
  (void)api.Do({.method = "POST",
                .path = path,
                .query = {{"h", std::to_string(size->rows)}, {"w", std::to_string(size->cols)}}});
}

// cmd/docker's forceExitAfter3TerminationSignals, called on the signal
// watcher's thread: no destructors run, so the terminal is put back first.
[[noreturn]] void ForceExit() {
  term::RestoreTerminalsForExit();
  static constexpr char kMessage[] = "\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n";
  [[maybe_unused]] ssize_t n = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  _exit(1);
}

}  // namespace

absl::StatusOr<std::unique_ptr<term::SignalWatcher>> HandleSignals(client::EngineClient& api,
                                                                   const std::string& kill_path) {
  std::vector<int> signals =
      kill_path.empty() ? term::SignalsIgnoredWithoutProxy() : term::ProxiedSignals();
  if (kill_path.empty()) {
    signals.push_back(SIGINT);
    signals.push_back(SIGTERM);
  }
  return term::SignalWatcher::Start(
      std::move(signals), [&api, kill_path, terminations = 0](int sig) mutable {
        if (!kill_path.empty()) {
          std::string name = SignalName(sig);
          // A failed kill (the container already gone) is not berth's
          // error; docker only logs it at debug level.
          if (!name.empty()) {
            (void)api.Do({.method = "POST", .path = kill_path, .query = {{"signal", name}}});
          }
        }
        if ((sig == SIGINT || sig == SIGTERM) && ++terminations == 3) ForceExit();
      });
}

absl::StatusOr<std::unique_ptr<client::Connection>> AttachContainer(
    client::EngineClient& api, const std::string& id, const AttachStreams& streams,
    const std::string& detach_keys) {
  client::Request r{.method = "POST", .path = "/containers/" + id + "/attach"};
  r.query.emplace_back("stream", "1");
  if (streams.in) r.query.emplace_back("stdin", "1");
  if (streams.out) r.query.emplace_back("stdout", "1");
  if (streams.err) r.query.emplace_back("stderr", "1");
  if (!detach_keys.empty()) r.query.emplace_back("detachKeys", detach_keys);
  return api.Hijack(r);
}

absl::StatusOr<std::unique_ptr<client::BodyStream>> BeginWait(client::EngineClient& api,
                                                              const std::string& id,
                                                              const std::string& condition) {
  client::Request r{.method = "POST", .path = "/containers/" + id + "/wait"};
  if (!condition.empty()) r.query.emplace_back("condition", condition);
  return api.Stream(r);
}

absl::StatusOr<int> ReadExitCode(client::BodyStream& wait) {
  BERTH_ASSIGN_OR_RETURN(std::optional<nlohmann::json> result, wait.NextJson());
  if (!result || !result->is_object()) {
    return absl::UnavailableError("the daemon closed the wait without an exit status");
  }
  const nlohmann::json& error = result->value("Error", nlohmann::json());
  if (error.is_object() && !error.value("Message", "").empty()) {
    return absl::UnknownError(error["Message"].get<std::string>());
  }
  return static_cast<int>(result->value("StatusCode", int64_t{0}));
}

absl::StatusOr<SessionEnd> RunSession(Cli& cli, client::EngineClient& api, client::Connection& conn,
                                      const SessionOptions& options) {
  std::string keys;
  if (options.stdin_attached && options.tty) {
    BERTH_ASSIGN_OR_RETURN(keys, term::ParseDetachKeys(options.detach_keys));
  }
  // Raw mode only when our own stdin is the terminal the user types on.
  std::optional<term::RawTerminal> raw;
  if (options.tty && options.stdin_attached && term::IsTerminal(STDIN_FILENO)) {
    absl::StatusOr<term::RawTerminal> enabled = term::RawTerminal::Enable(STDIN_FILENO);
    if (enabled.ok()) raw.emplace(std::move(*enabled));
  }
  std::unique_ptr<term::SignalWatcher> resize_watcher;
  if (options.tty && !options.resize_path.empty() && term::IsTerminal(STDOUT_FILENO)) {
    Resize(api, options.resize_path);
    absl::StatusOr<std::unique_ptr<term::SignalWatcher>> watcher = term::SignalWatcher::Start(
        {SIGWINCH}, [&api, path = options.resize_path](int) { Resize(api, path); });
    if (watcher.ok()) resize_watcher = std::move(*watcher);
  }
  term::PumpOptions pump;
  pump.in_fd = options.stdin_attached ? STDIN_FILENO : -1;
  pump.out_fd = STDOUT_FILENO;
  pump.err_fd = STDERR_FILENO;
  pump.tty = options.tty;
  pump.detach_keys = keys;
  std::fflush(cli.out());
  absl::StatusOr<term::PumpResult> result = term::Pump(conn, pump);
  resize_watcher.reset();
  raw.reset();
  if (!result.ok()) return result.status();
  return *result == term::PumpResult::kDetached ? SessionEnd::kDetached : SessionEnd::kOutputEnded;
}

int StartFailureCode(const absl::Status& status) {
  std::string_view m = ToStd(status.message());
  if (m.find("executable file not found") != std::string_view::npos ||
      m.find("no such file or directory") != std::string_view::npos) {
    return kExitNotFound;
  }
  if (m.find("permission denied") != std::string_view::npos) return kExitCannotInvoke;
  return kExitDaemonError;
}

std::string DetachKeys(Cli& cli, const std::string& flag) {
  if (!flag.empty()) return flag;
  absl::StatusOr<std::string> dir = cli.ConfigDir();
  if (!dir.ok()) return "ctrl-p,ctrl-q";
  absl::StatusOr<config::ConfigFile> file = config::ConfigFile::Load(*dir);
  if (file.ok() && !file->detach_keys().empty()) return file->detach_keys();
  return "ctrl-p,ctrl-q";
}

}  // namespace berth::cli
