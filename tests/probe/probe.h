// berth-probe: a static binary run inside test containers. Each subcommand
// prints one JSON object on stdout and exits 0; a usage error exits 2; a
// command that cannot do its job (cat of a missing file) exits 1 with one
// "berth-probe: ..." line on stderr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::probe {

using Args = std::vector<std::string>;  // the words after the subcommand
using CommandFn = int (*)(const Args& args);

// Commands, grouped by file.
// identity.cc
int CmdIds(const Args& args);
int CmdCaps(const Args& args);
int CmdNs(const Args& args);
int CmdPid(const Args& args);
int CmdEnv(const Args& args);
int CmdCwd(const Args& args);
int CmdHostname(const Args& args);
int CmdPersonality(const Args& args);
// proc_info.cc
int CmdFds(const Args& args);
int CmdOom(const Args& args);
int CmdCgroup(const Args& args);
int CmdMountinfo(const Args& args);
// resources.cc
int CmdRlimits(const Args& args);
int CmdTime(const Args& args);
int CmdSched(const Args& args);
int CmdIoprio(const Args& args);
int CmdAlloc(const Args& args);
int CmdFork(const Args& args);
// syscalls.cc
int CmdSyscall(const Args& args);
// tty.cc
int CmdTty(const Args& args);
// files.cc
int CmdCat(const Args& args);
int CmdWrite(const Args& args);
int CmdStat(const Args& args);
int CmdLstat(const Args& args);
int CmdLs(const Args& args);
// control.cc
int CmdSleep(const Args& args);
int CmdExit(const Args& args);
int CmdKillSelf(const Args& args);
int CmdEchoStdin(const Args& args);
int CmdStderr(const Args& args);

// Helpers shared by the commands (util.cc).

// Prints "berth-probe: <message>" on stderr and returns 2 / 1.
int UsageError(const std::string& message);
int Failure(const std::string& message);

// write() until done; false with errno set on failure.
bool WriteAll(int fd, std::string_view data);

// Whole file; nullopt with errno set on failure.
std::optional<std::string> ReadWholeFile(const char* path);
std::vector<std::string> SplitLines(const std::string& text);
// The value of "Key:\tvalue" in /proc/self/status, trimmed.
std::optional<std::string> ProcStatusField(std::string_view key);

// Integers in base 10, or with base 0 also 0x / leading-0 octal forms.
std::optional<int64_t> ParseInt(std::string_view text, int base = 10);
std::optional<uint64_t> ParseUint(std::string_view text, int base = 10);

// {"ret": ret, "errno": err, "error": strerror(err) or ""}.
int PrintErrno(int64_t ret, int err);

// A signal by name ("TERM", "SIGTERM") or number.
std::optional<int> ParseSignal(std::string_view text);

}  // namespace berth::probe
