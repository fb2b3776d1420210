// docker commit's image config: the request's or the container's Config,
// --change applied, gaps filled from the container (moby's merge).
#include "engined/images/commit_config.h"

#include <catch2/catch.hpp>

namespace berth::engined::images {
namespace {

using nlohmann::json;

json Container() {
  return {{"Hostname", "abc"},
          {"Image", "busybox"},
          {"Env", {"PATH=/bin", "A=1"}},
          {"Cmd", {"sh", "-c", "echo hi"}},
          {"WorkingDir", "/work"},
          {"Labels", {{"from", "container"}}},
          {"ExposedPorts", {{"80/tcp", json::object()}}},
          {"Tty", false}};
}

TEST_CASE("commit config: the container's, reduced to image config fields",
          "[unit][engined][commit]") {
  absl::StatusOr<json> c = CommitImageConfig(Container(), nullptr, {});
  REQUIRE(c.ok());
  CHECK((*c)["Cmd"] == json({"sh", "-c", "echo hi"}));
  CHECK((*c)["Env"] == json({"PATH=/bin", "A=1"}));
  CHECK((*c)["WorkingDir"] == "/work");
  CHECK((*c)["Labels"]["from"] == "container");
  CHECK_FALSE(c->contains("Hostname"));
  CHECK_FALSE(c->contains("Image"));
  CHECK_FALSE(c->contains("Tty"));
  CHECK(CommitCreatedBy(Container()) == "sh -c echo hi");
}

TEST_CASE("commit config: changes, and a requested config merged with the container's",
          "[unit][engined][commit]") {
  absl::StatusOr<json> changed =
      CommitImageConfig(Container(), json::object(), {"CMD [\"cat\", \"/f\"]", "ENV B=2"});
  REQUIRE(changed.ok());
  CHECK((*changed)["Cmd"] == json({"cat", "/f"}));
  CHECK((*changed)["Env"] == json({"PATH=/bin", "A=1", "B=2"}));

  json requested = {{"Env", {"A=override"}},
                    {"Labels", {{"mine", "yes"}}},
                    {"ExposedPorts", {{"443/tcp", json::object()}}}};
  absl::StatusOr<json> merged = CommitImageConfig(Container(), requested, {});
  REQUIRE(merged.ok());
  CHECK((*merged)["Env"] == json({"A=override", "PATH=/bin"}));
  CHECK((*merged)["Labels"] == json({{"mine", "yes"}, {"from", "container"}}));
  CHECK((*merged)["ExposedPorts"].size() == 2);
  // No Cmd or Entrypoint asked for: the container's.
  CHECK((*merged)["Cmd"] == json({"sh", "-c", "echo hi"}));
  CHECK((*merged)["WorkingDir"] == "/work");

  absl::StatusOr<json> entry = CommitImageConfig(Container(), {{"Entrypoint", {"/bin/top"}}}, {});
  REQUIRE(entry.ok());
  CHECK((*entry)["Entrypoint"] == json({"/bin/top"}));
  CHECK_FALSE(entry->contains("Cmd"));

  CHECK(CommitImageConfig(Container(), nullptr, {"FROB x"}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(CommitImageConfig(Container(), json::array(), {}).ok());
}

}  // namespace
}  // namespace berth::engined::images
