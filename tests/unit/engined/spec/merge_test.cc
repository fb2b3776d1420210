#include "engined/spec/merge.h"

#include <catch2/catch.hpp>

#include "tests/testutil/status_testing.h"

namespace berth::engined::spec {
namespace {

using berth::testing::ValueOrFail;
using nlohmann::json;

json Image() {
  return json::parse(R"({
    "User": "app", "WorkingDir": "/srv", "StopSignal": "SIGQUIT",
    "Env": ["PATH=/image/bin", "A=image", "B=image"],
    "Entrypoint": ["/entry"], "Cmd": ["serve", "--port", "80"],
    "ExposedPorts": {"80/tcp": {}}, "Volumes": {"/data": {}},
    "Labels": {"a": "image", "b": "image"},
    "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30000000000, "Retries": 3}
  })");
}

TEST_CASE("merge: empty container config takes everything from the image", "[merge]") {
  json out = ValueOrFail(MergeImageConfig(json::object(), Image()));
  CHECK(out["User"] == "app");
  CHECK(out["WorkingDir"] == "/srv");
  CHECK(out["StopSignal"] == "SIGQUIT");
  CHECK(out["Entrypoint"] == json({"/entry"}));
  CHECK(out["Cmd"] == json({"serve", "--port", "80"}));
  CHECK(out["Env"] == json({"PATH=/image/bin", "A=image", "B=image"}));
  CHECK(out["ExposedPorts"].contains("80/tcp"));
  CHECK(out["Healthcheck"]["Retries"] == 3);
}

TEST_CASE("merge: env merged by key, container wins", "[merge]") {
  json c = {{"Env", {"A=mine", "C=mine"}}};
  json out = ValueOrFail(MergeImageConfig(c, Image()));
  CHECK(out["Env"] == json({"A=mine", "C=mine", "PATH=/image/bin", "B=image"}));
}

TEST_CASE("merge: container Cmd keeps image Entrypoint", "[merge]") {
  json out = ValueOrFail(MergeImageConfig({{"Cmd", {"other"}}}, Image()));
  CHECK(out["Entrypoint"] == json({"/entry"}));
  CHECK(out["Cmd"] == json({"other"}));
}

TEST_CASE("merge: container Entrypoint drops image Cmd", "[merge]") {
  json out = ValueOrFail(MergeImageConfig({{"Entrypoint", {"/bin/sh"}}}, Image()));
  CHECK(out["Entrypoint"] == json({"/bin/sh"}));
  CHECK(!out.contains("Cmd"));
}

TEST_CASE("merge: empty-string Entrypoint clears it", "[merge]") {
  json out = ValueOrFail(MergeImageConfig({{"Entrypoint", {""}}, {"Cmd", {"ls"}}}, Image()));
  CHECK(out["Entrypoint"].is_null());
  CHECK(out["Cmd"] == json({"ls"}));
}

TEST_CASE("merge: ports, volumes and labels are unions, user and workdir kept", "[merge]") {
  json c = {{"User", "1000"},
            {"WorkingDir", "/w"},
            {"ExposedPorts", {{"443/tcp", json::object()}}},
            {"Volumes", {{"/cache", json::object()}}},
            {"Labels", {{"a", "mine"}}}};
  json out = ValueOrFail(MergeImageConfig(c, Image()));
  CHECK(out["User"] == "1000");
  CHECK(out["WorkingDir"] == "/w");
  CHECK(out["ExposedPorts"].size() == 2);
  CHECK(out["Volumes"].size() == 2);
  CHECK(out["Labels"]["a"] == "mine");
  CHECK(out["Labels"]["b"] == "image");
}

TEST_CASE("merge: healthcheck fields fill unset ones", "[merge]") {
  json c = {{"Healthcheck", {{"Test", {"CMD", "check"}}}}};
  json out = ValueOrFail(MergeImageConfig(c, Image()));
  CHECK(out["Healthcheck"]["Test"] == json({"CMD", "check"}));
  CHECK(out["Healthcheck"]["Interval"] == 30000000000LL);
  CHECK(out["Healthcheck"]["Retries"] == 3);
}

TEST_CASE("merge: wrong types are errors naming the field", "[merge]") {
  absl::StatusOr<json> out = MergeImageConfig({{"Env", 3}}, Image());
  REQUIRE(!out.ok());
  CHECK(out.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(out.status().message()).find("Config.Env") != std::string::npos);
}

}  // namespace
}  // namespace berth::engined::spec
