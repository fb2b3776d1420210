// Process attributes (rlimits, oom score, sysctls, personality, umask,
// scheduling) and how bad input fails: one message, a JSON log record, a
// non-zero exit and nothing left behind.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/runtime/runtime_fixture.h"

namespace berth::testing {
namespace {

TEST_CASE("rlimits, umask, oom score, personality, sysctl, scheduling", "[process]") {
  RuntimeFixture f;
  f.config()["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 768}},
                                      {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 0}}};
  json::Json limits = f.RunProbe({"rlimits"});
  CHECK(limits["NOFILE"]["soft"] == 512);
  CHECK(limits["NOFILE"]["hard"] == 768);
  CHECK(limits["CORE"]["hard"] == 0);

  f.config()["process"]["user"]["umask"] = 027;
  CHECK(f.RunProbe({"ids"})["umask"] == 027);

  // Raising oom_score_adj needs no privilege; lowering needs CAP_SYS_RESOURCE.
  f.config()["process"]["oomScoreAdj"] = 500;
  CHECK(f.RunProbe({"oom"})["oom_score_adj"] == 500);

  f.config()["linux"]["personality"] = {{"domain", "LINUX32"}};
  SpawnResult uname = f.Run(f.NewId(), {"uname", "-m"});
  CHECK(uname.out == "i686\n");
  f.config()["linux"].erase("personality");

  f.config()["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "123456789"}};
  SpawnResult sysctl = f.Run(f.NewId(), {"cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shmmax"});
  CHECK(sysctl.out == "1\n123456789\n");
  f.config()["linux"].erase("sysctl");

  f.config()["process"]["scheduler"] = {{"policy", "SCHED_BATCH"}, {"nice", 5}};
  f.config()["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}, {"priority", 0}};
  json::Json sched = f.RunProbe({"sched"});
  CHECK(sched["policy"] == 3);  // SCHED_BATCH
  CHECK(sched["nice"] == 5);
  CHECK(f.RunProbe({"ioprio"})["class"] == 3);
}

TEST_CASE("the environment and HOME", "[process]") {
  RuntimeFixture f;
  f.config()["process"]["env"] = {"PATH=/bin:/usr/bin", "A=1"};
  f.config()["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  json::Json env = f.RunProbe({"env"});
  CHECK(env["env"] == json::Json::array({"PATH=/bin:/usr/bin", "A=1", "HOME=/home/berth"}));
}

// Runs create with the fixture's config and expects a clean failure.
void ExpectCreateFails(RuntimeFixture& f, const std::string& needle) {
  std::string id = f.NewId();
  f.WriteBundle();
  SpawnResult r = f.Runtime({"create", "--bundle", f.bundle(), id});
  INFO(r.err);
  CHECK(r.status.code == 1);
  CHECK(r.err.find(needle) != std::string::npos);
  // Exactly one line on stderr.
  CHECK(Split(r.err, '\n', true).size() == 1);
  CHECK(f.LastLoggedError().find(needle) != std::string::npos);
  CHECK(f.Runtime({"state", id}).status.code != 0);
}

TEST_CASE("bad input fails with one clear message and leaves nothing", "[errors]") {
  SECTION("invalid JSON") {
    RuntimeFixture f;
    std::string id = f.NewId();
    REQUIRE(WriteFile(f.bundle() + "/config.json", "{\"ociVersion\": ").ok());
    SpawnResult r = f.Runtime({"create", "--bundle", f.bundle(), id});
    CHECK(r.status.code == 1);
    CHECK(r.err.find("config.json") != std::string::npos);
    CHECK(f.LastLoggedError().find("config.json") != std::string::npos);
  }
  SECTION("unknown namespace") {
    RuntimeFixture f;
    f.config()["linux"]["namespaces"].push_back({{"type", "bogus"}});
    ExpectCreateFails(f, "linux.namespaces[6].type: unknown namespace \"bogus\"");
  }
  SECTION("missing rootfs") {
    RuntimeFixture f;
    f.config()["root"]["path"] = "no-such-rootfs";
    ExpectCreateFails(f, "no-such-rootfs");
  }
  SECTION("a process that does not exist") {
    RuntimeFixture f;
    f.config()["process"]["args"] = {"no-such-program"};
    ExpectCreateFails(f, "no-such-program");
  }
  SECTION("an impossible mount") {
    RuntimeFixture f;
    f.config()["mounts"].push_back({{"destination", "/x"}, {"type", "no-such-fs"}, {"source", "none"}});
    ExpectCreateFails(f, "no-such-fs");
  }
  SECTION("a namespace path that is not a namespace") {
    RuntimeFixture f;
    f.config()["linux"]["namespaces"][1] = {{"type", "network"}, {"path", "/etc/passwd"}};
    ExpectCreateFails(f, "is not a namespace");
  }
  SECTION("an invalid id") {
    RuntimeFixture f;
    f.WriteBundle();
    SpawnResult r = f.Runtime({"create", "--bundle", f.bundle(), "../evil"});
    CHECK(r.status.code == 1);
    CHECK(r.err.find("invalid container id") != std::string::npos);
  }
  SECTION("an unknown container") {
    RuntimeFixture f;
    for (const char* cmd : {"state", "start", "kill", "delete", "pause", "resume", "ps", "exec"}) {
      std::vector<std::string> args = {cmd, "no-such-container"};
      if (std::string(cmd) == "exec") args.push_back("true");
      SpawnResult r = f.Runtime(args);
      INFO(cmd);
      CHECK(r.status.code == 1);
      CHECK(r.err.find("container no-such-container does not exist") != std::string::npos);
    }
  }
  SECTION("lowering oom_score_adj without CAP_SYS_RESOURCE") {
    RuntimeFixture f;
    if (access("/proc/self/oom_score_adj", W_OK) != 0) return;
    f.config()["process"]["oomScoreAdj"] = -999;
    std::string id = f.NewId();
    f.WriteBundle();
    SpawnResult r = f.Runtime({"create", "--bundle", f.bundle(), id});
    if (r.status.code == 0) return;  // this host grants CAP_SYS_RESOURCE
    CHECK(r.err.find("oom_score_adj") != std::string::npos);
    CHECK(f.Runtime({"state", id}).status.code != 0);
  }
  SECTION("--systemd-cgroup without systemd") {
    RuntimeFixture f;
    std::string id = f.NewId();
    f.config()["linux"]["cgroupsPath"] = "system.slice:berth:" + id;
    f.WriteBundle();
    SpawnResult r = f.Runtime({"--systemd-cgroup", "create", "--bundle", f.bundle(), id});
    CHECK(r.status.code == 1);
    CHECK(r.err.find("systemd") != std::string::npos);
  }
}

TEST_CASE("spec, features and --version", "[commands]") {
  RuntimeFixture f;
  TempDir dir("berth-spec");
  SpawnResult spec = f.Runtime({"spec", "--bundle", dir.path()});
  REQUIRE(spec.status.code == 0);
  json::Json config = *json::Parse(*ReadFile(dir.Sub("config.json")), "config");
  CHECK(config["ociVersion"] == "1.2.0");
  CHECK(config["process"]["args"] == json::Json::array({"sh"}));
  SpawnResult again = f.Runtime({"spec", "--bundle", dir.path()});
  CHECK(again.status.code != 0);
  CHECK(again.err.find("exists") != std::string::npos);

  SpawnResult features = f.Runtime({"features"});
  REQUIRE(features.status.code == 0);
  json::Json j = *json::Parse(features.out, "features");
  CHECK(j["ociVersionMax"] == "1.2.0");
  CHECK(j["linux"]["namespaces"].size() == 8);
  CHECK(j["linux"]["capabilities"].size() >= 41);
  CHECK(j["linux"]["seccomp"]["enabled"] == true);
  CHECK(j["hooks"].size() == 6);

  SpawnResult version = f.Runtime({"--version"});
  CHECK(version.status.code == 0);
  CHECK(version.out.find("berth-runtime version") == 0);
  CHECK(version.out.find("spec: 1.2.0") != std::string::npos);
}

}  // namespace
}  // namespace berth::testing
