// The parts of run / start -a / attach / exec that stream a process's
// stdio: the upgraded attach connection, the wait for its exit, and the
// terminal session itself (raw mode, window size, signal proxy, detach keys).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/client/engine_client.h"
#include "cli/commands/cli.h"
#include "cli/term/window_size.h"

namespace berth::cli {

struct AttachStreams {
  bool in = false, out = false, err = false;
};

// POST /containers/<id>/attach?stream=1&... upgraded to a raw stream.
absl::StatusOr<std::unique_ptr<client::Connection>> AttachContainer(client::EngineClient& api,
                                                                    const std::string& id,
                                                                    const AttachStreams& streams,
                                                                    const std::string& detach_keys);

// POST /containers/<id>/wait?condition=...: its header is back (the wait is
// in place) when this returns; ReadExitCode reads its answer.
absl::StatusOr<std::unique_ptr<client::BodyStream>> BeginWait(client::EngineClient& api,
                                                              const std::string& id,
                                                              const std::string& condition);
absl::StatusOr<int> ReadExitCode(client::BodyStream& wait);

struct SessionOptions {
  bool stdin_attached = false;
  bool tty = false;
  std::string detach_keys;  // docker's spec ("ctrl-p,ctrl-q"); "" = the config's or default
  // POSTed with h= and w= at start and on every window change (tty only).
  std::string resize_path;
};

// What berth does with the signals it receives while a container is
// attached (run, start -a, attach), from before the attach until the
// command returns, as the docker CLI does:
// - with `kill_path` (--sig-proxy, the default): each signal of
//   term::ProxiedSignals() is sent on as POST kill_path?signal=NAME
//   (docker's ForwardAllSignals; docker names the signal);
// - without: term::SignalsIgnoredWithoutProxy() are ignored and the rest
//   keep their default action;
// - either way SIGINT and SIGTERM do not end berth until the third, which
//   prints docker's "got 3 SIGTERM/SIGINTs, forcefully exiting" and exits 1
//   at once (the terminal restored), leaving the container running.
// The handlers are removed when the returned watcher is destroyed.
absl::StatusOr<std::unique_ptr<term::SignalWatcher>> HandleSignals(client::EngineClient& api,
                                                                   const std::string& kill_path);

enum class SessionEnd { kOutputEnded, kDetached };

// Copies stdio over `conn` until the process's output ends or the user
// detaches. The terminal is restored however it ends.
absl::StatusOr<SessionEnd> RunSession(Cli& cli, client::EngineClient& api, client::Connection& conn,
                                      const SessionOptions& options);

// docker's exit code for a start that failed: 127 when the command was not
// found, 126 when it could not be run, 125 otherwise.
int StartFailureCode(const absl::Status& status);

// The detach keys to use: the flag, else the config file's, else docker's.
std::string DetachKeys(Cli& cli, const std::string& flag);

}  // namespace berth::cli
