// `tty`: what the process's stdio terminal looks like, for console tests.
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tests/probe/json_out.h"
#include "tests/probe/probe.h"

namespace berth::probe {

int CmdTty(const Args&) {
  bool is_tty[3];
  int tty_fd = -1;
  for (int fd = 0; fd < 3; ++fd) {
    is_tty[fd] = isatty(fd) == 1;
    if (is_tty[fd] && tty_fd < 0) tty_fd = fd;
  }
  pid_t sid = getsid(0);
  Object out;
  out.Bool("stdin_isatty", is_tty[0])
      .Bool("stdout_isatty", is_tty[1])
      .Bool("stderr_isatty", is_tty[2]);
  const char* name = tty_fd >= 0 ? ttyname(tty_fd) : nullptr;
  if (name != nullptr) {
    out.Str("ttyname", name);
  } else {
    out.Null("ttyname");
  }
  struct winsize ws {};
  if (tty_fd >= 0 && ioctl(tty_fd, TIOCGWINSZ, &ws) == 0) {
    out.Obj("winsize", Object().Int("rows", ws.ws_row).Int("cols", ws.ws_col));
  } else {
    out.Null("winsize");
  }
  // The terminal is our controlling terminal iff its session is ours.
  bool ctty = tty_fd >= 0 && tcgetsid(tty_fd) == sid;
  out.Bool("ctty", ctty).Int("sid", sid).Int("tpgid", ctty ? tcgetpgrp(tty_fd) : -1);
  return Print(out);
}

}  // namespace berth::probe
