// docker commit, docker update and the predefined networks through berthd:
// raw HTTP for status codes and bodies, the stock docker CLI for what
// users see, and the container's cgroup files for what update changed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

void RequireDockerCli() {
  if (BerthdFixture::DockerCli().empty()) Skip("the docker CLI is not installed (/usr/bin/docker)");
}

// The cgroup v1 directory of a running container's `controller`, from
// /proc/<pid>/cgroup of its init.
std::string CgroupDir(BerthdFixture& f, const std::string& ref, const std::string& controller) {
  int pid = f.Inspect(ref)["State"]["Pid"].get<int>();
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // "4:memory:/berth/<id>"
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    for (std::string_view c : Split(line.substr(a + 1, b - a - 1), ',')) {
      if (c == controller) return "/sys/fs/cgroup/" + controller + line.substr(b + 1);
    }
  }
  return "";
}

std::string CgroupValue(BerthdFixture& f, const std::string& ref, const std::string& controller,
                        const std::string& file) {
  std::string dir = CgroupDir(f, ref, controller);
  if (dir.empty()) return "";
  return std::string(TrimSpace(ReadFile(dir + "/" + file).value_or("")));
}

TEST_CASE("berthd: commit makes an image with the container's layer, config and history",
          "[berthd][commit]") {
  BerthdFixture f;
  std::string id =
      f.Run({{"Image", "busybox"},
             {"Cmd", {"sh", "-c", "echo kept > /committed; echo ready; exec sleep 300"}},
             {"Env", {"FROM_RUN=1"}}},
            "source");
  // The file is there once the container says so.
  for (int i = 0; i < 100; ++i) {
    std::string out, err;
    BerthdFixture::Demux(f.Get("/containers/source/logs?stdout=1").body, &out, &err);
    if (out == "ready\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  HttpResult committed = f.Post(
      "/commit?container=source&repo=snap&tag=v1&comment=first%20snap&author=Tester%20%3Ct%40x%3E"
      "&changes=" +
      std::string("ENV%20ADDED%3Dyes"));
  INFO(committed.body);
  REQUIRE(committed.status == 201);
  std::string image_id = committed.Json()["Id"];
  CHECK(image_id.rfind("sha256:", 0) == 0);
  // Paused during the diff, running again after.
  CHECK(f.Inspect("source")["State"]["Status"] == "running");

  HttpResult image = f.Get("/images/snap:v1/json");
  REQUIRE(image.status == 200);
  nlohmann::json img = image.Json();
  CHECK(img["Id"] == image_id);
  CHECK(img["Comment"] == "first snap");
  CHECK(img["Author"] == "Tester <t@x>");
  HttpResult base = f.Get("/images/busybox/json");
  CHECK(img["RootFS"]["Layers"].size() == base.Json()["RootFS"]["Layers"].size() + 1);
  nlohmann::json env = img["Config"]["Env"];
  CHECK(std::find(env.begin(), env.end(), "FROM_RUN=1") != env.end());
  CHECK(std::find(env.begin(), env.end(), "ADDED=yes") != env.end());
  CHECK(img["Config"]["Cmd"] ==
        nlohmann::json({"sh", "-c", "echo kept > /committed; echo ready; exec sleep 300"}));
  // moby's NewChildImage: the container and its Config as committed.
  CHECK(img["Container"] == id);
  CHECK(img["ContainerConfig"] == f.Inspect("source")["Config"]);

  HttpResult history = f.Get("/images/snap:v1/history");
  REQUIRE(history.status == 200);
  nlohmann::json top = history.Json()[0];
  CHECK(top["CreatedBy"] == "sh -c echo kept > /committed; echo ready; exec sleep 300");
  CHECK(top["Comment"] == "first snap");
  CHECK(top["Size"].get<int64_t>() > 0);

  // The new image runs with the file.
  std::string child = f.Run({{"Image", "snap:v1"}, {"Cmd", {"cat", "/committed"}}}, "child");
  REQUIRE(f.WaitStatus("child", "exited"));
  std::string out, err;
  BerthdFixture::Demux(f.Get("/containers/child/logs?stdout=1&stderr=1").body, &out, &err);
  CHECK(out == "kept\n");
  (void)child;

  // Untagged commits, with a body config overriding the container's.
  HttpResult untagged =
      f.Post("/commit?container=source&pause=0", nlohmann::json{{"Cmd", {"cat", "/committed"}}});
  REQUIRE(untagged.status == 201);
  HttpResult dangling = f.Get("/images/" + untagged.Json()["Id"].get<std::string>() + "/json");
  REQUIRE(dangling.status == 200);
  CHECK(dangling.Json()["Config"]["Cmd"] == nlohmann::json({"cat", "/committed"}));
  CHECK(dangling.Json()["ContainerConfig"]["Cmd"] ==
        nlohmann::json({"sh", "-c", "echo kept > /committed; echo ready; exec sleep 300"}));
  CHECK(dangling.Json()["RepoTags"].empty());

  // Errors, as docker's.
  HttpResult missing = f.Post("/commit?container=nosuch");
  CHECK(missing.status == 404);
  CHECK(missing.Json()["message"] == "No such container: nosuch");
  CHECK(f.Post("/commit?container=source&repo=Bad%20Name").status == 400);
  HttpResult bad_change = f.Post("/commit?container=source&changes=FROB%20x");
  CHECK(bad_change.status == 400);
}

TEST_CASE("docker CLI: commit --change, run the image, history shows the layer",
          "[berthd][commit][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  SpawnResult made =
      f.Docker({"run", "--name", "maker", "busybox", "sh", "-c", "echo from-commit > /hello"});
  REQUIRE(made.status.code == 0);
  SpawnResult committed = f.Docker(
      {"commit", "-c", "CMD [\"cat\", \"/hello\"]", "-m", "with hello", "maker", "hello:cli"});
  INFO(committed.err);
  REQUIRE(committed.status.code == 0);
  CHECK(committed.out.rfind("sha256:", 0) == 0);
  SpawnResult ran = f.Docker({"run", "--rm", "hello:cli"});
  CHECK(ran.out == "from-commit\n");
  SpawnResult history =
      f.Docker({"history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", "hello:cli"});
  REQUIRE(history.status.code == 0);
  CHECK(history.out.rfind("sh -c echo from-commit > /hello|with hello\n", 0) == 0);
  SpawnResult bad = f.Docker({"commit", "nosuch"});
  CHECK(bad.status.code != 0);
  CHECK(bad.err == "Error response from daemon: No such container: nosuch\n");
}

TEST_CASE("berthd: update changes a running container's cgroup limits and its HostConfig",
          "[berthd][update]") {
  BerthdFixture f;
  f.Run({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}}, "limited");
  HttpResult updated =
      f.Post("/containers/limited/update", nlohmann::json{{"Memory", 64 << 20},
                                                          {"MemorySwap", 128 << 20},
                                                          {"CpuShares", 512},
                                                          {"PidsLimit", 42},
                                                          {"KernelMemory", 8 << 20}});
  INFO(updated.body);
  REQUIRE(updated.status == 200);
  REQUIRE(updated.Json()["Warnings"].size() == 1);
  CHECK(CgroupValue(f, "limited", "memory", "memory.limit_in_bytes") == std::to_string(64 << 20));
  CHECK(CgroupValue(f, "limited", "memory", "memory.memsw.limit_in_bytes") ==
        std::to_string(128 << 20));
  CHECK(CgroupValue(f, "limited", "cpu", "cpu.shares") == "512");
  CHECK(CgroupValue(f, "limited", "pids", "pids.max") == "42");
  nlohmann::json hc = f.Inspect("limited")["HostConfig"];
  CHECK(hc["Memory"] == 64 << 20);
  CHECK(hc["MemorySwap"] == 128 << 20);
  CHECK(hc["CpuShares"] == 512);
  CHECK(hc["PidsLimit"] == 42);

  // Unlimited pids again; the rest stays.
  REQUIRE(f.Post("/containers/limited/update", nlohmann::json{{"PidsLimit", -1}}).status == 200);
  CHECK(CgroupValue(f, "limited", "pids", "pids.max") == "max");
  CHECK(CgroupValue(f, "limited", "cpu", "cpu.shares") == "512");

  // docker's refusals, leaving everything as it was.
  HttpResult swap = f.Post("/containers/limited/update",
                           nlohmann::json{{"Memory", 64 << 20}, {"MemorySwap", 32 << 20}});
  CHECK(swap.status == 400);
  CHECK(swap.Json()["message"] ==
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  // Over the swap limit recorded (128m): moby's conflict, 409.
  HttpResult above = f.Post("/containers/limited/update", nlohmann::json{{"Memory", 256 << 20}});
  CHECK(above.status == 409);
  CHECK(above.Json()["message"] ==
        "Cannot update container " + f.Inspect("limited")["Id"].get<std::string>() +
            ": Memory limit should be smaller than already set memoryswap limit, update the "
            "memoryswap at the same time");
  CHECK(f.Inspect("limited")["HostConfig"]["Memory"] == 64 << 20);
  CHECK(f.Post("/containers/nosuch/update", nlohmann::json::object()).status == 404);

  // A restart policy is recorded, except with --rm.
  REQUIRE(
      f.Post("/containers/limited/update",
             nlohmann::json{{"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 3}}}})
          .status == 200);
  CHECK(f.Inspect("limited")["HostConfig"]["RestartPolicy"]["Name"] == "on-failure");
  HttpResult created =
      f.Post("/containers/create?name=gone",
             nlohmann::json{
                 {"Image", "busybox"}, {"Cmd", {"true"}}, {"HostConfig", {{"AutoRemove", true}}}});
  REQUIRE(created.status == 201);
  std::string gone_id = created.Json()["Id"];
  HttpResult rm_conflict =
      f.Post("/containers/gone/update", nlohmann::json{{"RestartPolicy", {{"Name", "always"}}}});
  CHECK(rm_conflict.status == 409);
  CHECK(rm_conflict.Json()["message"] ==
        "Cannot update container " + gone_id +
            ": Restart policy cannot be updated because AutoRemove is enabled for the container");

  // A stopped container's new limits apply at its next start.
  REQUIRE(f.Post("/containers/limited/stop?t=0").status == 204);
  REQUIRE(f.Post("/containers/limited/update", nlohmann::json{{"CpuShares", 256}}).status == 200);
  REQUIRE(f.Post("/containers/limited/start").status == 204);
  CHECK(CgroupValue(f, "limited", "cpu", "cpu.shares") == "256");
  CHECK(CgroupValue(f, "limited", "memory", "memory.limit_in_bytes") == std::to_string(64 << 20));
}

TEST_CASE("docker CLI: update with size flags, and its errors", "[berthd][update][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  REQUIRE(f.Docker({"run", "-d", "--name", "box", "busybox", "sleep", "300"}).status.code == 0);
  // No memory limit yet, so no swap limit recorded (0): moby's
  // UpdateContainer refuses a memory limit without a swap limit (409).
  std::string id = f.Inspect("box")["Id"];
  SpawnResult no_swap = f.Docker({"update", "-m", "50m", "box"});
  CHECK(no_swap.status.code == 1);
  CHECK(no_swap.err == "Error response from daemon: Cannot update container " + id +
                           ": Memory limit should be smaller than already set memoryswap limit, "
                           "update the memoryswap at the same time\n");
  CHECK(f.Inspect("box")["HostConfig"]["Memory"] == 0);
  SpawnResult unlimited_swap = f.Docker({"update", "-m", "50m", "--memory-swap", "-1", "box"});
  INFO(unlimited_swap.err);
  CHECK(unlimited_swap.status.code == 0);
  CHECK(CgroupValue(f, "box", "memory", "memory.limit_in_bytes") == std::to_string(50 << 20));
  CHECK(
      f.Docker({"inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", "box"})
          .out == std::to_string(50 << 20) + " -1\n");
  SpawnResult updated = f.Docker({"update", "--memory", "96m", "--memory-swap", "192m",
                                  "--cpu-shares", "300", "--pids-limit", "77", "box"});
  INFO(updated.err);
  CHECK(updated.status.code == 0);
  CHECK(updated.out == "box\n");
  CHECK(CgroupValue(f, "box", "memory", "memory.limit_in_bytes") == std::to_string(96 << 20));
  CHECK(CgroupValue(f, "box", "cpu", "cpu.shares") == "300");
  CHECK(CgroupValue(f, "box", "pids", "pids.max") == "77");
  CHECK(f.Docker({"inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}", "box"})
            .out == std::to_string(96 << 20) + " 77\n");
  SpawnResult bad = f.Docker({"update", "--memory", "96m", "--memory-swap", "64m", "box"});
  CHECK(bad.status.code == 1);
  CHECK(bad.err ==
        "Error response from daemon: Minimum memoryswap limit should be larger than memory "
        "limit, see usage\n");
  SpawnResult missing = f.Docker({"update", "--cpu-shares", "4", "nosuch"});
  CHECK(missing.status.code == 1);
  CHECK(missing.err == "Error response from daemon: No such container: nosuch\n");
}

TEST_CASE("berthd: the predefined networks, their filters and docker's refusals",
          "[berthd][network]") {
  BerthdFixture f;
  HttpResult list = f.Get("/networks");
  REQUIRE(list.status == 200);
  nlohmann::json nets = list.Json();
  REQUIRE(nets.size() == 3);
  std::map<std::string, std::string> drivers;
  for (const nlohmann::json& n : nets) {
    drivers[n["Name"]] = n["Driver"];
    CHECK(n["Id"].get<std::string>().size() == 64);
    CHECK(n["Scope"] == "local");
  }
  CHECK(drivers == std::map<std::string, std::string>{
                       {"bridge", "bridge"}, {"host", "host"}, {"none", "null"}});

  f.Run({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}}, "onbridge");
  f.Run(
      {{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}, {"HostConfig", {{"NetworkMode", "host"}}}},
      "onhost");
  nlohmann::json bridge = f.Get("/networks/bridge").Json();
  REQUIRE(bridge["Containers"].size() == 1);
  CHECK(bridge["Containers"].begin().value()["Name"] == "onbridge");
  std::string host_id = f.Get("/networks/host").Json()["Id"];
  nlohmann::json host = f.Get("/networks/" + host_id.substr(0, 10)).Json();
  CHECK(host["Name"] == "host");
  CHECK(host["Containers"].size() == 1);
  CHECK(f.Get("/networks/nosuch").status == 404);

  // IDs survive a restart of berthd.
  f.StopBerthd(SIGTERM);
  f.StartBerthd();
  CHECK(f.Get("/networks/host").Json()["Id"] == host_id);

  auto names = [&](const std::string& filters) {
    HttpResult r = f.Get("/networks?filters=" + filters);
    std::vector<std::string> out;
    if (r.status != 200) return std::vector<std::string>{"status " + std::to_string(r.status)};
    for (const nlohmann::json& n : r.Json()) out.push_back(n["Name"]);
    return out;
  };
  CHECK(names("%7B%22driver%22%3A%7B%22null%22%3Atrue%7D%7D") == std::vector<std::string>{"none"});
  CHECK(names("%7B%22name%22%3A%7B%22o%22%3Atrue%7D%7D") ==
        std::vector<std::string>{"host", "none"});
  CHECK(names("%7B%22type%22%3A%7B%22custom%22%3Atrue%7D%7D").empty());
  CHECK(names("%7B%22type%22%3A%7B%22builtin%22%3Atrue%7D%7D").size() == 3);
  CHECK(names("%7B%22type%22%3A%7B%22x%22%3Atrue%7D%7D") == std::vector<std::string>{"status 400"});
  CHECK(names("%7B%22frob%22%3A%7B%22x%22%3Atrue%7D%7D") == std::vector<std::string>{"status 400"});

  HttpResult rm = f.Request("DELETE", "/networks/bridge");
  CHECK(rm.status == 403);
  CHECK(rm.Json()["message"] == "bridge is a pre-defined network and cannot be removed");
  CHECK(f.Request("DELETE", "/networks/nosuch").status == 404);
  HttpResult create = f.Post("/networks/create", nlohmann::json{{"Name", "mine"}});
  CHECK(create.status == 501);
  CHECK(create.Json()["message"].get<std::string>().find("not supported") != std::string::npos);
  CHECK(f.Post("/networks/create", nlohmann::json{{"Name", "host"}}).status == 403);
  HttpResult prune = f.Post("/networks/prune");
  REQUIRE(prune.status == 200);
  CHECK(prune.Json() == nlohmann::json{{"NetworksDeleted", nullptr}});
  CHECK(f.Post("/networks/bridge/connect", nlohmann::json{{"Container", "onbridge"}}).status ==
        501);
  CHECK(f.Post("/networks/bridge/disconnect", nlohmann::json{{"Container", "nosuch"}}).status ==
        404);
}

TEST_CASE("docker CLI: network ls, inspect, rm, create and port", "[berthd][network][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  nlohmann::json nets = f.Get("/networks").Json();
  std::map<std::string, std::string> ids;
  for (const nlohmann::json& n : nets) ids[n["Name"]] = n["Id"].get<std::string>().substr(0, 12);
  SpawnResult ls = f.Docker({"network", "ls"});
  INFO(ls.err);
  CHECK(ls.out == "NETWORK ID     NAME      DRIVER    SCOPE\n" + ids["bridge"] +
                      "   bridge    bridge    local\n" + ids["host"] +
                      "   host      host      local\n" + ids["none"] +
                      "   none      null      local\n");
  CHECK(f.Docker({"network", "ls", "-q", "--filter", "driver=host"}).out == ids["host"] + "\n");
  SpawnResult inspect =
      f.Docker({"network", "inspect", "--format", "{{.Name}} {{.Driver}} {{.Scope}}", "bridge"});
  CHECK(inspect.out == "bridge bridge local\n");
  SpawnResult rm = f.Docker({"network", "rm", "host"});
  CHECK(rm.status.code == 1);
  // docker 28's CLI adds its "exit status 1" line.
  CHECK(rm.err.rfind(
            "Error response from daemon: host is a pre-defined network and cannot be removed\n",
            0) == 0);
  SpawnResult create = f.Docker({"network", "create", "mine"});
  CHECK(create.status.code != 0);
  CHECK(create.err.find("not supported") != std::string::npos);
  SpawnResult prune = f.Docker({"network", "prune", "-f"});
  CHECK(prune.status.code == 0);
  CHECK(prune.out.empty());

  // No published ports: docker port prints nothing, or docker's error.
  SpawnResult run = f.Docker(
      {"run", "-d", "--name", "web", "-p", "8080:80", "--expose", "90", "busybox", "sleep", "300"});
  REQUIRE(run.status.code == 0);
  CHECK(run.err.find("does not publish ports") != std::string::npos);
  SpawnResult all = f.Docker({"port", "web"});
  CHECK(all.status.code == 0);
  CHECK(all.out.empty());
  SpawnResult one = f.Docker({"port", "web", "80"});
  CHECK(one.status.code == 1);
  // The CLI names the port as it was given.
  CHECK(one.err == "Error: No public port '80' published for web\n");
  CHECK(f.Docker({"port", "web", "90/tcp"}).err ==
        "Error: No public port '90/tcp' published for web\n");
  CHECK(f.Get("/containers/web/json").Json()["NetworkSettings"]["Ports"] ==
        nlohmann::json{{"80/tcp", nullptr}, {"90/tcp", nullptr}});
}

TEST_CASE(
    "docker CLI: a container's NetworkID is its network's, its EndpointID the network's entry",
    "[berthd][network][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  auto network_id = [&](const std::string& name) {
    SpawnResult r = f.Docker({"network", "inspect", "--format", "{{.Id}}", name});
    REQUIRE(r.status.code == 0);
    return r.out;
  };
  auto field = [&](const std::string& container, const std::string& format) {
    return f.Docker({"inspect", "--format", format, container}).out;
  };
  // As docker: no IDs before the first start.
  REQUIRE(f.Docker({"create", "--name", "fresh", "busybox", "true"}).status.code == 0);
  CHECK(field("fresh",
              "{{.NetworkSettings.Networks.bridge.NetworkID}}|"
              "{{.NetworkSettings.Networks.bridge.EndpointID}}") == "|\n");

  std::map<std::string, std::string> endpoints;
  for (const std::string mode : {"bridge", "host", "none"}) {
    std::string name = "on" + mode;
    REQUIRE(f.Docker({"run", "-d", "--name", name, "--network", mode, "busybox", "sleep", "300"})
                .status.code == 0);
    std::string prefix = "{{.NetworkSettings.Networks." + mode + ".";
    CHECK(field(name, prefix + "NetworkID}}") == network_id(mode));
    std::string endpoint = field(name, prefix + "EndpointID}}");
    REQUIRE(endpoint.size() == 65);  // 64 hex and the newline
    endpoints[mode] = endpoint.substr(0, 64);
  }
  // The bridge's endpoint also in docker's old top-level field, and the
  // network lists the running container with the same endpoint.
  CHECK(field("onbridge", "{{.NetworkSettings.EndpointID}}") == endpoints["bridge"] + "\n");
  CHECK(field("onhost", "{{.NetworkSettings.EndpointID}}") == "\n");
  nlohmann::json bridge = f.Get("/networks/bridge").Json();
  std::string onbridge = f.Inspect("onbridge")["Id"];
  CHECK(bridge["Containers"][onbridge]["EndpointID"] == endpoints["bridge"]);

  // Stopped: the network stays, the endpoint goes; a new start, a new one.
  REQUIRE(f.Docker({"stop", "-t", "0", "onnone"}).status.code == 0);
  CHECK(field("onnone",
              "{{.NetworkSettings.Networks.none.NetworkID}}|"
              "{{.NetworkSettings.Networks.none.EndpointID}}") ==
        network_id("none").substr(0, 64) + "|\n");
  REQUIRE(f.Docker({"start", "onnone"}).status.code == 0);
  std::string again = field("onnone", "{{.NetworkSettings.Networks.none.EndpointID}}");
  CHECK(again.size() == 65);
  CHECK(again.substr(0, 64) != endpoints["none"]);

  // Kept across a berthd restart (live restore).
  f.StopBerthd(SIGTERM);
  f.StartBerthd();
  CHECK(field("onbridge", "{{.NetworkSettings.Networks.bridge.EndpointID}}") ==
        endpoints["bridge"] + "\n");
}

}  // namespace
}  // namespace berth::testing
