// BuildSeccompFilter: what the built filter contains, read back through
// libseccomp's pseudo filter code (PFC). Nothing is loaded; no root needed.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/logger.h"
#include "common/unique_fd.h"
#include "runtime/linux/seccomp.h"
#include "runtime/spec/parse.h"
#include "tests/unit/runtime/seccomp_spec_parse.h"

namespace berth::runtime::linux {
namespace {

std::string Message(const absl::Status& s) { return std::string(s.message()); }

std::string Pfc(const spec::Seccomp& s) {
  absl::StatusOr<SeccompFilter> filter = BuildSeccompFilter(s);
  INFO(filter.status());
  REQUIRE(filter.ok());
  absl::StatusOr<std::string> pfc = filter->ExportPfc();
  REQUIRE(pfc.ok());
  return *pfc;
}

// The PFC lines of the native architecture's block for `syscall`, from its
// "# filter for syscall" comment to the next comment line; empty when the
// filter has no rule for it.
std::vector<std::string> SyscallBlock(const std::string& pfc, const std::string& syscall) {
  std::istringstream in(pfc);
  std::string line;
  std::vector<std::string> block;
  bool inside = false;
  const std::string header = "# filter for syscall \"" + syscall + "\"";
  while (std::getline(in, line)) {
    bool comment = line.find('#') != std::string::npos;
    if (inside && comment) break;
    if (!inside && line.find(header) != std::string::npos) {
      inside = true;
      continue;
    }
    if (inside) block.push_back(line);
  }
  return block;
}

size_t Indent(const std::string& line) { return line.find_first_not_of(' '); }

// A profile shaped like moby's default (profiles/seccomp/default.json): an
// allow list under an EPERM default, argument-filtered clone / personality /
// socket, clone3 answered with ENOSYS, names this libseccomp does not know.
constexpr char kDockerLikeProfile[] = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["accept", "accept4", "access", "alarm", "bind", "brk", "chdir", "chmod", "chown",
               "close", "connect", "dup", "dup2", "dup3", "epoll_create1", "epoll_ctl",
               "epoll_wait", "execve", "exit", "exit_group", "fchdir", "fchmod", "fcntl",
               "fstat", "futex", "getcwd", "getdents64", "getegid", "geteuid", "getgid",
               "getpid", "getppid", "getrandom", "getuid", "ioctl", "kill", "lseek", "madvise",
               "mkdir", "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat",
               "pipe2", "poll", "pread64", "prlimit64", "read", "readlink", "recvmsg",
               "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_yield", "sendmsg",
               "set_robust_list", "set_tid_address", "setgid", "setuid", "sigaltstack",
               "statx", "uname", "unlink", "wait4", "write", "writev",
               "berth_no_such_syscall", "another_future_syscall"],
     "action": "SCMP_ACT_ALLOW"},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]},
    {"names": ["reboot"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["ptrace"], "action": "SCMP_ACT_TRACE"},
    {"names": ["kexec_load"], "action": "SCMP_ACT_KILL_PROCESS"}
  ]
})";

TEST_CASE("BuildSeccompFilter builds a docker-like profile", "[seccomp]") {
  spec::Seccomp s = ParseSeccomp(kDockerLikeProfile);
  REQUIRE(ValidateSeccomp(s).ok());
  std::string pfc = Pfc(s);
  INFO(pfc);

  CHECK_THAT(pfc, Catch::Contains("# default action\n  action ERRNO(1);"));
#if defined(__x86_64__)
  CHECK_THAT(pfc, Catch::Contains("# filter for arch x86_64"));
  CHECK_THAT(pfc, Catch::Contains("# filter for arch x86 "));
  CHECK_THAT(pfc, Catch::Contains("# filter for arch x32"));
#endif

  for (const char* name : {"accept4", "execve", "openat", "write", "getppid", "wait4"}) {
    INFO(name);
    std::vector<std::string> block = SyscallBlock(pfc, name);
    REQUIRE_FALSE(block.empty());
    CHECK_THAT(block.back(), Catch::EndsWith("action ALLOW;"));
  }
  // Unknown names are skipped, not errors.
  CHECK_THAT(pfc, !Catch::Contains("berth_no_such_syscall"));

  // clone3 -> ENOSYS; reboot -> the default errno, same as the default
  // action, so no rule at all (as runc).
  CHECK_THAT(SyscallBlock(pfc, "clone3").back(), Catch::EndsWith("action ERRNO(38);"));
  CHECK(SyscallBlock(pfc, "reboot").empty());
  // TRACE takes EPERM as its default data, as runc's actTrace.
  CHECK_THAT(SyscallBlock(pfc, "ptrace").back(), Catch::EndsWith("action TRACE(1);"));
  CHECK_THAT(SyscallBlock(pfc, "kexec_load").back(), Catch::EndsWith("action KILL_PROCESS;"));

  // personality: three separate entries, ORed.
  std::vector<std::string> personality = SyscallBlock(pfc, "personality");
  std::string joined;
  for (const std::string& l : personality) joined += l + "\n";
  CHECK_THAT(joined, Catch::Contains("if ($a0.lo32 == 0)"));
  CHECK_THAT(joined, Catch::Contains("if ($a0.lo32 == 8)"));
  CHECK_THAT(joined, Catch::Contains("if ($a0.lo32 == 4294967295)"));
  // clone: masked compare of the namespace flags.
  std::vector<std::string> clone = SyscallBlock(pfc, "clone");
  joined.clear();
  for (const std::string& l : clone) joined += l + "\n";
  CHECK_THAT(joined, Catch::Contains("& 0x7e020000 == 0"));
  std::vector<std::string> socket = SyscallBlock(pfc, "socket");
  joined.clear();
  for (const std::string& l : socket) joined += l + "\n";
  CHECK_THAT(joined, Catch::Contains("40"));

  absl::StatusOr<SeccompFilter> filter = BuildSeccompFilter(s);
  REQUIRE(filter.ok());
  CHECK_FALSE(filter->uses_notify());
  absl::StatusOr<std::string> bpf = filter->ExportBpf();
  REQUIRE(bpf.ok());
  CHECK(bpf->size() > 8);
  CHECK(bpf->size() % 8 == 0);  // struct sock_filter
}

TEST_CASE("BuildSeccompFilter defaults errno values to EPERM", "[seccomp]") {
  spec::Seccomp s = ParseSeccomp(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30},
      {"names": ["getsid"], "action": "SCMP_ACT_TRACE"},
      {"names": ["getpgid"], "action": "SCMP_ACT_TRACE", "errnoRet": 5},
      {"names": ["getuid"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["getgid"], "action": "SCMP_ACT_KILL"},
      {"names": ["getegid"], "action": "SCMP_ACT_LOG"},
      {"names": ["geteuid"], "action": "SCMP_ACT_TRAP"}
    ]})");
  std::string pfc = Pfc(s);
  INFO(pfc);
  CHECK_THAT(SyscallBlock(pfc, "mkdir").back(), Catch::EndsWith("action ERRNO(1);"));
  CHECK_THAT(SyscallBlock(pfc, "rmdir").back(), Catch::EndsWith("action ERRNO(30);"));
  CHECK_THAT(SyscallBlock(pfc, "getsid").back(), Catch::EndsWith("action TRACE(1);"));
  CHECK_THAT(SyscallBlock(pfc, "getpgid").back(), Catch::EndsWith("action TRACE(5);"));
  CHECK(SyscallBlock(pfc, "getuid").empty());  // same as the default
  CHECK_THAT(SyscallBlock(pfc, "getgid").back(), Catch::EndsWith("action KILL;"));
  CHECK_THAT(SyscallBlock(pfc, "getegid").back(), Catch::EndsWith("action LOG;"));
  CHECK_THAT(SyscallBlock(pfc, "geteuid").back(), Catch::EndsWith("action TRAP;"));
  CHECK_THAT(pfc, Catch::Contains("# default action\n  action ALLOW;"));

  spec::Seccomp errno_default = ParseSeccomp(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "syscalls": [
      {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
    ]})");
  pfc = Pfc(errno_default);
  INFO(pfc);
  CHECK_THAT(pfc, Catch::Contains("# default action\n  action ERRNO(38);"));
  CHECK_THAT(SyscallBlock(pfc, "mkdir").back(), Catch::EndsWith("action ERRNO(1);"));
  CHECK(SyscallBlock(pfc, "rmdir").empty());
}

TEST_CASE("BuildSeccompFilter ANDs conditions on different arguments", "[seccomp]") {
  // chmod(path, mode) with conditions on arguments 0 and 1: one rule that
  // needs both.
  spec::Seccomp s = ParseSeccomp(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                  "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_EQ"},
                           {"index": 2, "value": 511, "op": "SCMP_CMP_EQ"}]}]})");
  std::string pfc = Pfc(s);
  INFO(pfc);
  std::vector<std::string> block = SyscallBlock(pfc, "fchmodat");
  auto a0 = std::find_if(block.begin(), block.end(),
                         [](const std::string& l) { return l.find("$a0.lo32 == 5") != l.npos; });
  auto a2 = std::find_if(block.begin(), block.end(),
                         [](const std::string& l) { return l.find("$a2.lo32 == 511") != l.npos; });
  REQUIRE(a0 != block.end());
  REQUIRE(a2 != block.end());
  // Nested: the second test sits inside the first.
  CHECK(Indent(*a2) > Indent(*a0));
  CHECK(std::count_if(block.begin(), block.end(), [](const std::string& l) {
          return l.find("action ERRNO(13);") != l.npos;
        }) == 1);
}

TEST_CASE("BuildSeccompFilter makes one rule per condition when an argument repeats", "[seccomp]") {
  // Two conditions on argument 1 could never hold together; runc (and crun)
  // then add each as a rule of its own, so either matches.
  spec::Seccomp s = ParseSeccomp(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["fchmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                  "args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"},
                           {"index": 1, "value": 448, "op": "SCMP_CMP_EQ"},
                           {"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]}]})");
  std::string pfc = Pfc(s);
  INFO(pfc);
  std::vector<std::string> block = SyscallBlock(pfc, "fchmod");
  auto find = [&](const char* text) {
    return std::find_if(block.begin(), block.end(),
                        [&](const std::string& l) { return l.find(text) != l.npos; });
  };
  auto first = find("$a1.lo32 == 511");
  auto second = find("$a1.lo32 == 448");
  auto fd = find("$a0.lo32 == 3");
  REQUIRE(first != block.end());
  REQUIRE(second != block.end());
  REQUIRE(fd != block.end());
  // Siblings, each ending in its own action: ORed.
  CHECK(Indent(*first) == Indent(*second));
  CHECK(std::count_if(block.begin(), block.end(), [](const std::string& l) {
          return l.find("action ERRNO(13);") != l.npos;
        }) == 3);
  // The argument 0 condition is not nested under the argument 1 ones.
  CHECK(Indent(*fd) <= Indent(*first));
}

TEST_CASE("BuildSeccompFilter skips unknown syscall names with a debug log", "[seccomp]") {
  spec::Seccomp s = ParseSeccomp(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["berth_no_such_syscall", "mkdir"], "action": "SCMP_ACT_ERRNO"}]})");
  UniqueFd log_fd(memfd_create("log", MFD_CLOEXEC));
  REQUIRE(log_fd.ok());
  log::Level old_level = log::GetLevel();
  log::SetOutput(log_fd.get(), false);
  log::SetLevel(log::Level::kDebug);
  std::string pfc = Pfc(s);
  log::SetLevel(old_level);
  log::SetOutput(STDERR_FILENO, false);
  CHECK_FALSE(SyscallBlock(pfc, "mkdir").empty());
  char buf[4096] = {};
  ssize_t n = pread(log_fd.get(), buf, sizeof(buf) - 1, 0);
  REQUIRE(n > 0);
  CHECK_THAT(std::string(buf), Catch::Contains("berth_no_such_syscall"));
  CHECK_THAT(std::string(buf), Catch::Contains("ignored"));
}

TEST_CASE("BuildSeccompFilter records whether the filter notifies", "[seccomp]") {
  spec::Seccomp s = ParseSeccomp(R"({
    "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock",
    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}]})");
  CHECK(UsesNotify(s));
  absl::StatusOr<SeccompFilter> f = BuildSeccompFilter(s);
  REQUIRE(f.ok());
  CHECK(f->uses_notify());
  absl::StatusOr<std::string> pfc = f->ExportPfc();
  REQUIRE(pfc.ok());
  CHECK_THAT(SyscallBlock(*pfc, "getppid").back(), Catch::EndsWith("action 0x7fc00000;"));

  // Only unknown names: no NOTIFY rule, so no listener will be made.
  s.syscalls[0].names = {"berth_no_such_syscall"};
  f = BuildSeccompFilter(s);
  REQUIRE(f.ok());
  CHECK_FALSE(f->uses_notify());

  // Moves keep the context.
  SeccompFilter moved = std::move(*f);
  CHECK(moved.ok());
  CHECK_FALSE(f->ok());
  CHECK_FALSE(f->ExportPfc().ok());
}

TEST_CASE("BuildSeccompFilter maps flags to filter attributes", "[seccomp]") {
  spec::Seccomp s = ParseSeccomp(R"({"defaultAction": "SCMP_ACT_ALLOW",
    "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
              "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]})");
  std::vector<std::string> supported = SupportedSeccompFlags();
  bool all_supported = true;
  for (const std::string& flag : s.flags) {
    all_supported =
        all_supported && std::find(supported.begin(), supported.end(), flag) != supported.end();
  }
  absl::StatusOr<SeccompFilter> f = BuildSeccompFilter(s);
  if (all_supported) {
    INFO(f.status());
    CHECK(f.ok());
  }

  s.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  f = BuildSeccompFilter(s);
  if (std::find(supported.begin(), supported.end(), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") ==
      supported.end()) {
    REQUIRE_FALSE(f.ok());
    CHECK_THAT(Message(f.status()), Catch::Contains("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
    CHECK_THAT(Message(f.status()), Catch::Contains("linux.seccomp.flags[0]"));
  }
}

TEST_CASE("SeccompFeatures lists what the runtime knows and supports", "[seccomp]") {
  json::Json j = SeccompFeatures();
  REQUIRE(j.is_object());
  CHECK(j["enabled"] == true);
  CHECK(j["actions"] == json::Json({"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                                    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
                                    "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"}));
  CHECK(j["operators"] == json::Json({"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                      "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}));
  CHECK(j["archs"].size() == 18);
  CHECK(j["archs"][0] == "SCMP_ARCH_AARCH64");
  CHECK(j["knownFlags"] ==
        json::Json({"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                    "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}));
  REQUIRE(j["supportedFlags"].is_array());
  for (const auto& flag : j["supportedFlags"]) {
    auto known = j["knownFlags"];
    CHECK(std::find(known.begin(), known.end(), flag) != known.end());
  }
  // Any kernel >= 4.17 with libseccomp 2.5 has these.
  CHECK(std::find(j["supportedFlags"].begin(), j["supportedFlags"].end(),
                  "SECCOMP_FILTER_FLAG_LOG") != j["supportedFlags"].end());
  CHECK(std::find(j["supportedFlags"].begin(), j["supportedFlags"].end(),
                  "SECCOMP_FILTER_FLAG_SPEC_ALLOW") != j["supportedFlags"].end());
  CHECK_THAT(LibseccompVersion(), Catch::Matches("[0-9]+\\.[0-9]+\\.[0-9]+"));
}

}  // namespace
}  // namespace berth::runtime::linux
