// berth-probe SUBCOMMAND [ARGS...]: see probe.h.
#include <cstdio>
#include <string_view>

#include "tests/probe/probe.h"

namespace berth::probe {
namespace {

struct Command {
  const char* name;
  size_t min_args;
  size_t max_args;
  const char* usage;
  CommandFn fn;
};

constexpr size_t kMany = 64;

constexpr Command kCommands[] = {
    {"ids", 0, 0, "ids", CmdIds},
    {"caps", 0, 0, "caps", CmdCaps},
    {"ns", 0, 0, "ns", CmdNs},
    {"pid", 0, 0, "pid", CmdPid},
    {"fds", 0, 0, "fds", CmdFds},
    {"rlimits", 0, 0, "rlimits", CmdRlimits},
    {"env", 0, 0, "env", CmdEnv},
    {"cwd", 0, 0, "cwd", CmdCwd},
    {"hostname", 0, 0, "hostname", CmdHostname},
    {"syscall", 1, kMany, "syscall NAME [ARGS...]", CmdSyscall},
    {"personality", 0, 0, "personality", CmdPersonality},
    {"oom", 0, 0, "oom", CmdOom},
    {"cgroup", 0, 0, "cgroup", CmdCgroup},
    {"mountinfo", 0, 0, "mountinfo", CmdMountinfo},
    {"tty", 0, 0, "tty", CmdTty},
    {"time", 0, 0, "time", CmdTime},
    {"sched", 0, 0, "sched", CmdSched},
    {"ioprio", 0, 0, "ioprio", CmdIoprio},
    {"alloc", 1, 1, "alloc MB", CmdAlloc},
    {"fork", 1, 1, "fork N", CmdFork},
    {"sleep", 1, 1, "sleep SECONDS", CmdSleep},
    {"exit", 1, 1, "exit CODE", CmdExit},
    {"kill-self", 1, 1, "kill-self SIGNAL", CmdKillSelf},
    {"cat", 1, 1, "cat PATH", CmdCat},
    {"write", 2, 2, "write PATH CONTENT", CmdWrite},
    {"stat", 1, 1, "stat PATH", CmdStat},
    {"lstat", 1, 1, "lstat PATH", CmdLstat},
    {"ls", 1, 1, "ls DIR", CmdLs},
    {"echo-stdin", 0, 0, "echo-stdin", CmdEchoStdin},
    {"stderr", 1, 1, "stderr TEXT", CmdStderr},
};

int Usage() {
  std::fprintf(stderr, "usage: berth-probe SUBCOMMAND [ARGS...]\nsubcommands:\n");
  for (const Command& c : kCommands) std::fprintf(stderr, "  %s\n", c.usage);
  return 2;
}

int Run(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    Usage();
    return 0;
  }
  for (const Command& c : kCommands) {
    if (name != c.name) continue;
    Args args(argv + 2, argv + argc);
    if (args.size() < c.min_args || args.size() > c.max_args) {
      return UsageError(std::string("usage: berth-probe ") + c.usage);
    }
    return c.fn(args);
  }
  UsageError("unknown subcommand " + std::string(name));
  return Usage();
}

}  // namespace
}  // namespace berth::probe

int main(int argc, char** argv) { return berth::probe::Run(argc, argv); }
