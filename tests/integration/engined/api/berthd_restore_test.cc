// Live restore: berthd SIGKILLed with containers running, started again;
// and a shim that dies under a running container.
#include <dirent.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "common/file_util.h"
#include "tests/integration/engined/api/berthd_fixture.h"

namespace berth::testing {
namespace {

std::string Stdout(BerthdFixture& f, const std::string& name) {
  HttpResult logs = f.Get("/v1.41/containers/" + name + "/logs?stdout=1");
  REQUIRE(logs.status == 200);
  std::string out, err;
  BerthdFixture::Demux(logs.body, &out, &err);
  return out;
}

// SIGKILLs the shim serving container `id`; returns how many it found.
int KillShimOf(const std::string& id) {
  int killed = 0;
  DIR* proc = ::opendir("/proc");
  REQUIRE(proc != nullptr);
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string dir = std::string("/proc/") + e->d_name;
    absl::StatusOr<std::string> comm = ReadFile(dir + "/comm");
    absl::StatusOr<std::string> cmdline = ReadFile(dir + "/cmdline");
    if (!comm.ok() || !cmdline.ok() || comm->rfind("berth-shim", 0) != 0) continue;
    if (cmdline->find(id) == std::string::npos) continue;
    if (::kill(std::atoi(e->d_name), SIGKILL) == 0) ++killed;
  }
  ::closedir(proc);
  return killed;
}

TEST_CASE("berthd: SIGKILL and restart keeps containers, exits, logs and policies", "[berthd]") {
  BerthdFixture f;
  nlohmann::json ticker = {
      {"Image", "busybox"},
      {"Cmd", {"sh", "-c", "i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.2; done"}}};
  std::string ticker_id = f.Run(ticker, "ticker");
  nlohmann::json short_lived = {{"Image", "busybox"}, {"Cmd", {"sh", "-c", "sleep 2; exit 9"}}};
  f.Run(short_lived, "short");
  nlohmann::json always = {{"Image", "busybox"}, {"Cmd", {"sh", "-c", "sleep 2; exit 1"}}};
  always["HostConfig"] = {{"RestartPolicy", {{"Name", "always"}}}};
  f.Run(always, "always");
  nlohmann::json paused = {{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}};
  f.Run(paused, "paused");
  REQUIRE(f.Post("/v1.41/containers/paused/pause").status == 204);
  int ticker_pid = f.Inspect("ticker")["State"]["Pid"];
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  size_t ticks_before = Stdout(f, "ticker").size();
  REQUIRE(ticks_before > 0);

  f.StopBerthd(SIGKILL);
  // "short" and "always" exit while berthd is down.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  f.StartBerthd();

  nlohmann::json t = f.Inspect("ticker");
  CHECK(t["State"]["Status"] == "running");
  CHECK(t["State"]["Pid"] == ticker_pid);
  CHECK(f.Inspect("paused")["State"]["Status"] == "paused");
  nlohmann::json s = f.Inspect("short");
  CHECK(s["State"]["Status"] == "exited");
  CHECK(s["State"]["ExitCode"] == 9);
  // The restart policy resumes: "always" is restarted after its exit.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         f.Inspect("always")["RestartCount"].get<int>() < 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(f.Inspect("always")["RestartCount"].get<int>() >= 1);

  // The log kept growing while berthd was down, and still does.
  size_t ticks_after = Stdout(f, "ticker").size();
  CHECK(ticks_after > ticks_before + 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(Stdout(f, "ticker").size() > ticks_after);

  // exec and stop work on the restored container.
  HttpResult exec = f.Post("/v1.41/containers/ticker/exec",
                           {{"Cmd", {"echo", "still-here"}}, {"AttachStdout", true}});
  REQUIRE(exec.status == 201);
  HttpResult started =
      f.Request("POST", "/v1.41/exec/" + exec.Json()["Id"].get<std::string>() + "/start", "{}",
                {{"Upgrade", "tcp"}, {"Connection", "Upgrade"}});
  std::string out, err;
  BerthdFixture::Demux(started.body, &out, &err);
  CHECK(out == "still-here\n");
  REQUIRE(f.Post("/v1.41/containers/ticker/stop?t=1").status == 204);
  CHECK(f.Inspect("ticker")["State"]["Status"] == "exited");
  REQUIRE(f.Post("/v1.41/containers/paused/unpause").status == 204);
}

TEST_CASE("berthd: a container whose shim dies is recorded as exited and its policy applies",
          "[berthd]") {
  BerthdFixture f;
  std::string victim = f.Run({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}}, "victim");
  nlohmann::json always = {{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}};
  always["HostConfig"] = {{"RestartPolicy", {{"Name", "always"}}}};
  std::string restarted = f.Run(always, "restarted");

  // berth-containerd deletes the task of a dead shim itself, then publishes
  // the exit (137: the container was killed with it).
  REQUIRE(KillShimOf(victim) >= 1);
  REQUIRE(f.WaitStatus("victim", "exited"));
  nlohmann::json v = f.Inspect("victim");
  CHECK(v["State"]["ExitCode"] == 137);
  CHECK(v["State"]["Pid"] == 0);

  REQUIRE(KillShimOf(restarted) >= 1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         f.Inspect("restarted")["RestartCount"].get<int>() < 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(f.Inspect("restarted")["RestartCount"] == 1);
  CHECK(f.WaitStatus("restarted", "running"));
  REQUIRE(f.Post("/v1.41/containers/restarted/stop?t=1").status == 204);
}

}  // namespace
}  // namespace berth::testing
