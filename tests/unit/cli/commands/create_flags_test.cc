#include "cli/commands/create_flags.h"

#include <catch2/catch.hpp>

namespace berth::cli {
namespace {

using nlohmann::json;

// Parses `args` as `berth create` flags and returns the request body.
absl::StatusOr<json> Body(std::vector<std::string> args, bool detached = false) {
  CLI::App app;
  app.set_help_flag("--help");
  CreateFlags flags;
  AddCreateFlags(app, flags);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return CreateRequestBody(flags, "busybox", {"sh"}, detached);
}

TEST_CASE("create flags become docker's config and host config", "[cli][create]") {
  absl::StatusOr<json> b = Body({"-e",        "A=1",
                                 "-l",        "tier=front",
                                 "-h",        "boat",
                                 "-u",        "65534",
                                 "-w",        "/tmp",
                                 "-m",        "64m",
                                 "--cpus",    "1.5",
                                 "--restart", "on-failure:3",
                                 "-p",        "127.0.0.1:8080:80",
                                 "--ulimit",  "nofile=1024:2048",
                                 "-v",        "/data",
                                 "-v",        "/host:/in:ro",
                                 "--tmpfs",   "/run:size=1m",
                                 "--cap-add", "NET_ADMIN",
                                 "--init",    "--entrypoint",
                                 ""});
  REQUIRE(b.ok());
  const json& host = (*b)["HostConfig"];
  CHECK((*b)["Image"] == "busybox");
  CHECK((*b)["Cmd"] == json::array({"sh"}));
  CHECK((*b)["Env"] == json::array({"A=1"}));
  CHECK((*b)["Labels"] == json{{"tier", "front"}});
  CHECK((*b)["Hostname"] == "boat");
  CHECK((*b)["Entrypoint"] == json::array({""}));
  CHECK((*b)["Volumes"] == json{{"/data", json::object()}});
  CHECK((*b)["ExposedPorts"] == json{{"80/tcp", json::object()}});
  CHECK((*b)["AttachStdout"] == true);
  CHECK((*b)["AttachStdin"] == false);
  CHECK(host["Memory"] == 64 * 1024 * 1024);
  CHECK(host["NanoCpus"] == 1500000000);
  CHECK(host["RestartPolicy"] == json{{"Name", "on-failure"}, {"MaximumRetryCount", 3}});
  CHECK(host["PortBindings"]["80/tcp"][0] == json{{"HostIp", "127.0.0.1"}, {"HostPort", "8080"}});
  CHECK(host["Ulimits"][0] == json{{"Name", "nofile"}, {"Soft", 1024}, {"Hard", 2048}});
  CHECK(host["Binds"] == json::array({"/host:/in:ro"}));
  CHECK(host["Tmpfs"] == json{{"/run", "size=1m"}});
  CHECK(host["CapAdd"] == json::array({"NET_ADMIN"}));
  CHECK(host["Init"] == true);
}

TEST_CASE("run -d attaches nothing, -i attaches stdin once", "[cli][create]") {
  absl::StatusOr<json> detached = Body({"-i", "-t"}, /*detached=*/true);
  REQUIRE(detached.ok());
  CHECK((*detached)["AttachStdin"] == false);
  CHECK((*detached)["AttachStdout"] == false);
  CHECK((*detached)["OpenStdin"] == true);
  absl::StatusOr<json> interactive = Body({"-i"});
  REQUIRE(interactive.ok());
  CHECK((*interactive)["AttachStdin"] == true);
  CHECK((*interactive)["StdinOnce"] == true);
  CHECK_FALSE(Body({"-a", "stdout"}, /*detached=*/true).ok());  // -a with -d
}

TEST_CASE("bad create flags name the problem", "[cli][create]") {
  auto message = [](std::vector<std::string> args) {
    absl::StatusOr<json> b = Body(std::move(args));
    REQUIRE_FALSE(b.ok());
    return std::string(b.status().message());
  };
  CHECK_THAT(message({"-m", "lots"}), Catch::Contains("lots"));
  CHECK_THAT(message({"--cpus", "two"}), Catch::Contains("two"));
  CHECK_THAT(message({"--restart", "sometimes"}), Catch::Contains("sometimes"));
  CHECK_THAT(message({"--restart", "always:3"}), Catch::Contains("on-failure"));
  CHECK_THAT(message({"--rm", "--restart", "always"}),
             Catch::Contains("Conflicting options: --restart and --rm"));
  CHECK_THAT(message({"-p", "80/icmp"}), Catch::Contains("80/icmp"));
  CHECK_THAT(message({"--ulimit", "nofile=9:1"}), Catch::Contains("soft limit"));
  CHECK_THAT(message({"--mount", "type=bind,source=/a"}), Catch::Contains("no target"));
  CHECK_THAT(message({"-a", "stdweird"}), Catch::Contains("stdweird"));
  CHECK_THAT(message({"--oom-score-adj", "5000"}), Catch::Contains("5000"));
  CHECK_THAT(message({"--env-file", "/no/such/file"}), Catch::Contains("/no/such/file"));
}

}  // namespace
}  // namespace berth::cli
