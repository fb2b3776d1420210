// Capabilities applied for real, each in a forked child that reports its
// /proc/self/status back: bounding set, uid switch with kept capabilities,
// ambient capabilities surviving execve. Needs root.
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "runtime/linux/capabilities.h"
#include "tests/integration/runtime/forked_child.h"
#include "tests/testutil/test_env.h"

namespace berth::runtime::linux {
namespace {

using testing::ChildResult;
using testing::Report;
using testing::RunInChild;
using testing::StatusField;
using testing::WriteAll;

constexpr char kNone[] = "0000000000000000";
// CAP_CHOWN (0) | CAP_KILL (5)
constexpr char kChownKill[] = "0000000000000021";

// Resolves, switches and reports /proc/self/status plus PR_GET_KEEPCAPS, or
// "error: ..." with exit 1.
int SwitchAndReport(int out, const spec::Capabilities& caps, uid_t uid, gid_t gid,
                    const std::vector<gid_t>& groups) {
  absl::StatusOr<CapabilitySets> sets = ResolveCapabilities(caps);
  if (!sets.ok()) return Report(out, "error: " + std::string(sets.status().message()), 1);
  absl::Status s = SwitchUserKeepingCaps(uid, gid, groups, *sets);
  if (!s.ok()) return Report(out, "error: " + std::string(s.message()), 1);
  absl::StatusOr<std::string> status = ReadFile("/proc/self/status");
  if (!status.ok()) return Report(out, "error: read status", 1);
  WriteAll(out, *status);
  WriteAll(out, "KeepCaps:\t" + std::to_string(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0)) + "\n");
  return 0;
}

void RequireExitedZero(const ChildResult& r) {
  INFO(r.output);
  REQUIRE(r.ok);
  REQUIRE(r.status.signal == 0);
  REQUIRE(r.status.code == 0);
}

spec::Capabilities ChownKill() {
  spec::Capabilities caps;
  caps.bounding = {"CAP_CHOWN", "CAP_KILL"};
  caps.effective = {"CAP_CHOWN", "CAP_KILL"};
  caps.permitted = {"CAP_CHOWN", "CAP_KILL"};
  return caps;
}

TEST_CASE("SwitchUserKeepingCaps leaves exactly the requested sets after setuid",
          "[capabilities][root]") {
  testing::RequireRoot();
  int fds_before = testing::CountOpenFds();
  ChildResult r =
      RunInChild([](int out) { return SwitchAndReport(out, ChownKill(), 1000, 1000, {}); });
  RequireExitedZero(r);
  INFO(r.output);
  CHECK(StatusField(r.output, "CapEff") == kChownKill);
  CHECK(StatusField(r.output, "CapPrm") == kChownKill);
  CHECK(StatusField(r.output, "CapBnd") == kChownKill);
  CHECK(StatusField(r.output, "CapInh") == kNone);
  CHECK(StatusField(r.output, "CapAmb") == kNone);
  CHECK(StatusField(r.output, "Uid") == "1000\t1000\t1000\t1000");
  CHECK(StatusField(r.output, "Gid") == "1000\t1000\t1000\t1000");
  CHECK(StatusField(r.output, "Groups") == "");  // root's groups are gone
  CHECK(StatusField(r.output, "KeepCaps") == "0");
  CHECK(testing::CountOpenFds() == fds_before);
}

TEST_CASE("SwitchUserKeepingCaps sets the additional groups", "[capabilities][root]") {
  testing::RequireRoot();
  ChildResult r = RunInChild([](int out) {
    return SwitchAndReport(out, ChownKill(), 1000, 1001, {1002, 1003});
  });
  RequireExitedZero(r);
  INFO(r.output);
  CHECK(StatusField(r.output, "Gid") == "1001\t1001\t1001\t1001");
  CHECK(StatusField(r.output, "Groups") == "1002 1003");
  CHECK(StatusField(r.output, "CapEff") == kChownKill);
}

TEST_CASE("SwitchUserKeepingCaps keeps root's capabilities when staying root",
          "[capabilities][root]") {
  testing::RequireRoot();
  spec::Capabilities caps;
  caps.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_SETUID"};
  caps.effective = {"CAP_KILL"};
  caps.permitted = {"CAP_CHOWN", "CAP_KILL"};
  caps.inheritable = {"CAP_CHOWN"};
  ChildResult r = RunInChild([&](int out) { return SwitchAndReport(out, caps, 0, 0, {}); });
  RequireExitedZero(r);
  INFO(r.output);
  CHECK(StatusField(r.output, "CapEff") == "0000000000000020");
  CHECK(StatusField(r.output, "CapPrm") == kChownKill);
  CHECK(StatusField(r.output, "CapInh") == "0000000000000001");
  CHECK(StatusField(r.output, "CapBnd") == "00000000000000a1");
  CHECK(StatusField(r.output, "Uid") == "0\t0\t0\t0");
}

TEST_CASE("Ambient capabilities raised after setuid survive execve", "[capabilities][root]") {
  testing::RequireRoot();
  REQUIRE(access("/bin/cat", X_OK) == 0);
  int fds_before = testing::CountOpenFds();
  auto exec_cat = [](int out, bool ambient, bool inheritable = true) {
    spec::Capabilities caps = ChownKill();
    if (inheritable) caps.inheritable = {"CAP_CHOWN", "CAP_KILL"};
    if (ambient) caps.ambient = {"CAP_CHOWN", "CAP_KILL"};
    absl::StatusOr<CapabilitySets> sets = ResolveCapabilities(caps);
    if (!sets.ok()) return Report(out, std::string(sets.status().message()), 1);
    absl::Status s = SwitchUserKeepingCaps(1000, 1000, {}, *sets);
    if (!s.ok()) return Report(out, "error: " + std::string(s.message()), 1);
    if (dup2(out, STDOUT_FILENO) < 0) return 2;
    const char* argv[] = {"cat", "/proc/self/status", nullptr};
    const char* envp[] = {"PATH=/usr/bin:/bin", nullptr};
    execve("/bin/cat", const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    return 3;
  };

  SECTION("with ambient capabilities") {
    ChildResult r = RunInChild([&](int out) { return exec_cat(out, true); });
    RequireExitedZero(r);
    INFO(r.output);
    CHECK(StatusField(r.output, "Name") == "cat");
    CHECK(StatusField(r.output, "Uid") == "1000\t1000\t1000\t1000");
    CHECK(StatusField(r.output, "CapAmb") == kChownKill);
    CHECK(StatusField(r.output, "CapEff") == kChownKill);
    CHECK(StatusField(r.output, "CapPrm") == kChownKill);
    CHECK(StatusField(r.output, "CapInh") == kChownKill);
    CHECK(StatusField(r.output, "CapBnd") == kChownKill);
  }
  SECTION("ambient capabilities that are not inheritable are skipped, as runc does") {
    // runc's default spec asks for exactly this; it must not fail.
    ChildResult r = RunInChild([&](int out) { return exec_cat(out, true, false); });
    RequireExitedZero(r);
    INFO(r.output);
    CHECK(StatusField(r.output, "Name") == "cat");
    CHECK(StatusField(r.output, "CapAmb") == kNone);
    CHECK(StatusField(r.output, "CapEff") == kNone);
    CHECK(StatusField(r.output, "CapInh") == kNone);
  }
  SECTION("without ambient capabilities a non-root execve drops them") {
    ChildResult r = RunInChild([&](int out) { return exec_cat(out, false); });
    RequireExitedZero(r);
    INFO(r.output);
    CHECK(StatusField(r.output, "Name") == "cat");
    CHECK(StatusField(r.output, "CapAmb") == kNone);
    CHECK(StatusField(r.output, "CapEff") == kNone);
    CHECK(StatusField(r.output, "CapPrm") == kNone);
    CHECK(StatusField(r.output, "CapInh") == kChownKill);
  }
  CHECK(testing::CountOpenFds() == fds_before);
}

TEST_CASE("ApplyCapabilities names the capability it cannot raise", "[capabilities][root]") {
  testing::RequireRoot();
  // After the bounding set lost CAP_SYS_ADMIN and the uid switch cleared
  // the permitted set of everything but CAP_CHOWN, asking for CAP_SYS_ADMIN
  // fails and says so.
  ChildResult r = RunInChild([](int out) {
    spec::Capabilities caps;
    caps.bounding = {"CAP_CHOWN"};
    caps.permitted = {"CAP_CHOWN"};
    absl::StatusOr<CapabilitySets> sets = ResolveCapabilities(caps);
    if (!sets.ok()) return 1;
    absl::Status s = SwitchUserKeepingCaps(1000, 1000, {}, *sets);
    if (!s.ok()) return Report(out, std::string(s.message()), 2);
    CapabilitySets more = *sets;
    more.permitted.push_back(21);
    more.effective.push_back(21);
    s = ApplyCapabilities(more);
    WriteAll(out, std::string(s.message()));
    return s.ok() ? 3 : 0;
  });
  RequireExitedZero(r);
  CHECK_THAT(r.output, Catch::Contains("set effective, permitted and inheritable capabilities"));
  CHECK_THAT(r.output, Catch::Contains("not in the current permitted set: CAP_SYS_ADMIN"));
  CHECK_THAT(r.output, Catch::Contains("Operation not permitted"));
}

TEST_CASE("SwitchUserKeepingCaps skips setgroups where the user namespace denies it",
          "[capabilities][root]") {
  testing::RequireRoot();
  // In a new user namespace mapping only uid/gid 0, with setgroups denied
  // (as an unprivileged runtime would set it up).
  auto in_userns = [](int out, std::vector<gid_t> groups) {
    if (unshare(CLONE_NEWUSER) != 0) return Report(out, "skip: unshare(CLONE_NEWUSER)", 77);
    if (!WriteExistingFile("/proc/self/setgroups", "deny").ok() ||
        !WriteExistingFile("/proc/self/uid_map", "0 0 1").ok() ||
        !WriteExistingFile("/proc/self/gid_map", "0 0 1").ok()) {
      return Report(out, "error: map ids", 1);
    }
    spec::Capabilities caps = ChownKill();
    absl::StatusOr<CapabilitySets> sets = ResolveCapabilities(caps);
    if (!sets.ok()) return 1;
    absl::Status s = SwitchUserKeepingCaps(0, 0, groups, *sets);
    if (!s.ok()) return Report(out, "error: " + std::string(s.message()), 2);
    absl::StatusOr<std::string> status = ReadFile("/proc/self/status");
    return Report(out, status.value_or(""), 0);
  };
  ChildResult r = RunInChild([&](int out) { return in_userns(out, {}); });
  REQUIRE(r.ok);
  if (r.status.code == 77) testing::Skip("cannot create a user namespace: " + r.output);
  RequireExitedZero(r);
  INFO(r.output);
  CHECK(StatusField(r.output, "CapEff") == kChownKill);
  CHECK(StatusField(r.output, "CapBnd") == kChownKill);

  r = RunInChild([&](int out) { return in_userns(out, {0}); });
  REQUIRE(r.ok);
  CHECK(r.status.code == 2);
  CHECK(r.output ==
        "error: set additional groups: setgroups is denied in this user namespace "
        "(/proc/self/setgroups is \"deny\")");
}

}  // namespace
}  // namespace berth::runtime::linux
