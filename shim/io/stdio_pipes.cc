#include "shim/io/stdio_pipes.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/status.h"

namespace berth::shim::io {
namespace {

absl::Status Pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return ErrnoErrorf(errno, "pipe2");
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return absl::OkStatus();
}

absl::StatusOr<UniqueFd> OpenNull() {
  UniqueFd fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "open /dev/null");
  return fd;
}

}  // namespace

absl::StatusOr<StdioPipes> MakeStdioPipes(bool with_stdin) {
  StdioPipes pipes;
  if (with_stdin) {
    BERTH_RETURN_IF_ERROR(Pipe(pipes.child.in, pipes.shim.stdin_fd));
  } else {
    BERTH_ASSIGN_OR_RETURN(pipes.child.in, OpenNull());
  }
  BERTH_RETURN_IF_ERROR(Pipe(pipes.shim.stdout_fd, pipes.child.out));
  BERTH_RETURN_IF_ERROR(Pipe(pipes.shim.stderr_fd, pipes.child.err));
  return pipes;
}

absl::StatusOr<ChildStdio> NullStdio() {
  ChildStdio stdio;
  BERTH_ASSIGN_OR_RETURN(stdio.in, OpenNull());
  BERTH_ASSIGN_OR_RETURN(stdio.out, OpenNull());
  BERTH_ASSIGN_OR_RETURN(stdio.err, OpenNull());
  return stdio;
}

}  // namespace berth::shim::io
