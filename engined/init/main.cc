// berth-init [--] CMD [ARGS...]
//
// A tiny init for containers (what tini is to docker's --init): runs CMD as
// its child, forwards the signals a user sends to the container, reaps every
// zombie re-parented to it, and exits as CMD did (128+N for signal N).
// libc only, no threads, no allocation after start: it is pid 1.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

namespace {

// Signals passed on to the child. SIGKILL and SIGSTOP cannot be caught;
// SIGCHLD is ours; fatal faults are not forwarded, they would be our own bug.
constexpr int kForwarded[] = {SIGHUP,    SIGINT,  SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
                              SIGALRM,   SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGPROF,
                              SIGVTALRM, SIGURG,  SIGIO,   SIGPWR,  SIGXCPU, SIGXFSZ};

void Fail(const char* what) { fprintf(stderr, "berth-init: %s: %s\n", what, strerror(errno)); }

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// In the child: own process group and the terminal's foreground when stdin
// is a tty, so ^C and job control reach CMD (`docker run -it --init`).
[[noreturn]] void ExecChild(char** argv, const sigset_t& old_mask) {
  if (isatty(STDIN_FILENO)) {
    setpgid(0, 0);
    // tcsetpgrp from a background group raises SIGTTOU; ignore it meanwhile.
    struct sigaction ign = {}, old = {};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGTTOU, &ign, &old);
    if (tcsetpgrp(STDIN_FILENO, getpgrp()) != 0 && errno != ENOTTY) {
      Fail("tcsetpgrp");
    }
    sigaction(SIGTTOU, &old, nullptr);
  }
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  execvp(argv[0], argv);
  int err = errno;
  fprintf(stderr, "berth-init: exec %s: %s\n", argv[0], strerror(err));
  // A shell's codes: 127 not found, 126 found but not runnable.
  _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  if (first < argc && strcmp(argv[first], "--") == 0) ++first;
  if (first >= argc) {
    fprintf(stderr, "usage: berth-init [--] COMMAND [ARG...]\n");
    return 1;
  }
  // Not pid 1 (e.g. run by a shim, or in a shared pid namespace): become the
  // subreaper so orphans still come to us.
  if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) Fail("set child subreaper");

  sigset_t wanted, old_mask;
  sigemptyset(&wanted);
  for (int sig : kForwarded) sigaddset(&wanted, sig);
  sigaddset(&wanted, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &wanted, &old_mask) != 0) {
    Fail("block signals");
    return 1;
  }

  pid_t child = fork();
  if (child < 0) {
    Fail("fork");
    return 1;
  }
  if (child == 0) ExecChild(argv + first, old_mask);

  int child_status = 0;
  bool child_done = false;
  while (!child_done) {
    siginfo_t info;
    // The timeout is a safety net in case a SIGCHLD was coalesced.
    struct timespec timeout = {1, 0};
    int sig = sigtimedwait(&wanted, &info, &timeout);
    if (sig < 0 && errno != EAGAIN && errno != EINTR) {
      Fail("sigtimedwait");
      return 1;
    }
    if (sig > 0 && sig != SIGCHLD) {
      if (kill(child, sig) != 0 && errno != ESRCH) Fail("forward signal");
    }
    // Reap everything that has exited: CMD and any orphaned descendants.
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == child) {
        child_status = status;
        child_done = true;
      }
    }
  }
  return ExitCodeOf(child_status);
}
