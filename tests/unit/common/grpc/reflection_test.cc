// Drives a gRPC server only through server reflection, as grpcurl would: the
// server (berth-reflection-test-server, a separate process because it links
// gRPC's reflection service) serves the real berth.containerd.v1 protos; this
// program links none of them, only ReflectionClient and its own copy of
// reflection.proto.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/grpc/unix_socket.h"
#include "common/spawn.h"
#include "common/strings.h"
#include "tests/testutil/reflection_client.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// The helper server on a socket in a temp dir, killed and reaped on scope exit.
class TestServer {
 public:
  TestServer() {
    SpawnOptions options;
    options.argv = {BERTH_REFLECTION_TEST_SERVER, dir_.Sub("grpc.sock")};
    options.inherit_stdio = true;  // its errors go to the test log
    pid_ = ValueOrFail(Spawn(options));
    // Dial once the socket is there: a first attempt that fails would wait
    // out gRPC's 1 s reconnect backoff.
    auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(10);
    while (access(dir_.Sub("grpc.sock").c_str(), F_OK) != 0 &&
           std::chrono::system_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    channel_ = grpcutil::DialUnix(dir_.Sub("grpc.sock"));
    INFO("berth-reflection-test-server did not start listening");
    REQUIRE(channel_->WaitForConnected(deadline));
  }

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  TempDir dir_{"berth-reflection"};
  ScopedPid pid_;
  std::shared_ptr<grpc::Channel> channel_;
};

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool MessageHas(const absl::Status& status, const std::string& text) {
  return ToStd(status.message()).find(text) != std::string_view::npos;
}

TEST_CASE("reflection lists the served services", "[reflection]") {
  TestServer server;
  ReflectionClient client(server.channel());
  std::vector<std::string> services = ValueOrFail(client.ListServices());
  CAPTURE(services);
  CHECK(Contains(services, "berth.containerd.v1.Version"));
  CHECK(Contains(services, "berth.containerd.v1.Events"));
  CHECK(Contains(services, "grpc.reflection.v1alpha.ServerReflection"));
}

TEST_CASE("a unary call through reflection takes and returns JSON", "[reflection]") {
  TestServer server;
  ReflectionClient client(server.channel());
  for (const char* method :
       {"berth.containerd.v1.Version/Version", "berth.containerd.v1.Version.Version"}) {
    CAPTURE(method);
    std::string out = ValueOrFail(client.CallUnary(method, "{}"));
    json answer = json::parse(out);
    CHECK(answer == json{{"version", "0.1.0-reflection-test"}, {"revision", "test"}});
  }
  // The descriptors came from the server, imports included.
  CHECK(client.pool().FindMessageTypeByName("berth.containerd.v1.VersionResponse") != nullptr);
  CHECK(client.pool().FindMessageTypeByName("google.protobuf.Empty") != nullptr);
}

TEST_CASE("an unknown service or method is NotFound and names it", "[reflection]") {
  TestServer server;
  ReflectionClient client(server.channel());

  absl::StatusOr<std::string> out = client.CallUnary("berth.containerd.v1.Nope/Version", "{}");
  REQUIRE_FALSE(out.ok());
  INFO(ToStd(out.status().message()));
  CHECK(absl::IsNotFound(out.status()));
  CHECK(MessageHas(out.status(), "no service berth.containerd.v1.Nope"));

  out = client.CallUnary("berth.containerd.v1.Version/Nope", "{}");
  REQUIRE_FALSE(out.ok());
  INFO(ToStd(out.status().message()));
  CHECK(absl::IsNotFound(out.status()));
  CHECK(MessageHas(out.status(), "service berth.containerd.v1.Version has no method Nope"));

  out = client.CallUnary("Version", "{}");
  REQUIRE_FALSE(out.ok());
  CHECK(absl::IsInvalidArgument(out.status()));
}

TEST_CASE("a request that is not valid JSON for its type is InvalidArgument", "[reflection]") {
  TestServer server;
  ReflectionClient client(server.channel());
  for (const char* request : {"{not json", R"({"no_such_field": 1})", "[]"}) {
    CAPTURE(request);
    absl::StatusOr<std::string> out =
        client.CallUnary("berth.containerd.v1.Version/Version", request);
    REQUIRE_FALSE(out.ok());
    INFO(ToStd(out.status().message()));
    CHECK(absl::IsInvalidArgument(out.status()));
    CHECK(MessageHas(out.status(), "google.protobuf.Empty as JSON"));
  }
}

TEST_CASE("a server-streaming call reads messages as JSON with metadata sent", "[reflection]") {
  TestServer server;
  ReflectionClient client(server.channel());
  ReflectionCallOptions options{.metadata = {{"berth-namespace", "ns1"}}};
  std::vector<std::string> out = ValueOrFail(
      client.CallServerStreaming("berth.containerd.v1.Events/Subscribe",
                                 R"({"filters": ["topic==\"/tasks/exit\""]})", 2, options));
  REQUIRE(out.size() == 2);
  json first = json::parse(out[0]);
  CHECK(first["namespace"] == "ns1");
  CHECK(first["topic"] == "/tasks/exit");
  CHECK(first["timestamp"] == "2023-11-14T22:13:21Z");
  // An Any, resolved in the descriptors fetched from the server.
  CHECK(first["event"]["@type"] == "type.googleapis.com/berth.containerd.v1.TaskExit");
  CHECK(first["event"]["container_id"] == "c1");
  CHECK(first["event"]["pid"] == 101);
  CHECK(json::parse(out[1])["event"]["container_id"] == "c2");
}

TEST_CASE("a stream that stays short of the count ends at the deadline", "[reflection]") {
  TestServer server;
  ReflectionClient client(server.channel());
  ReflectionCallOptions options{.metadata = {{"berth-namespace", "ns1"}},
                                .timeout = milliseconds(1000)};
  absl::StatusOr<std::vector<std::string>> out =
      client.CallServerStreaming("berth.containerd.v1.Events/Subscribe", "{}", 5, options);
  REQUIRE_FALSE(out.ok());
  INFO(ToStd(out.status().message()));
  CHECK(absl::IsDeadlineExceeded(out.status()));
}

TEST_CASE("the server's error comes back with its code and message", "[reflection]") {
  TestServer server;
  ReflectionClient client(server.channel());
  absl::StatusOr<std::vector<std::string>> out =
      client.CallServerStreaming("berth.containerd.v1.Events/Subscribe", "{}", 1);
  REQUIRE_FALSE(out.ok());
  INFO(ToStd(out.status().message()));
  CHECK(absl::IsInvalidArgument(out.status()));
  CHECK(MessageHas(out.status(),
                   "call berth.containerd.v1.Events/Subscribe: subscribe: berth-namespace "
                   "metadata is required"));

  absl::StatusOr<std::string> published =
      client.CallUnary("berth.containerd.v1.Events/Publish", R"({"topic": "/x"})");
  REQUIRE_FALSE(published.ok());
  CHECK(absl::IsUnimplemented(published.status()));

  // Streaming and unary methods are not mixed up.
  published = client.CallUnary("berth.containerd.v1.Events/Subscribe", "{}");
  REQUIRE_FALSE(published.ok());
  CHECK(absl::IsInvalidArgument(published.status()));
}

}  // namespace
}  // namespace berth::testing
