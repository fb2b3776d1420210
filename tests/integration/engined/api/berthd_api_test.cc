// berthd over its socket with raw HTTP: the exact status codes, headers and
// stream formats the docker clients rely on.
#include <catch2/catch.hpp>
#include <thread>

#include "tests/integration/engined/api/berthd_fixture.h"

namespace berth::testing {
namespace {

nlohmann::json Busybox(std::vector<std::string> cmd) {
  return {{"Image", "busybox"}, {"Cmd", cmd}};
}

TEST_CASE("berthd: ping, version and info speak docker's API", "[berthd]") {
  BerthdFixture f;
  HttpResult ping = f.Request("HEAD", "/_ping");
  CHECK(ping.status == 200);
  CHECK(ping.headers["api-version"] == "1.43");
  CHECK(ping.headers["ostype"] == "linux");
  HttpResult version = f.Get("/v1.41/version");
  REQUIRE(version.status == 200);
  CHECK(version.Json()["ApiVersion"] == "1.43");
  CHECK(version.Json()["MinAPIVersion"] == "1.24");
  HttpResult old = f.Get("/v1.12/version");
  CHECK(old.status == 400);
  CHECK(old.Json()["message"].get<std::string>().find("too old") != std::string::npos);
  HttpResult info = f.Get("/info");
  REQUIRE(info.status == 200);
  CHECK(info.Json()["Images"] == 1);
  CHECK(info.Json()["LiveRestoreEnabled"] == true);
  CHECK(f.Get("/v1.41/no/such/path").status == 404);
}

TEST_CASE("berthd: a container's life with its exit code, log streams and inspect", "[berthd]") {
  BerthdFixture f;
  HttpResult created = f.Post("/v1.41/containers/create?name=life",
                              Busybox({"sh", "-c", "echo to-out; echo to-err >&2; exit 3"}));
  REQUIRE(created.status == 201);
  std::string id = created.Json()["Id"];
  REQUIRE(id.size() == 64);
  // docker's default bridge is loopback-only here, and the response says so.
  CHECK(created.Json()["Warnings"].size() == 1);
  CHECK(f.Inspect("life")["State"]["Status"] == "created");
  REQUIRE(f.Post("/v1.41/containers/life/start").status == 204);
  HttpResult waited = f.Post("/v1.41/containers/life/wait");
  REQUIRE(waited.status == 200);
  CHECK(waited.Json()["StatusCode"] == 3);
  nlohmann::json inspect = f.Inspect(id.substr(0, 12));
  CHECK(inspect["Name"] == "/life");
  CHECK(inspect["State"]["Status"] == "exited");
  CHECK(inspect["State"]["ExitCode"] == 3);
  CHECK(inspect["Path"] == "sh");
  CHECK(inspect["Config"]["Hostname"] == id.substr(0, 12));

  HttpResult logs = f.Get("/v1.41/containers/life/logs?stdout=1&stderr=1");
  REQUIRE(logs.status == 200);
  // Frames either way; moby names them only from API 1.42 on.
  CHECK(logs.headers["content-type"] == "application/vnd.docker.raw-stream");
  CHECK(f.Get("/v1.42/containers/life/logs?stdout=1").headers["content-type"] ==
        "application/vnd.docker.multiplexed-stream");
  std::string out, err;
  BerthdFixture::Demux(logs.body, &out, &err);
  CHECK(out == "to-out\n");
  CHECK(err == "to-err\n");
  HttpResult only_err = f.Get("/v1.41/containers/life/logs?stderr=1&timestamps=1");
  out.clear();
  err.clear();
  BerthdFixture::Demux(only_err.body, &out, &err);
  CHECK(out.empty());
  CHECK(err.size() > std::string("to-err\n").size());
  CHECK(err.substr(err.size() - 7) == "to-err\n");

  // A second start of a stopped container runs it again.
  REQUIRE(f.Post("/v1.41/containers/life/start").status == 204);
  CHECK(f.Post("/v1.41/containers/life/wait").Json()["StatusCode"] == 3);

  HttpResult list =
      f.Get("/v1.41/containers/json?all=1&filters=%7B%22name%22%3A%5B%22life%22%5D%7D");
  REQUIRE(list.status == 200);
  REQUIRE(list.Json().size() == 1);
  CHECK(list.Json()[0]["Names"][0] == "/life");
  CHECK(list.Json()[0]["Status"].get<std::string>().rfind("Exited (3)", 0) == 0);
  CHECK(f.Get("/v1.41/containers/json").Json().empty());  // none running

  CHECK(f.Request("DELETE", "/v1.41/containers/life").status == 204);
  CHECK(f.Get("/v1.41/containers/life/json").status == 404);
}

TEST_CASE("berthd: bad input gets docker's status codes and names the problem", "[berthd]") {
  BerthdFixture f;
  HttpResult missing = f.Get("/v1.41/containers/nothere/json");
  CHECK(missing.status == 404);
  CHECK(missing.Json()["message"] == "No such container: nothere");
  HttpResult malformed = f.Request("POST", "/v1.41/containers/create", "{not json");
  CHECK(malformed.status == 400);
  nlohmann::json missing_image = Busybox({"true"});
  missing_image["Image"] = "nosuch:1";
  HttpResult no_image = f.Post("/v1.41/containers/create", missing_image);
  CHECK(no_image.status == 404);
  CHECK(no_image.Json()["message"].get<std::string>().find("No such image") != std::string::npos);
  HttpResult bad_name = f.Post("/v1.41/containers/create?name=-bad", Busybox({"true"}));
  CHECK(bad_name.status == 400);
  REQUIRE(f.Post("/v1.41/containers/create?name=taken", Busybox({"true"})).status == 201);
  HttpResult conflict = f.Post("/v1.41/containers/create?name=taken", Busybox({"true"}));
  CHECK(conflict.status == 409);
  CHECK(conflict.Json()["message"].get<std::string>().find("already in use") != std::string::npos);
  nlohmann::json low_memory = Busybox({"true"});
  low_memory["HostConfig"] = {{"Memory", 1024}};
  HttpResult memory = f.Post("/v1.41/containers/create", low_memory);
  CHECK(memory.status == 400);
  CHECK(memory.Json()["message"].get<std::string>().find("Minimum memory limit") !=
        std::string::npos);
  // Nothing half-created: only "taken" exists.
  CHECK(f.Get("/v1.41/containers/json?all=1").Json().size() == 1);
  HttpResult kill = f.Post("/v1.41/containers/taken/kill");
  CHECK(kill.status == 409);
  CHECK(f.Post("/v1.41/containers/taken/stop").status == 304);
  HttpResult wait = f.Post("/v1.41/containers/taken/wait?condition=bogus");
  CHECK(wait.status == 400);
}

TEST_CASE("berthd: stop, kill, pause and a running container's rm", "[berthd]") {
  BerthdFixture f;
  nlohmann::json sleeper = Busybox({"sleep", "300"});
  // As pid 1 sleep would ignore SIGTERM; docker's --init forwards it.
  nlohmann::json with_init = sleeper;
  with_init["HostConfig"] = {{"Init", true}};
  std::string id = f.Run(with_init, "sleeper");
  // berth-init forks sleep after start returns: give it a moment.
  size_t processes = 0;
  for (int i = 0; i < 100 && processes != 2; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    processes = f.Get("/v1.41/containers/sleeper/top").Json()["Processes"].size();
  }
  CHECK(processes == 2);
  CHECK(f.Post("/v1.41/containers/sleeper/start").status == 304);
  HttpResult rm = f.Request("DELETE", "/v1.41/containers/sleeper");
  CHECK(rm.status == 409);
  REQUIRE(f.Post("/v1.41/containers/sleeper/pause").status == 204);
  CHECK(f.Inspect("sleeper")["State"]["Paused"] == true);
  REQUIRE(f.Post("/v1.41/containers/sleeper/unpause").status == 204);
  // berth-init passes SIGTERM on: it ends well before the timeout.
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(f.Post("/v1.41/containers/sleeper/stop?t=20").status == 204);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  CHECK(f.Inspect("sleeper")["State"]["ExitCode"] == 143);
  f.Run(sleeper, "killed");
  REQUIRE(f.Post("/v1.41/containers/killed/kill?signal=KILL").status == 204);
  REQUIRE(f.WaitStatus("killed", "exited"));
  CHECK(f.Inspect("killed")["State"]["ExitCode"] == 137);
  f.Run(sleeper, "forced");
  CHECK(f.Request("DELETE", "/v1.41/containers/forced?force=1").status == 204);
  CHECK(f.Get("/v1.41/containers/forced/json").status == 404);
}

TEST_CASE("berthd: restart policies and --rm", "[berthd]") {
  BerthdFixture f;
  nlohmann::json failing = Busybox({"sh", "-c", "exit 5"});
  failing["HostConfig"] = {{"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 2}}}};
  f.Run(failing, "flaky");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  nlohmann::json inspect;
  while (std::chrono::steady_clock::now() < deadline) {
    inspect = f.Inspect("flaky");
    if (inspect["RestartCount"] == 2 && inspect["State"]["Status"] == "exited") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(inspect["RestartCount"] == 2);
  CHECK(inspect["State"]["Status"] == "exited");
  CHECK(inspect["State"]["ExitCode"] == 5);

  nlohmann::json auto_remove = Busybox({"true"});
  auto_remove["HostConfig"] = {{"AutoRemove", true}};
  HttpResult created = f.Post("/v1.41/containers/create?name=gone", auto_remove);
  REQUIRE(created.status == 201);
  std::thread waiter([&] {
    HttpResult w = f.Post("/v1.41/containers/gone/wait?condition=removed");
    CHECK(w.status == 200);
    CHECK(w.Json()["StatusCode"] == 0);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(f.Post("/v1.41/containers/gone/start").status == 204);
  waiter.join();
  CHECK(f.Get("/v1.41/containers/gone/json").status == 404);
}

TEST_CASE("berthd: exec with a hijacked, multiplexed stream and its exit code", "[berthd]") {
  BerthdFixture f;
  f.Run(Busybox({"sleep", "300"}), "host");
  HttpResult exec = f.Post("/v1.41/containers/host/exec",
                           {{"Cmd", {"sh", "-c", "echo from-exec; echo e >&2; exit 4"}},
                            {"AttachStdout", true},
                            {"AttachStderr", true}});
  REQUIRE(exec.status == 201);
  std::string exec_id = exec.Json()["Id"];
  HttpResult started = f.Request("POST", "/v1.41/exec/" + exec_id + "/start", R"({"Detach":false})",
                                 {{"Upgrade", "tcp"}, {"Connection", "Upgrade"}});
  CHECK(started.status == 101);
  std::string out, err;
  BerthdFixture::Demux(started.body, &out, &err);
  CHECK(out == "from-exec\n");
  CHECK(err == "e\n");
  nlohmann::json info;
  for (int i = 0; i < 100; ++i) {
    info = f.Get("/v1.41/exec/" + exec_id + "/json").Json();
    if (info["Running"] == false && info["ExitCode"].is_number()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(info["ExitCode"] == 4);
  CHECK(f.Post("/v1.41/containers/nothere/exec", {{"Cmd", {"true"}}}).status == 404);
}

}  // namespace
}  // namespace berth::testing
