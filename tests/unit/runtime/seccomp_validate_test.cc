// ValidateSeccomp: every kind of bad input is refused with its JSON path,
// without the kernel.
#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "runtime/linux/seccomp.h"

namespace berth::runtime::linux {
namespace {

std::string Message(const absl::Status& s) { return std::string(s.message()); }

spec::Seccomp Base() {
  spec::Seccomp s;
  s.default_action = "SCMP_ACT_ALLOW";
  s.architectures = {"SCMP_ARCH_X86_64"};
  spec::SeccompSyscall mkdir;
  mkdir.names = {"mkdir", "mkdirat"};
  mkdir.action = "SCMP_ACT_ERRNO";
  s.syscalls.push_back(mkdir);
  spec::SeccompSyscall chmod;
  chmod.names = {"chmod"};
  chmod.action = "SCMP_ACT_ERRNO";
  chmod.errno_ret = 13;
  chmod.args.push_back({.index = 1, .value = 0777, .value_two = 0, .op = "SCMP_CMP_EQ"});
  s.syscalls.push_back(chmod);
  return s;
}

void ExpectInvalid(const std::function<void(spec::Seccomp&)>& mutate, const std::string& want) {
  spec::Seccomp s = Base();
  mutate(s);
  absl::Status status = ValidateSeccomp(s);
  INFO(want);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(status) == want);
}

TEST_CASE("ValidateSeccomp accepts a valid profile and every known name", "[seccomp]") {
  REQUIRE(ValidateSeccomp(Base()).ok());

  for (const std::string& action : KnownSeccompActions()) {
    if (action == "SCMP_ACT_NOTIFY") continue;  // not as default
    INFO(action);
    spec::Seccomp s = Base();
    s.default_action = action;
    CHECK(ValidateSeccomp(s).ok());
  }
  spec::Seccomp s = Base();
  for (const std::string& action : KnownSeccompActions()) {
    s.syscalls.push_back({.names = {"getpid"}, .action = action, .errno_ret = {}, .args = {}});
  }
  s.listener_path = "/run/agent.sock";
  CHECK(ValidateSeccomp(s).ok());

  s = Base();
  for (const std::string& op : KnownSeccompOperators()) {
    s.syscalls[1].args.push_back({.index = 2, .value = 1, .value_two = 1, .op = op});
  }
  CHECK(ValidateSeccomp(s).ok());

  s = Base();
  s.architectures = KnownSeccompArchitectures();
  s.flags = KnownSeccompFlags();
  CHECK(ValidateSeccomp(s).ok());

  // errnoRet goes with SCMP_ACT_ERRNO and SCMP_ACT_TRACE.
  s = Base();
  s.default_action = "SCMP_ACT_TRACE";
  s.default_errno_ret = 38;
  s.syscalls[0].action = "SCMP_ACT_TRACE";
  s.syscalls[0].errno_ret = 0;
  CHECK(ValidateSeccomp(s).ok());

  // listenerPath is ignored (not checked) without SCMP_ACT_NOTIFY.
  s = Base();
  s.listener_path = "relative.sock";
  CHECK(ValidateSeccomp(s).ok());
}

TEST_CASE("ValidateSeccomp refuses unknown actions", "[seccomp]") {
  ExpectInvalid([](spec::Seccomp& s) { s.default_action = "SCMP_ACT_FOO"; },
                "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"");
  ExpectInvalid([](spec::Seccomp& s) { s.default_action = "scmp_act_allow"; },
                "linux.seccomp.defaultAction: unknown action \"scmp_act_allow\"");
  ExpectInvalid([](spec::Seccomp& s) { s.default_action = ""; },
                "linux.seccomp.defaultAction: unknown action \"\"");
  ExpectInvalid([](spec::Seccomp& s) { s.syscalls[1].action = "SCMP_ACT_FOO"; },
                "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"");
  ExpectInvalid([](spec::Seccomp& s) { s.syscalls[0].action = "ALLOW"; },
                "linux.seccomp.syscalls[0].action: unknown action \"ALLOW\"");
}

TEST_CASE("ValidateSeccomp refuses errnoRet where the action takes none or out of range",
          "[seccomp]") {
  ExpectInvalid([](spec::Seccomp& s) { s.default_errno_ret = 1; },
                "linux.seccomp.defaultErrnoRet: action SCMP_ACT_ALLOW does not take an errno");
  ExpectInvalid(
      [](spec::Seccomp& s) {
        s.default_action = "SCMP_ACT_ERRNO";
        s.default_errno_ret = 65536;
      },
      "linux.seccomp.defaultErrnoRet: 65536 is out of range (0-65535)");
  ExpectInvalid(
      [](spec::Seccomp& s) { s.syscalls[1].action = "SCMP_ACT_KILL_PROCESS"; },
      "linux.seccomp.syscalls[1].errnoRet: action SCMP_ACT_KILL_PROCESS does not take an errno");
  ExpectInvalid([](spec::Seccomp& s) { s.syscalls[1].errno_ret = 100000; },
                "linux.seccomp.syscalls[1].errnoRet: 100000 is out of range (0-65535)");
}

TEST_CASE("ValidateSeccomp refuses unknown architectures and flags", "[seccomp]") {
  ExpectInvalid([](spec::Seccomp& s) { s.architectures.push_back("SCMP_ARCH_PDP11"); },
                "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_PDP11\"");
  // Not in runc's list, although libseccomp knows it.
  ExpectInvalid([](spec::Seccomp& s) { s.architectures = {"SCMP_ARCH_PARISC"}; },
                "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_PARISC\"");
  ExpectInvalid([](spec::Seccomp& s) { s.architectures = {"x86_64"}; },
                "linux.seccomp.architectures[0]: unknown architecture \"x86_64\"");
  ExpectInvalid(
      [](spec::Seccomp& s) {
        s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FOO"};
      },
      "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"");
  // The kernel has it, but runc and the runtime-spec do not.
  ExpectInvalid([](spec::Seccomp& s) { s.flags = {"SECCOMP_FILTER_FLAG_NEW_LISTENER"}; },
                "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"");
}

TEST_CASE("ValidateSeccomp refuses bad syscall names and arguments", "[seccomp]") {
  ExpectInvalid(
      [](spec::Seccomp& s) {
        s.syscalls[0].names = {"mkdir", ""};
      },
      "linux.seccomp.syscalls[0].names[1]: empty syscall name");
  ExpectInvalid(
      [](spec::Seccomp& s) {
        s.syscalls[1].args.push_back({.index = 6, .value = 0, .value_two = 0, .op = "SCMP_CMP_EQ"});
      },
      "linux.seccomp.syscalls[1].args[1].index: 6 is out of range (0-5)");
  ExpectInvalid([](spec::Seccomp& s) { s.syscalls[1].args[0].op = "SCMP_CMP_FOO"; },
                "linux.seccomp.syscalls[1].args[0].op: unknown operator \"SCMP_CMP_FOO\"");
  ExpectInvalid([](spec::Seccomp& s) { s.syscalls[1].args[0].op = ""; },
                "linux.seccomp.syscalls[1].args[0].op: unknown operator \"\"");
}

TEST_CASE("ValidateSeccomp checks SCMP_ACT_NOTIFY and the listener", "[seccomp]") {
  auto notify_getppid = [](spec::Seccomp& s) {
    s.syscalls.push_back(
        {.names = {"getppid"}, .action = "SCMP_ACT_NOTIFY", .errno_ret = {}, .args = {}});
  };
  ExpectInvalid([](spec::Seccomp& s) { s.default_action = "SCMP_ACT_NOTIFY"; },
                "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  ExpectInvalid(
      notify_getppid,
      "linux.seccomp.syscalls[2].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  ExpectInvalid(
      [&](spec::Seccomp& s) {
        notify_getppid(s);
        s.listener_path = "agent.sock";
      },
      "linux.seccomp.listenerPath: must be an absolute path, got \"agent.sock\"");
  ExpectInvalid(
      [](spec::Seccomp& s) {
        s.listener_path = "/run/agent.sock";
        s.syscalls.push_back(
            {.names = {"read", "write"}, .action = "SCMP_ACT_NOTIFY", .errno_ret = {}, .args = {}});
      },
      "linux.seccomp.syscalls[2].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall");
  ExpectInvalid([](spec::Seccomp& s) { s.listener_metadata = "x"; },
                "linux.seccomp.listenerMetadata: set without listenerPath");

  spec::Seccomp ok = Base();
  notify_getppid(ok);
  ok.listener_path = "/run/agent.sock";
  ok.listener_metadata = "opaque";
  CHECK(ValidateSeccomp(ok).ok());
  CHECK(UsesNotify(ok));
  CHECK_FALSE(UsesNotify(Base()));
  // NOTIFY for "read" and "close" is allowed, as in runc.
  ok.syscalls.push_back(
      {.names = {"read", "close"}, .action = "SCMP_ACT_NOTIFY", .errno_ret = {}, .args = {}});
  CHECK(ValidateSeccomp(ok).ok());
}

TEST_CASE("BuildSeccompFilter validates first", "[seccomp]") {
  spec::Seccomp s = Base();
  s.syscalls[0].action = "SCMP_ACT_FOO";
  absl::StatusOr<SeccompFilter> f = BuildSeccompFilter(s);
  REQUIRE_FALSE(f.ok());
  CHECK(Message(f.status()) == "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_FOO\"");
}

}  // namespace
}  // namespace berth::runtime::linux
