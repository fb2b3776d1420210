// Copies a container's stdio over an upgraded (hijacked) Engine API
// connection: what docker's hijackedIOStreamer does for `run -a`, `attach`,
// `start -a` and `exec`.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "cli/client/connection.h"

namespace berth::cli::term {

struct PumpOptions {
  int in_fd = -1;   // stdin to send; -1: none
  int out_fd = -1;  // container stdout (and, with a TTY, everything); -1: discard
  int err_fd = -1;  // container stderr (without a TTY); -1: discard
  // The container has a TTY: output is one raw stream and input is scanned
  // for `detach_keys`. Without one, output is stdcopy-multiplexed and input
  // is copied as is. Raw mode on in_fd is the caller's (RawTerminal).
  bool tty = false;
  // The detach sequence as bytes (ParseDetachKeys); empty: none. Used only
  // with a TTY, as docker does.
  std::string detach_keys;
};

enum class PumpResult {
  kOutputEnded,  // the container's output ended (it exited, or the daemon closed)
  kDetached,     // the user typed the detach sequence; the container runs on
};

// Runs until the output side ends or the user detaches. Input is read on a
// thread (poll()ed together with a wake pipe, so it never holds up the
// return); at EOF of in_fd the connection is half-closed (CloseWrite) and
// output goes on being copied, so `echo hi | berth run -i` sees its output.
// When neither out_fd nor err_fd is given, returns once input is done, as
// docker does. On detach the connection is Shutdown() and kDetached is
// returned: docker's `run` and `start -a` then exit 0 silently, while
// `attach` prints "read escape sequence" and exits 1 (the EscapeError is
// returned as its error); that is for the caller to do.
//
// Errors: reading the connection or writing out_fd/err_fd (with context); a
// systemerr frame (stream 3) gives Internal "error from daemon in stream:
// <text>"; an unknown stream byte Internal "unrecognized stream header: 7".
// A frame cut short by the end of the stream ends the copy quietly, as in
// stdcopy. Errors reading in_fd or writing input end the input side only, as
// in docker (the output side then reports what went wrong).
absl::StatusOr<PumpResult> Pump(client::Connection& connection, const PumpOptions& options);

}  // namespace berth::cli::term
