// stdio through the shim: attach, stdin, terminals, exec, big output, and
// the container's survival of its clients.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/strings.h"
#include "tests/integration/shim/shim_client.h"
#include "tests/integration/shim/shim_fixture.h"

namespace berth::testing {
namespace {

TEST_CASE("shim feeds stdin from an attacher and relays stdout back", "[shim][io]") {
  ShimFixture f;
  f.SetArgs({"cat"});
  f.Start();
  shimpb::CreateRequest create;
  create.set_stdin(true);
  create.set_stdin_once(true);
  REQUIRE(f.Create(create).ok());
  Attachment attach(f.stub(), f.id(), "");
  REQUIRE(attach.opened());
  REQUIRE(f.StartTask().ok());
  REQUIRE(attach.SendStdin("line one\n"));
  REQUIRE(attach.ReadUntil("line one\n"));
  // stdin_once: our half-close closes the container's stdin, cat ends.
  REQUIRE(attach.SendStdin("line two\n", true));
  grpc::Status end = attach.ReadAll();
  INFO(end.error_message());
  CHECK(end.ok());
  CHECK(attach.out() == "line one\nline two\n");
  CHECK(f.WaitExit() == 0);
  // The log has it too, written by the shim.
  std::string log = *ReadFile(f.Path("ctr.log"));
  CHECK(log.find(R"("log":"line two\n")") != std::string::npos);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("shim runs a container with a terminal", "[shim][io]") {
  ShimFixture f;
  f.config()["process"]["terminal"] = true;
  f.SetArgs({"sh", "-c", "tty; stty size; echo done"});
  f.Start();
  shimpb::CreateRequest create;
  create.set_terminal(true);
  REQUIRE(f.Create(create).ok());
  {
    grpc::ClientContext context;
    shimpb::ResizePtyRequest resize;
    resize.set_id(f.id());
    resize.set_width(100);
    resize.set_height(30);
    shimpb::Empty empty;
    grpc::Status resized = f.stub().ResizePty(&context, resize, &empty);
    INFO(resized.error_message());
    CHECK(resized.ok());
  }
  Attachment attach(f.stub(), f.id(), "");
  REQUIRE(attach.opened());
  REQUIRE(f.StartTask().ok());
  attach.ReadAll();
  CHECK(attach.out().find("/dev/pts/") != std::string::npos);
  CHECK(attach.out().find("30 100\r\n") != std::string::npos);
  CHECK(attach.out().find("done\r\n") != std::string::npos);
  CHECK(attach.err().empty());
  CHECK(f.State().terminal());
  CHECK(f.WaitExit() == 0);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("shim execs into a running container", "[shim][io]") {
  ShimFixture f;
  f.SetArgs({"sleep", "100"});
  f.Start();
  REQUIRE(f.Create().ok());
  REQUIRE(f.StartTask().ok());
  auto exec = [&](const std::string& exec_id, const std::vector<std::string>& args,
                  bool terminal = false) {
    shimpb::ExecRequest request;
    request.set_exec_id(exec_id);
    request.set_terminal(terminal);
    request.set_spec(ExecSpec(args, terminal));
    return f.Exec(request);
  };
  REQUIRE(exec("e1", {"sh", "-c", "echo from exec; echo to err >&2; exit 5"}).ok());
  CHECK(exec("e1", {"true"}).error_code() == grpc::StatusCode::ALREADY_EXISTS);
  CHECK(f.State("e1").status() == shimpb::STATUS_CREATED);
  Attachment attach(f.stub(), f.id(), "e1");
  REQUIRE(attach.opened());
  uint32_t pid = 0;
  grpc::Status started = f.StartTask("e1", &pid);
  INFO(started.error_message());
  REQUIRE(started.ok());
  CHECK(pid > 0);
  attach.ReadAll();
  CHECK(attach.out() == "from exec\n");
  CHECK(attach.err() == "to err\n");
  CHECK(f.WaitExit("e1") == 5);
  CHECK(f.State("e1").status() == shimpb::STATUS_STOPPED);
  // Exec output is the client's, not the container log's.
  CHECK(ReadFile(f.Path("ctr.log"))->find("from exec") == std::string::npos);

  SECTION("with a terminal") {
    REQUIRE(exec("t1", {"sh", "-c", "tty"}, true).ok());
    Attachment tty(f.stub(), f.id(), "t1");
    REQUIRE(tty.opened());
    REQUIRE(f.StartTask("t1").ok());
    tty.ReadAll();
    CHECK(tty.out().find("/dev/pts/") != std::string::npos);
    CHECK(f.WaitExit("t1") == 0);
  }
  SECTION("a running exec is listed and killed") {
    REQUIRE(exec("s1", {"sleep", "100"}).ok());
    uint32_t sleeper = 0;
    REQUIRE(f.StartTask("s1", &sleeper).ok());
    grpc::ClientContext context;
    shimpb::PidsRequest request;
    request.set_id(f.id());
    shimpb::PidsResponse pids;
    REQUIRE(f.stub().Pids(&context, request, &pids).ok());
    bool listed = false;
    for (const auto& p : pids.processes()) listed |= p.pid() == sleeper && p.exec_id() == "s1";
    CHECK(listed);
    CHECK(f.Delete("s1").error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    REQUIRE(f.Kill(SIGTERM, "s1").ok());
    CHECK(f.WaitExit("s1") == 128 + SIGTERM);
    REQUIRE(f.Delete("s1").ok());
    CHECK(f.StartTask("s1").error_code() == grpc::StatusCode::NOT_FOUND);
  }
  REQUIRE(f.Delete("e1").ok());
  REQUIRE(f.Kill(SIGKILL).ok());
  CHECK(f.WaitExit() == 137);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("an attach whose output ends before its stdin is taken leaves the shim serving",
          "[shim][io]") {
  // The process closes its output, so the attach call finishes, while the
  // shim still holds stdin the process never takes; the pending write calls
  // back when the process exits, after the call is gone (that freed the
  // call's state under the callback and crashed the shim).
  ShimFixture f;
  f.SetArgs({"sleep", "100"});
  f.Start();
  REQUIRE(f.Create().ok());
  REQUIRE(f.StartTask().ok());
  const std::string input(1 << 20, 'a');
  for (int i = 0; i < 3; ++i) {
    std::string exec_id = "ignores-stdin-" + std::to_string(i);
    shimpb::ExecRequest request;
    request.set_exec_id(exec_id);
    request.set_stdin(true);
    request.set_stdin_once(true);
    request.set_spec(ExecSpec({"sh", "-c", "echo bye; exec >&- 2>&-; sleep 0.5"}));
    REQUIRE(f.Exec(request).ok());
    Attachment attach(f.stub(), f.id(), exec_id);
    REQUIRE(attach.opened());
    REQUIRE(attach.SendStdin(input));
    REQUIRE(f.StartTask(exec_id).ok());
    grpc::Status ended = attach.ReadAll();
    INFO(ended.error_message());
    CHECK(ended.ok());
    CHECK(attach.out() == "bye\n");
    CHECK(f.WaitExit(exec_id) == 0);
    REQUIRE(f.Delete(exec_id).ok());
  }
  CHECK(f.State().status() == shimpb::STATUS_RUNNING);
  REQUIRE(f.Kill(SIGKILL).ok());
  CHECK(f.WaitExit() == 137);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("the container and its exit outlive the starter and every client", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sh", "-c", "read line; echo got $line; exit 7"});
  f.Start();
  shimpb::CreateRequest create;
  create.set_stdin(true);
  REQUIRE(f.Create(create).ok());
  REQUIRE(f.StartTask().ok());
  {
    Attachment attach(f.stub(), f.id(), "");
    REQUIRE(attach.opened());
    REQUIRE(attach.SendStdin("x\n"));
    REQUIRE(attach.ReadUntil("got x\n"));
    // The client vanishes mid-stream.
    attach.Cancel();
  }
  // The exit happens with no client connected; a new one learns it.
  for (int i = 0; i < 500 && !PathExists(f.bundle() + "/exit.json"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(PathExists(f.bundle() + "/exit.json"));
  f.Reconnect();
  CHECK(f.WaitExit() == 7);
  CHECK(f.State().exit_status() == 7);
  // Another `start` for the same bundle finds the same shim.
  SpawnResult again = f.Shim({"start"});
  CHECK(again.status.code == 0);
  CHECK(TrimSpace(again.out) ==
        "unix://" + std::string(TrimSpace(*ReadFile(f.bundle() + "/address"))).substr(7));
  REQUIRE(f.Delete().ok());
}

TEST_CASE("a shim killed outright leaves its exit record for `berth-shim delete`", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sh", "-c", "exit 9"});
  f.Start();
  REQUIRE(f.Create().ok());
  REQUIRE(f.StartTask().ok());
  CHECK(f.WaitExit() == 9);
  ::kill(f.ShimPid(), SIGKILL);
  SpawnResult deleted = f.Shim({"delete"});
  INFO(deleted.err);
  REQUIRE(deleted.status.code == 0);
  absl::StatusOr<json::Json> record = json::Parse(deleted.out, "delete output");
  REQUIRE(record.ok());
  CHECK((*record)["exit_status"] == 9);
}

TEST_CASE("100 MB of output with nobody attached reaches the log whole", "[shim][io]") {
  ShimFixture f;
  // 1,000,000 lines of 100 characters.
  f.SetArgs({"sh", "-c",
             "yes 0123456789012345678901234567890123456789012345678901234567890123456789"
             "012345678901234567890123456789 | head -n 1000000"});
  f.Start();
  shimpb::CreateRequest create;
  create.mutable_log()->set_format("cri");
  create.mutable_log()->set_path(f.Path("cri.log"));
  REQUIRE(f.Create(create).ok());
  auto begin = std::chrono::steady_clock::now();
  REQUIRE(f.StartTask().ok());
  CHECK(f.WaitExit() == 0);
  auto took = std::chrono::steady_clock::now() - begin;
  INFO("took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  std::string log = *ReadFile(f.Path("cri.log"));
  size_t lines = 0;
  size_t bad = 0;
  for (std::string_view line : Split(log, '\n', true)) {
    ++lines;
    // <time> stdout F <content>
    auto fields = Split(line, ' ');
    if (fields.size() != 4 || fields[1] != "stdout" || fields[2] != "F" || fields[3].size() != 100)
      ++bad;
  }
  CHECK(lines == 1000000);
  CHECK(bad == 0);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("the CRI log marks partial lines", "[shim][io]") {
  ShimFixture f;
  f.SetArgs({"printf", "full\\npartial"});
  f.Start();
  shimpb::CreateRequest create;
  create.mutable_log()->set_format("cri");
  create.mutable_log()->set_path(f.Path("cri.log"));
  REQUIRE(f.Create(create).ok());
  REQUIRE(f.StartTask().ok());
  CHECK(f.WaitExit() == 0);
  std::vector<std::string> lines = SplitToStrings(*ReadFile(f.Path("cri.log")), '\n', true);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].ends_with(" stdout F full"));
  CHECK(lines[1].ends_with(" stdout P partial"));
  REQUIRE(f.Delete().ok());
}

}  // namespace
}  // namespace berth::testing
