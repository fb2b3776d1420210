#include "shim/runtime/runtime_args.h"

#include <signal.h>

#include <catch2/catch.hpp>

namespace berth::shim {
namespace {

using Args = std::vector<std::string>;

TEST_CASE("global flags: root, json log, systemd cgroups", "[runtime_args]") {
  RuntimeConfig c;
  c.binary = "/usr/sbin/runc";
  CHECK(GlobalArgs(c) == Args{"/usr/sbin/runc"});
  c.root = "/run/berth/runtime";
  c.log = "/b/log.json";
  c.systemd_cgroup = true;
  CHECK(GlobalArgs(c) == Args{"/usr/sbin/runc", "--root", "/run/berth/runtime", "--log",
                              "/b/log.json", "--log-format", "json", "--systemd-cgroup"});
  CHECK(FullArgv(c, StartArgs("c1")) == Args{"/usr/sbin/runc", "--root", "/run/berth/runtime",
                                             "--log", "/b/log.json", "--log-format", "json",
                                             "--systemd-cgroup", "start", "c1"});
}

TEST_CASE("create arguments", "[runtime_args]") {
  CreateOptions o;
  CHECK(CreateArgs("c1", "/b", o, "/b/init.pid") ==
        Args{"create", "--bundle", "/b", "--pid-file", "/b/init.pid", "c1"});
  o.console_socket = "/b/console.sock";
  o.no_pivot = true;
  o.no_new_keyring = true;
  o.extra_fds = {7, 9};
  CHECK(CreateArgs("c1", "/b", o, "/b/init.pid") ==
        Args{"create", "--bundle", "/b", "--pid-file", "/b/init.pid", "--console-socket",
             "/b/console.sock", "--no-pivot", "--no-new-keyring", "--preserve-fds", "2", "c1"});
}

TEST_CASE("exec arguments", "[runtime_args]") {
  ExecOptions o;
  CHECK(ExecArgs("c1", "/tmp/p.json", o, "/b/exec.pid") ==
        Args{"exec", "--process", "/tmp/p.json", "--detach", "--pid-file", "/b/exec.pid", "c1"});
  o.detach = false;
  o.console_socket = "/b/exec.sock";
  o.extra_fds = {5};
  CHECK(ExecArgs("c1", "/tmp/p.json", o, "/b/exec.pid") ==
        Args{"exec", "--process", "/tmp/p.json", "--console-socket", "/b/exec.sock", "--pid-file",
             "/b/exec.pid", "--preserve-fds", "1", "c1"});
}

TEST_CASE("the other commands", "[runtime_args]") {
  CHECK(StartArgs("c1") == Args{"start", "c1"});
  CHECK(KillArgs("c1", SIGTERM, false) == Args{"kill", "c1", "15"});
  CHECK(KillArgs("c1", SIGKILL, true) == Args{"kill", "--all", "c1", "9"});
  CHECK(DeleteArgs("c1", false) == Args{"delete", "c1"});
  CHECK(DeleteArgs("c1", true) == Args{"delete", "--force", "c1"});
  CHECK(PauseArgs("c1") == Args{"pause", "c1"});
  CHECK(ResumeArgs("c1") == Args{"resume", "c1"});
  CHECK(UpdateArgs("c1") == Args{"update", "--resources", "-", "c1"});
  CHECK(StateArgs("c1") == Args{"state", "c1"});
  CHECK(PsArgs("c1") == Args{"ps", "--format", "json", "c1"});
}

}  // namespace
}  // namespace berth::shim
