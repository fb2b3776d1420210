// berth-containerd driven only through server reflection, as grpcurl would:
// every call below goes through ReflectionClient, which knows none of the
// daemon's generated code and learns the services from the daemon itself.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "tests/integration/containerd/daemon_fixture.h"
#include "tests/testutil/reflection_client.h"

namespace berth::testing {
namespace {

using nlohmann::json;

TEST_CASE("a client that knows no generated code runs a task through reflection",
          "[containerd][reflection]") {
  DaemonFixture f;
  ReflectionClient client(f.NewChannel());
  absl::StatusOr<std::vector<std::string>> services = client.ListServices();
  REQUIRE(services.ok());
  for (const char* name : {"berth.containerd.v1.Version", "berth.containerd.v1.Namespaces",
                           "berth.containerd.v1.Containers", "berth.containerd.v1.Tasks",
                           "berth.containerd.v1.Events"}) {
    INFO(name);
    CHECK(std::find(services->begin(), services->end(), name) != services->end());
  }

  auto call = [&](const std::string& method, const json& request) {
    ReflectionCallOptions options;
    options.metadata = {{"berth-namespace", "refl"}};
    options.timeout = std::chrono::seconds(60);
    absl::StatusOr<std::string> out = client.CallUnary(method, request.dump(), options);
    INFO(method << ": " << out.status().ToString());
    REQUIRE(out.ok());
    return json::parse(*out);
  };
  f.UseNamespace("refl");

  json version = call("berth.containerd.v1.Version/Version", json::object());
  CHECK_FALSE(version["version"].get<std::string>().empty());
  call("berth.containerd.v1.Namespaces/Create", {{"namespace", {{"name", "refl"}}}});

  // bytes fields travel as base64 in JSON.
  json container = {{"id", "viaref"},
                    {"image", "busybox:test"},
                    {"runtime", {{"name", "io.containerd.runc.v2"}}},
                    {"spec", absl::Base64Escape(f.Spec("viaref", {"sh", "-c", "exit 6"}))}};
  call("berth.containerd.v1.Containers/Create", {{"container", container}});
  ctrpb::CreateTaskRequest typed = f.TaskRequest("viaref");
  json mount = {{"type", typed.rootfs(0).type()},
                {"source", typed.rootfs(0).source()},
                {"options", json::array({"rbind", "ro"})}};
  json created = call("berth.containerd.v1.Tasks/Create",
                      {{"container_id", "viaref"}, {"rootfs", json::array({mount})}});
  CHECK(created["pid"].get<uint32_t>() > 0);
  call("berth.containerd.v1.Tasks/Start", {{"container_id", "viaref"}});
  json waited = call("berth.containerd.v1.Tasks/Wait", {{"container_id", "viaref"}});
  CHECK(waited["exit_status"].get<uint32_t>() == 6);
  json deleted = call("berth.containerd.v1.Tasks/Delete", {{"container_id", "viaref"}});
  CHECK(deleted["exit_status"].get<uint32_t>() == 6);
  call("berth.containerd.v1.Containers/Delete", {{"id", "viaref"}});

  // Errors come back with the daemon's code and words.
  ReflectionCallOptions options;
  options.metadata = {{"berth-namespace", "refl"}};
  absl::StatusOr<std::string> missing =
      client.CallUnary("berth.containerd.v1.Tasks/Get", R"({"container_id":"viaref"})", options);
  CHECK(absl::IsNotFound(missing.status()));
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("viaref"));
  call("berth.containerd.v1.Namespaces/Delete", {{"name", "refl"}});
}

}  // namespace
}  // namespace berth::testing
