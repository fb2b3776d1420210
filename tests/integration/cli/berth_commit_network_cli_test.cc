// berth commit, update, port and network against a real berthd, and the
// same output as the docker CLI's where it is installed.
#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

TEST_CASE("berth commit, run the image, and its history", "[cli][berthd][commit]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "--network", "none", "--name", "src", "busybox", "sh", "-c",
                   "echo via-berth > /note"})
              .status.code == 0);
  SpawnResult committed =
      f.Berth({"commit", "-a", "me", "-m", "a note", "-c", "CMD [\"cat\", \"/note\"]", "-c",
               "ENV NOTE=1", "src", "noted:v2"});
  INFO(committed.err);
  REQUIRE(committed.status.code == 0);
  CHECK(committed.out.rfind("sha256:", 0) == 0);
  CHECK(committed.out.size() == 7 + 64 + 1);
  SpawnResult ran = f.Berth({"run", "--rm", "--network", "none", "noted:v2"});
  CHECK(ran.out == "via-berth\n");
  CHECK(
      f.Berth({"inspect", "--format", "{{.Author}} {{.Comment}} {{json .Config.Env}}", "noted:v2"})
          .out.rfind("me a note [", 0) == 0);
  SpawnResult history = f.Berth({"history", "--format", "{{.CreatedBy}}", "noted:v2"});
  CHECK(history.out.rfind("sh -c echo via-berth > /note\n", 0) == 0);
  // Untagged, not paused, under `berth container`.
  SpawnResult plain = f.Berth({"container", "commit", "--pause=false", "src"});
  CHECK(plain.status.code == 0);
  SpawnResult missing = f.Berth({"commit", "nosuch", "x:y"});
  CHECK(missing.status.code == 1);
  CHECK(missing.err == "Error response from daemon: No such container: nosuch\n");
  SpawnResult bad_change = f.Berth({"commit", "-c", "FROB x", "src"});
  CHECK(bad_change.status.code == 1);
}

TEST_CASE("berth update and port", "[cli][berthd][update]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "upd", "busybox", "sleep", "300"})
              .status.code == 0);
  SpawnResult updated =
      f.Berth({"update", "-m", "80m", "--memory-swap", "-1", "--pids-limit", "20", "upd"});
  INFO(updated.err);
  CHECK(updated.status.code == 0);
  CHECK(updated.out == "upd\n");
  CHECK(f.Berth({"inspect", "--format",
                 "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}}",
                 "upd"})
            .out == std::to_string(80 << 20) + " -1 20\n");
  SpawnResult none = f.Berth({"update", "upd"});
  CHECK(none.status.code == 1);
  CHECK(none.err == "you must provide one or more flags when using this command\n");
  SpawnResult bad = f.Berth({"container", "update", "-m", "80m", "--memory-swap", "40m", "upd"});
  CHECK(bad.status.code == 1);
  CHECK(bad.err ==
        "Error response from daemon: Minimum memoryswap limit should be larger than memory "
        "limit, see usage\n");
  SpawnResult kmem = f.Berth({"update", "--kernel-memory", "8m", "upd"});
  CHECK(kmem.status.code == 0);
  CHECK(kmem.out.rfind("upd\nKernelMemory is not supported", 0) == 0);

  REQUIRE(f.Berth({"run", "-d", "--name", "pp", "-p", "8080:80", "busybox", "sleep", "300"})
              .status.code == 0);
  SpawnResult all = f.Berth({"port", "pp"});
  CHECK(all.status.code == 0);
  CHECK(all.out.empty());
  SpawnResult one = f.Berth({"container", "port", "pp", "80"});
  CHECK(one.status.code == 1);
  CHECK(one.err == "Error: No public port '80' published for pp\n");
}

TEST_CASE("berth network ls, inspect, rm, prune and create", "[cli][berthd][network]") {
  BerthdFixture f;
  SpawnResult ls = f.Berth({"network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"});
  INFO(ls.err);
  CHECK(ls.out == "bridge bridge local\nhost host local\nnone null local\n");
  SpawnResult ids = f.Berth({"network", "ls", "-q"});
  CHECK(ids.out.size() == 3 * 13);
  SpawnResult table = f.Berth({"network", "ls", "--filter", "name=none"});
  CHECK(table.out == "NETWORK ID     NAME      DRIVER    SCOPE\n" + ids.out.substr(26, 12) +
                         "   none      null      local\n");
  CHECK(f.Berth({"network", "inspect", "--format", "{{.Driver}}", "host", "none"}).out ==
        "host\nnull\n");
  SpawnResult rm = f.Berth({"network", "rm", "bridge"});
  CHECK(rm.status.code == 1);
  CHECK(rm.err ==
        "Error response from daemon: bridge is a pre-defined network and cannot be removed\n");
  CHECK(f.Berth({"network", "rm", "-f", "nosuch"}).status.code == 0);
  SpawnResult prune = f.Berth({"network", "prune", "-f"});
  CHECK(prune.status.code == 0);
  CHECK(prune.out.empty());
  SpawnResult create = f.Berth({"network", "create", "mine"});
  CHECK(create.status.code == 1);
  CHECK(create.err.find("user-defined networks are not supported") != std::string::npos);
}

TEST_CASE("berth and docker print the same network, commit and port output",
          "[cli][berthd][docker-cli]") {
  if (!HaveDocker()) Skip("the docker CLI is not installed (/usr/bin/docker)");
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--name", "web", "--expose", "80", "busybox", "sleep", "300"})
              .status.code == 0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"network", "ls"},
           {"network", "ls", "--no-trunc"},
           {"network", "ls", "-q", "--filter", "driver=null"},
           {"network", "ls", "--filter", "type=custom"},
           {"network", "ls", "--format", "{{.ID}} {{.Name}} {{.IPv6}} {{.Internal}}"},
           {"network", "inspect", "bridge", "host", "none"},
           {"network", "inspect", "--format", "{{.Name}}", "nosuch"},
           {"network", "prune", "-f"},
           {"port", "web"},
           {"port", "web", "80"},
           {"port", "web", "80/udp"},
           {"port", "nosuch"},
           {"commit", "nosuch"},
           {"update", "--cpu-shares", "100", "nosuch"},
       }) {
    SpawnResult ours = f.Berth(args);
    SpawnResult theirs = f.Docker(args);
    INFO(Join(args, " "));
    CHECK(ours.out == theirs.out);
    CHECK(ours.status.code == theirs.status.code);
    CHECK(ours.err == theirs.err);
  }
}

TEST_CASE("run with network and PID modes container:<name> joins a running container",
          "[cli][berthd][network]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "owner", "busybox", "sleep", "300"})
              .status.code == 0);
  const std::vector<std::string> probe = {"sh", "-c",
                                          "readlink /proc/self/ns/net; hostname; cat /etc/hosts"};
  std::vector<std::string> exec = {"exec", "owner"};
  exec.insert(exec.end(), probe.begin(), probe.end());
  SpawnResult owner = f.Berth(exec);
  REQUIRE(owner.status.code == 0);
  REQUIRE(owner.out.rfind("net:[", 0) == 0);
  // Same network namespace, hostname and /etc files as the owner.
  std::vector<std::string> run = {"run", "--rm", "--network", "container:owner", "busybox"};
  run.insert(run.end(), probe.begin(), probe.end());
  SpawnResult joined = f.Berth(run);
  INFO(joined.err);
  CHECK(joined.status.code == 0);
  CHECK(joined.out == owner.out);
  SpawnResult pids =
      f.Berth({"run", "--rm", "--pid", "container:owner", "busybox", "ps", "-o", "pid,args"});
  CHECK(pids.out.find("    1 sleep 300\n") != std::string::npos);

  // moby's refusals, through both CLIs.
  REQUIRE(f.Berth({"create", "--name", "joiner", "--network", "container:owner", "busybox", "sleep",
                   "300"})
              .status.code == 0);
  REQUIRE(f.Berth({"stop", "-t", "0", "owner"}).status.code == 0);
  struct Refusal {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  const std::vector<Refusal> refusals = {
      {{"start", "joiner"}, 1, "cannot join network of a non running container: owner"},
      {{"run", "--rm", "--network", "container:nosuch", "busybox", "true"},
       125,
       "No such container: nosuch"},
      {{"run", "--rm", "--network", "container:owner", "-h", "x", "busybox", "true"},
       125,
       "conflicting options: hostname and the network mode"},
      {{"run", "--rm", "--network", "container:owner", "-p", "8080:80", "busybox", "true"},
       125,
       "conflicting options: port publishing and the container type network mode"},
      {{"run", "--rm", "--ipc", "container:owner", "busybox", "true"},
       125,
       "sharing another container's IPC namespace is not supported by berthd yet"},
  };
  for (bool docker : {false, true}) {
    if (docker && BerthdFixture::DockerCli().empty()) continue;
    for (const Refusal& r : refusals) {
      SpawnResult got = docker ? f.Docker(r.args) : f.Berth(r.args);
      std::string command = docker ? "docker" : "berth";
      for (const std::string& arg : r.args) command += " " + arg;
      INFO(command << ": " << got.err);
      CHECK(got.status.code == r.code);
      CHECK(got.err.find(r.says) != std::string::npos);
    }
  }
  // Nothing half-made: the owner and the joiner only (--rm removed the rest).
  CHECK(f.Berth({"ps", "-aq"}).out.size() == 2 * 13);
}

}  // namespace
}  // namespace berth::testing
