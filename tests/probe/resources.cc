// Limits and scheduling as the process sees them, and commands that use up
// memory and pids so tests can watch the limits bite.
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/probe/json_out.h"
#include "tests/probe/probe.h"

namespace berth::probe {
namespace {

constexpr struct {
  const char* name;
  __rlimit_resource_t resource;
} kRlimits[] = {
    {"AS", RLIMIT_AS},           {"CORE", RLIMIT_CORE},         {"CPU", RLIMIT_CPU},
    {"DATA", RLIMIT_DATA},       {"FSIZE", RLIMIT_FSIZE},       {"LOCKS", RLIMIT_LOCKS},
    {"MEMLOCK", RLIMIT_MEMLOCK}, {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
    {"NOFILE", RLIMIT_NOFILE},   {"NPROC", RLIMIT_NPROC},       {"RSS", RLIMIT_RSS},
    {"RTPRIO", RLIMIT_RTPRIO},   {"RTTIME", RLIMIT_RTTIME},     {"SIGPENDING", RLIMIT_SIGPENDING},
    {"STACK", RLIMIT_STACK},
};

const char* PolicyName(int policy) {
  switch (policy & ~SCHED_RESET_ON_FORK) {
    case SCHED_OTHER:
      return "SCHED_OTHER";
    case SCHED_FIFO:
      return "SCHED_FIFO";
    case SCHED_RR:
      return "SCHED_RR";
    case SCHED_BATCH:
      return "SCHED_BATCH";
    case SCHED_IDLE:
      return "SCHED_IDLE";
    case 6:
      return "SCHED_DEADLINE";
    default:
      return "unknown";
  }
}

double Seconds(clockid_t clock) {
  struct timespec ts {};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int CmdRlimits(const Args&) {
  Object out;
  for (const auto& r : kRlimits) {
    struct rlimit limit;
    if (getrlimit(r.resource, &limit) < 0) {
      out.Null(r.name);
      continue;
    }
    // RLIM_INFINITY prints as 18446744073709551615, as OCI configs spell it.
    out.Obj(r.name, Object().Uint("soft", limit.rlim_cur).Uint("hard", limit.rlim_max));
  }
  return Print(out);
}

int CmdTime(const Args&) {
  return Print(Object()
                   .Double("monotonic", Seconds(CLOCK_MONOTONIC))
                   .Double("boottime", Seconds(CLOCK_BOOTTIME))
                   .Double("realtime", Seconds(CLOCK_REALTIME)));
}

int CmdSched(const Args&) {
  int policy = sched_getscheduler(0);
  struct sched_param param {};
  sched_getparam(0, &param);
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  return Print(Object()
                   .Int("policy", policy)
                   .Str("policy_name", PolicyName(policy))
                   .Int("priority", param.sched_priority)
                   .Int("nice", nice));
}

int CmdIoprio(const Args&) {
  constexpr int kWhoProcess = 1;  // IOPRIO_WHO_PROCESS
  long value = syscall(SYS_ioprio_get, kWhoProcess, 0);
  if (value < 0) return PrintErrno(value, errno);
  return Print(Object().Int("class", (value >> 13) & 0x7).Int("data", value & 0x1fff));
}

int CmdAlloc(const Args& args) {
  std::optional<uint64_t> mb = ParseUint(args[0]);
  if (!mb) return UsageError("alloc: MB must be a number, got " + args[0]);
  constexpr size_t kChunk = 1 << 20;
  const long page = sysconf(_SC_PAGESIZE);
  uint64_t done = 0;
  int err = 0;
  for (; done < *mb; ++done) {
    void* p = mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      err = errno;
      break;
    }
    // Touch every page so the memory is charged, not just reserved.
    volatile char* bytes = static_cast<char*>(p);
    for (size_t off = 0; off < kChunk; off += static_cast<size_t>(page)) bytes[off] = 1;
  }
  return Print(Object().Uint("allocated_mb", done).Int("errno", err));
}

int CmdFork(const Args& args) {
  std::optional<uint64_t> n = ParseUint(args[0]);
  if (!n) return UsageError("fork: N must be a number, got " + args[0]);
  std::vector<pid_t> children;
  int err = 0;
  for (uint64_t i = 0; i < *n; ++i) {
    pid_t pid = fork();
    if (pid < 0) {
      err = errno;
      break;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      for (;;) pause();
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) kill(pid, SIGKILL);
  for (pid_t pid : children) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  return Print(Object().Uint("forked", children.size()).Int("errno", err));
}

}  // namespace berth::probe
