// attach with logs=1 (the json-file log replayed in the attach stream's
// format, then the live stream or the end of the connection), attach of a
// stopped container for docker start -a, and the life of exec records
// (dropped with their container's task, as dockerd drops them).
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

void RequireDockerCli() {
  if (BerthdFixture::DockerCli().empty()) Skip("the docker CLI is not installed (/usr/bin/docker)");
}

nlohmann::json Busybox(const std::vector<std::string>& cmd) {
  return {{"Image", "busybox"}, {"Cmd", cmd}};
}

const std::map<std::string, std::string> kUpgrade = {{"Upgrade", "tcp"}, {"Connection", "Upgrade"}};

// Polls GET /logs until its demultiplexed stdout and stderr are these.
bool WaitLogs(BerthdFixture& f, const std::string& ref, const std::string& out,
              const std::string& err) {
  for (int i = 0; i < 200; ++i) {
    HttpResult logs = f.Get("/v1.41/containers/" + ref + "/logs?stdout=1&stderr=1");
    std::string o, e;
    if (logs.status == 200) BerthdFixture::Demux(logs.body, &o, &e);
    if (o == out && e == err) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The container prints a line on each stream, waits for /tmp/go, then
// prints one more on each and exits.
const std::vector<std::string> kTalker = {
    "sh", "-c",
    "echo out1; echo err1 >&2; while [ ! -e /tmp/go ]; do sleep 1; done; "
    "echo out2; echo err2 >&2"};

TEST_CASE("berthd: attach with logs=1 replays the log, then streams or ends", "[berthd][attach]") {
  BerthdFixture f;
  f.Run(Busybox(kTalker), "talker");
  REQUIRE(WaitLogs(f, "talker", "out1\n", "err1\n"));

  // stream=0: the replay alone, multiplexed, and the connection ends.
  auto t0 = std::chrono::steady_clock::now();
  HttpResult replay = f.Post("/v1.41/containers/talker/attach?logs=1&stream=0&stdout=1&stderr=1");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  CHECK(replay.status == 200);
  CHECK(replay.headers["content-type"] == "application/vnd.docker.raw-stream");
  std::string out, err;
  BerthdFixture::Demux(replay.body, &out, &err);
  CHECK(out == "out1\n");
  CHECK(err == "err1\n");

  // The selection holds for the replay: stderr only (and upgraded, API 1.42+
  // names the multiplexed type).
  HttpResult err_only =
      f.Request("POST", "/v1.43/containers/talker/attach?logs=1&stderr=1", "", kUpgrade);
  CHECK(err_only.status == 101);
  CHECK(err_only.headers["content-type"] == "application/vnd.docker.multiplexed-stream");
  out.clear();
  err.clear();
  BerthdFixture::Demux(err_only.body, &out, &err);
  CHECK(out.empty());
  CHECK(err == "err1\n");

  // stream=1: the replay, then the live output until the container exits.
  HttpResult live;
  std::thread attacher([&] {
    live = f.Request("POST", "/v1.41/containers/talker/attach?logs=1&stream=1&stdout=1&stderr=1",
                     "", kUpgrade);
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  HttpResult go = f.Post("/v1.41/containers/talker/exec", {{"Cmd", {"touch", "/tmp/go"}}});
  REQUIRE(go.status == 201);
  REQUIRE(f.Post("/v1.41/exec/" + go.Json()["Id"].get<std::string>() + "/start", {{"Detach", true}})
              .status == 200);
  attacher.join();
  CHECK(live.status == 101);
  out.clear();
  err.clear();
  BerthdFixture::Demux(live.body, &out, &err);
  CHECK(out == "out1\nout2\n");
  CHECK(err == "err1\nerr2\n");

  // An exited container's log replays too (dockerd's does; only a stream
  // needs a task).
  REQUIRE(f.WaitStatus("talker", "exited"));
  HttpResult after = f.Post("/v1.41/containers/talker/attach?logs=1&stdout=1&stderr=1");
  CHECK(after.status == 200);
  out.clear();
  err.clear();
  BerthdFixture::Demux(after.body, &out, &err);
  CHECK(out == "out1\nout2\n");
  CHECK(err == "err1\nerr2\n");
  CHECK(f.Post("/v1.41/containers/nosuch/attach?logs=1&stdout=1").status == 404);
}

TEST_CASE("berthd: attach logs=1 of a tty container is raw, and the none driver has no log",
          "[berthd][attach]") {
  BerthdFixture f;
  nlohmann::json tty = Busybox({"sh", "-c", "echo hello; echo oops >&2"});
  tty["Tty"] = true;
  f.Run(tty, "tty");
  REQUIRE(f.WaitStatus("tty", "exited"));
  HttpResult raw = f.Post("/v1.41/containers/tty/attach?logs=1&stdout=1&stderr=1");
  CHECK(raw.status == 200);
  CHECK(raw.body == "hello\r\noops\r\n");

  nlohmann::json quiet = Busybox({"echo", "lost"});
  quiet["HostConfig"] = {{"LogConfig", {{"Type", "none"}}}};
  f.Run(quiet, "quiet");
  REQUIRE(f.WaitStatus("quiet", "exited"));
  HttpResult none = f.Post("/v1.41/containers/quiet/attach?logs=1&stream=1&stdout=1&stderr=1");
  CHECK(none.status == 200);
  std::string out, err;
  BerthdFixture::Demux(none.body, &out, &err);
  CHECK(out == "Error attaching: configured logging driver does not support reading\n");
  CHECK(err.empty());
}

TEST_CASE("docker CLI: start -a of an exited container runs it again attached",
          "[berthd][attach][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  SpawnResult ran = f.Docker({"run", "--name", "again", "busybox", "sh", "-c", "echo hi; exit 3"});
  INFO(ran.err);
  REQUIRE(ran.status.code == 3);
  SpawnResult started = f.Docker({"start", "-a", "again"});
  INFO(started.err);
  CHECK(started.status.code == 3);
  CHECK(started.out == "hi\n");
  // Both runs are in the log, which a logs=1 attach replays.
  HttpResult replay = f.Post("/v1.41/containers/again/attach?logs=1&stdout=1");
  std::string out, err;
  BerthdFixture::Demux(replay.body, &out, &err);
  CHECK(out == "hi\nhi\n");
}

// GET /exec/{id}/json of `id`.
HttpResult ExecInspect(BerthdFixture& f, const std::string& id) {
  return f.Get("/v1.41/exec/" + id + "/json");
}

std::string NewExec(BerthdFixture& f, const std::string& container,
                    const std::vector<std::string>& cmd) {
  HttpResult created = f.Post("/v1.41/containers/" + container + "/exec", {{"Cmd", cmd}});
  INFO(created.body);
  REQUIRE(created.status == 201);
  return created.Json()["Id"];
}

TEST_CASE("berthd: execs are dropped with their container's task, exited ones kept a while",
          "[berthd][exec]") {
  BerthdFixture f;
  f.Run(Busybox({"sleep", "300"}), "host");
  std::string done = NewExec(f, "host", {"true"});
  REQUIRE(f.Post("/v1.41/exec/" + done + "/start", {{"Detach", true}}).status == 200);
  for (int i = 0; i < 100 && ExecInspect(f, done).Json()["Running"] != false; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string created = NewExec(f, "host", {"true"});
  std::string running = NewExec(f, "host", {"sleep", "200"});
  REQUIRE(f.Post("/v1.41/exec/" + running + "/start", {{"Detach", true}}).status == 200);
  REQUIRE(ExecInspect(f, running).Json()["Running"] == true);

  // ExecIDs: the execs not yet exited (dockerd's container.ExecCommands).
  nlohmann::json ids = f.Inspect("host")["ExecIDs"];
  REQUIRE(ids.is_array());
  std::set<std::string> live(ids.begin(), ids.end());
  CHECK(live == std::set<std::string>{created, running});

  // The task ends: the exec never started is gone (404, as dockerd's
  // Cleanup drops it); the running one died with the container and, like
  // the one that had exited, stays inspectable (dockerd's exec GC takes
  // them minutes later).
  REQUIRE(f.Post("/v1.41/containers/host/stop?t=1").status == 204);
  HttpResult gone = ExecInspect(f, created);
  CHECK(gone.status == 404);
  CHECK(gone.Json()["message"] == "No such exec instance: " + created);
  HttpResult start_gone = f.Post("/v1.41/exec/" + created + "/start", {{"Detach", true}});
  CHECK(start_gone.status == 404);
  HttpResult killed = ExecInspect(f, running);
  CHECK(killed.status == 200);
  CHECK(killed.Json()["Running"] == false);
  CHECK(killed.Json()["ExitCode"] == 137);
  HttpResult kept = ExecInspect(f, done);
  CHECK(kept.status == 200);
  CHECK(kept.Json()["ExitCode"] == 0);
  CHECK(kept.Json()["CanRemove"] == false);
  CHECK(f.Inspect("host")["ExecIDs"].is_null());

  // Started again: the old exited exec is still known, new ones work.
  HttpResult restarted = f.Post("/v1.41/containers/host/start");
  INFO(restarted.body);
  REQUIRE(restarted.status == 204);
  CHECK(ExecInspect(f, done).status == 200);
  std::string fresh = NewExec(f, "host", {"true"});
  CHECK(ExecInspect(f, fresh).status == 200);

  // Removing the container forgets every exec it had.
  REQUIRE(f.Request("DELETE", "/v1.41/containers/host?force=1").status == 204);
  for (const std::string& id : {done, running, fresh}) CHECK(ExecInspect(f, id).status == 404);
}

TEST_CASE("docker CLI: ExecIDs and exec once the container stopped", "[berthd][exec][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  REQUIRE(f.Docker({"run", "-d", "--name", "box", "busybox", "sleep", "300"}).status.code == 0);
  std::string exec = NewExec(f, "box", {"sleep", "100"});
  SpawnResult before = f.Docker({"container", "inspect", "--format", "{{json .ExecIDs}}", "box"});
  CHECK(before.out == "[\"" + exec + "\"]\n");
  REQUIRE(f.Docker({"stop", "-t", "1", "box"}).status.code == 0);
  SpawnResult after = f.Docker({"container", "inspect", "--format", "{{json .ExecIDs}}", "box"});
  CHECK(after.out == "null\n");
  SpawnResult start = f.Docker({"exec", "box", "true"});
  CHECK(start.status.code == 1);
  CHECK(start.err == "Error response from daemon: Container " +
                         f.Inspect("box")["Id"].get<std::string>() + " is not running\n");
}

TEST_CASE("exec reports exec_create, exec_start and exec_die events as dockerd does",
          "[berthd][exec]") {
  BerthdFixture f;
  std::string id = f.Run(Busybox({"sleep", "300"}), "execed");
  std::string since = std::to_string(std::time(nullptr) - 1);
  // Attached (its exit seen by the start's wait and by the event loop:
  // reported once), then detached with arguments and a code of its own.
  HttpResult created =
      f.Post("/v1.41/containers/execed/exec", {{"Cmd", {"true"}}, {"AttachStdout", true}});
  REQUIRE(created.status == 201);
  std::string attached = created.Json()["Id"];
  HttpResult ran = f.Request("POST", "/v1.41/exec/" + attached + "/start", "{}", kUpgrade);
  REQUIRE(ran.status == 101);
  created = f.Post("/v1.41/containers/execed/exec", {{"Cmd", {"sh", "-c", "exit 3"}}});
  REQUIRE(created.status == 201);
  std::string detached = created.Json()["Id"];
  REQUIRE(f.Post("/v1.41/exec/" + detached + "/start", {{"Detach", true}}).status == 200);
  nlohmann::json inspected;
  for (int i = 0; i < 200; ++i) {
    inspected = f.Get("/v1.41/exec/" + detached + "/json").Json();
    if (inspected.value("Running", true) == false) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(inspected["ExitCode"] == 3);

  std::string until = std::to_string(std::time(nullptr) + 1);
  HttpResult events = f.Get("/v1.41/events?since=" + since + "&until=" + until +
                            "&filters=%7B%22container%22%3A%5B%22execed%22%5D%7D");
  REQUIRE(events.status == 200);
  std::vector<std::string> seen;
  std::istringstream lines(events.body);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    if (!e.is_object()) continue;
    std::string action = e.value("Action", "");
    if (action.rfind("exec_", 0) != 0) continue;
    CHECK(e["Actor"]["ID"] == id);
    CHECK(e["Actor"]["Attributes"]["name"] == "execed");
    const nlohmann::json& attrs = e["Actor"]["Attributes"];
    std::string exec_id = attrs.value("execID", "");
    std::string which = exec_id == attached ? "attached" : exec_id == detached ? "detached" : "?";
    std::string code = attrs.contains("exitCode") ? " " + attrs["exitCode"].get<std::string>() : "";
    seen.push_back(which + " " + action + code);
  }
  CHECK(seen ==
        std::vector<std::string>{"attached exec_create: true ", "attached exec_start: true ",
                                 "attached exec_die 0", "detached exec_create: sh -c exit 3",
                                 "detached exec_start: sh -c exit 3", "detached exec_die 3"});
}

}  // namespace
}  // namespace berth::testing
