/* berth-rss-exec PROGRAM ARGS...: runs PROGRAM and writes "<exit> <maxrss KB>"
 * to fd 3. A small static process between the benchmark and the runtime, so
 * the runtime's peak RSS is its own: Linux charges the RSS of the memory a
 * process replaces at exec to its high-water mark, and the benchmark itself
 * is bigger than a runtime. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    close(3);
    execv(argv[1], argv + 1);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return 2;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  dprintf(3, "%d %ld\n", code, ru.ru_maxrss);
  return 0;
}
