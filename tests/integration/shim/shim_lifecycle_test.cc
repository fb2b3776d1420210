// berth-shim as its own process, driven over gRPC: lifecycle, exit
// statuses, the log, and the errors of bad calls.
#include <signal.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/shim/shim_client.h"
#include "tests/integration/shim/shim_fixture.h"

namespace berth::testing {
namespace {

TEST_CASE("shim runs a container to its exit, logs it and reports the status", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sh", "-c", "echo hello; echo oops >&2; exit 3"});
  f.Start();
  grpc::Status created = f.Create();
  INFO(created.error_message());
  REQUIRE(created.ok());
  CHECK(f.State().status() == shimpb::STATUS_CREATED);
  uint32_t pid = 0;
  REQUIRE(f.StartTask("", &pid).ok());
  CHECK(pid > 0);
  CHECK(f.WaitExit() == 3);
  shimpb::StateResponse state = f.State();
  CHECK(state.status() == shimpb::STATUS_STOPPED);
  CHECK(state.exit_status() == 3);
  // The exit record is in the bundle before Wait answered.
  CHECK(PathExists(f.bundle() + "/exit.json"));

  std::vector<std::string> lines = SplitToStrings(*ReadFile(f.Path("ctr.log")), '\n', true);
  REQUIRE(lines.size() == 2);
  // stdout and stderr are separate pipes: either may be read first.
  std::string out = lines[0].find("stdout") != std::string::npos ? lines[0] : lines[1];
  std::string err = lines[0].find("stdout") != std::string::npos ? lines[1] : lines[0];
  CHECK(out.starts_with(R"({"log":"hello\n","stream":"stdout","time":")"));
  CHECK(err.starts_with(R"({"log":"oops\n","stream":"stderr","time":")"));

  shimpb::DeleteResponse deleted;
  REQUIRE(f.Delete("", false, &deleted).ok());
  CHECK(deleted.exit_status() == 3);
  CHECK(deleted.pid() == pid);
  CHECK_FALSE(PathExists(f.bundle() + "/exit.json"));
  grpc::ClientContext context;
  shimpb::StateRequest request;
  request.set_id(f.id());
  shimpb::StateResponse response;
  CHECK(f.stub().State(&context, request, &response).error_code() == grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("shim reports a death by signal as 128 + signal", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sleep", "100"});
  f.Start();
  REQUIRE(f.Create().ok());
  REQUIRE(f.StartTask().ok());
  REQUIRE(f.Kill(SIGKILL).ok());
  CHECK(f.WaitExit() == 137);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("shim refuses bad calls with clear codes", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sleep", "100"});
  f.Start();
  REQUIRE(f.Create().ok());
  SECTION("create twice") { CHECK(f.Create().error_code() == grpc::StatusCode::ALREADY_EXISTS); }
  SECTION("another container's id") {
    grpc::ClientContext context;
    shimpb::StartRequest request;
    request.set_id("someone-else");
    shimpb::StartResponse response;
    CHECK(f.stub().Start(&context, request, &response).error_code() == grpc::StatusCode::NOT_FOUND);
  }
  SECTION("unknown exec id") {
    CHECK(f.StartTask("nope").error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(f.Kill(SIGTERM, "nope").error_code() == grpc::StatusCode::NOT_FOUND);
  }
  SECTION("bad signal") { CHECK(f.Kill(0).error_code() == grpc::StatusCode::INVALID_ARGUMENT); }
  REQUIRE(f.StartTask().ok());
  SECTION("start twice") {
    CHECK(f.StartTask().error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  }
  SECTION("delete of a running task") {
    grpc::Status deleted = f.Delete();
    CHECK(deleted.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(deleted.error_message().find("running") != std::string::npos);
  }
  REQUIRE(f.Kill(SIGKILL).ok());
  CHECK(f.WaitExit() == 137);
  SECTION("kill of a stopped task") {
    CHECK(f.Kill(SIGTERM).error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  }
  REQUIRE(f.Delete().ok());
}

TEST_CASE("a runtime failure carries the runtime's own message", "[shim]") {
  ShimFixture f;
  f.SetArgs({"/no/such/binary"});
  f.Start();
  grpc::Status created = f.Create();
  INFO(created.error_message());
  CHECK_FALSE(created.ok());
  CHECK(created.error_message().find("/no/such/binary") != std::string::npos);
  CHECK(created.error_message().find("exit status") == std::string::npos);
}

TEST_CASE("delete --force of a running task kills it and reports the signal", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sleep", "100"});
  f.Start();
  REQUIRE(f.Create().ok());
  REQUIRE(f.StartTask().ok());
  shimpb::DeleteResponse deleted;
  grpc::Status status = f.Delete("", true, &deleted);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(deleted.exit_status() == 137);
}

TEST_CASE("events arrive in order and replay after a reconnect", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sh", "-c", "exit 2"});
  f.Start();
  REQUIRE(f.Create().ok());
  REQUIRE(f.StartTask().ok());
  CHECK(f.WaitExit() == 2);
  REQUIRE(f.Delete().ok());
  f.Reconnect();
  std::vector<shimpb::Event> events = CollectEvents(f.stub(), 0, 4);
  REQUIRE(events.size() == 4);
  CHECK(events[0].topic() == "/tasks/create");
  CHECK(events[1].topic() == "/tasks/start");
  CHECK(events[2].topic() == "/tasks/exit");
  CHECK(events[2].exit_status() == 2);
  CHECK(events[3].topic() == "/tasks/delete");
  for (size_t i = 1; i < events.size(); ++i) {
    CHECK(events[i].sequence() == events[i - 1].sequence() + 1);
  }
  std::vector<shimpb::Event> later = CollectEvents(f.stub(), events[1].sequence(), 2);
  REQUIRE(later.size() == 2);
  CHECK(later[0].topic() == "/tasks/exit");
}

}  // namespace
}  // namespace berth::testing

namespace berth::testing {
namespace {

TEST_CASE("shim refuses malformed requests without harm", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sleep", "100"});
  f.Start();
  SECTION("an unknown log format") {
    shimpb::CreateRequest create;
    create.mutable_log()->set_format("syslog");
    create.mutable_log()->set_path(f.Path("x.log"));
    grpc::Status status = f.Create(create);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(status.error_message().find("syslog") != std::string::npos);
  }
  SECTION("a relative log path") {
    shimpb::CreateRequest create;
    create.mutable_log()->set_format("json-file");
    create.mutable_log()->set_path("x.log");
    CHECK(f.Create(create).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  }
  SECTION("a rootfs mount that escapes the rootfs") {
    shimpb::CreateRequest create;
    shimpb::Mount* m = create.add_rootfs();
    m->set_type("tmpfs");
    m->set_source("tmpfs");
    m->set_target("../../etc");
    CHECK(f.Create(create).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    // Nothing half-made stays: a good Create works after the bad one.
    REQUIRE(f.Create().ok());
    REQUIRE(f.Delete().ok());
  }
  SECTION("an exec with a spec that is not JSON") {
    REQUIRE(f.Create().ok());
    REQUIRE(f.StartTask().ok());
    shimpb::ExecRequest request;
    request.set_exec_id("bad");
    request.set_spec("{not json");
    REQUIRE(f.Exec(request).ok());
    grpc::Status started = f.StartTask("bad");
    INFO(started.error_message());
    CHECK_FALSE(started.ok());
    CHECK(started.error_message().find("exit status") == std::string::npos);
    // The container is unharmed.
    CHECK(f.State().status() == shimpb::STATUS_RUNNING);
    REQUIRE(f.Kill(SIGKILL).ok());
    CHECK(f.WaitExit() == 137);
    REQUIRE(f.Delete().ok());
  }
}

}  // namespace
}  // namespace berth::testing
