// What every command gets: the global flags, the Engine API client (made
// on first use, so `berth --help` never dials), the config file, the
// standard streams, and the exit code it sets.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/client/engine_client.h"

namespace berth::cli {

// Docker's exit codes for the CLI's own failures.
inline constexpr int kExitDaemonError = 125;   // run/create could not start it
inline constexpr int kExitCannotInvoke = 126;  // the command cannot be run
inline constexpr int kExitNotFound = 127;      // the command was not found

struct GlobalOptions {
  std::vector<std::string> hosts;  // -H, repeatable as docker's (only one allowed)
  std::string context;             // -c / --context
  std::string config_dir;          // --config (default ~/.berth, or BERTH_CONFIG)
  std::string log_level = "info";
  bool debug = false;
  bool tls = false;
  bool tls_verify = false;
  std::string tls_ca, tls_cert, tls_key;
};

class Cli {
 public:
  Cli();

  GlobalOptions& options() { return options_; }

  // The client for the resolved endpoint; the error says what to fix.
  absl::StatusOr<client::EngineClient*> Client();
  // The config directory in use (flag, BERTH_CONFIG, ~/.berth).
  absl::StatusOr<std::string> ConfigDir() const;

  std::FILE* out() const { return stdout; }
  std::FILE* err() const { return stderr; }
  bool in_is_terminal() const;
  bool out_is_terminal() const;

  // The command named on the command line ({"ps"}, {"container", "run"});
  // empty when none is (help). Every command is added with its name and
  // description, but builds its flags only when it is the one invoked (or
  // for `berth --help` and completion): making CLI11 options is most of a
  // short command's run time (bench/RESULTS-cli.md), and a CLI starts per
  // command. A command's own --help is its invocation, so it sees them.
  void set_invoked(std::vector<std::string> path) { invoked_ = std::move(path); }
  // Whether `command`'s flags are needed in this process: the command is a
  // prefix of the invoked path, matched by name or alias.
  bool Builds(const CLI::App& command) const;
  // Whether the command `name` (or `aliases`) under `parent` is needed at
  // all: on the invoked path, or listed in the invoked group's help. Making
  // a CLI11 command costs nearly as much as a flag (each gets its --help).
  bool Needs(const CLI::App& parent, const std::string& name,
             const std::vector<std::string>& aliases = {}) const;
  // Stands in for a command that is not needed: detached from the command
  // line, never built (Builds is false), and the parent of nothing needed.
  CLI::App* Unbuilt();

  // Prints the error as docker does and sets the exit code (1 unless
  // given); returns the code so commands can `return cli.Fail(s);`.
  int Fail(const absl::Status& status, int code = 1);
  void set_exit_code(int code) { exit_code_ = code; }
  int exit_code() const { return exit_code_; }

 private:
  GlobalOptions options_;
  std::unique_ptr<client::EngineClient> client_;
  std::vector<std::string> invoked_;
  std::unique_ptr<CLI::App> unbuilt_;
  int exit_code_ = 0;
};

}  // namespace berth::cli
