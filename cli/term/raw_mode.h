// Raw terminal mode for `run -it`, `attach`, `exec -it`: keystrokes reach the
// container byte by byte (no line editing, no echo, no ^C -> SIGINT, no
// ^S/^Q flow control) and output is not post-processed (no \n -> \r\n; the
// container's own pty already did that). Same flags as moby/term MakeRaw.
#pragma once

#include <termios.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::cli::term {

// True if `fd` refers to a terminal (tcgetattr succeeds).
bool IsTerminal(int fd);

// Puts a terminal in raw mode and puts the saved settings back when destroyed
// (or on Restore()). Move-only; does not own `fd`, which must outlive it.
class RawTerminal {
 public:
  // Saves the terminal's settings and makes it raw. FailedPrecondition
  // ("fd 0 is not a terminal") when `fd` is not a terminal: callers that
  // accept pipes check IsTerminal first.
  static absl::StatusOr<RawTerminal> Enable(int fd);

  RawTerminal(RawTerminal&& other) noexcept;
  RawTerminal& operator=(RawTerminal&& other) noexcept;
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
  ~RawTerminal();

  // Restores the saved settings now (docker restores as soon as the stream
  // ends, before printing anything). Later calls and the destructor do
  // nothing.
  absl::Status Restore();

  int fd() const { return fd_; }

 private:
  RawTerminal(int fd, const struct termios& saved) : fd_(fd), saved_(saved) {}

  int fd_ = -1;  // -1 once restored or moved from
  struct termios saved_ {};
};

// Puts back the saved settings of every RawTerminal still enabled, for an
// exit that skips destructors (the third SIGINT/SIGTERM ends berth at once,
// from a signal-watching thread, as it ends the docker CLI).
void RestoreTerminalsForExit();

}  // namespace berth::cli::term
