#include "shim/runtime/runtime_errors.h"

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/testutil/temp_dir.h"

namespace berth::shim {
namespace {

std::string Message(const absl::Status& s) { return std::string(ToStd(s.message())); }

TEST_CASE("the last error record wins, other levels and noise are skipped", "[runtime_errors]") {
  // runc 1.1 with --log-format json, a runc init forward, and text noise.
  std::string log =
      R"({"level":"info","msg":"starting","time":"2024-02-02T10:00:00Z"})"
      "\n"
      R"({"level":"error","msg":"first failure","time":"2024-02-02T10:00:01Z"})"
      "\n"
      "panic: not json at all\n"
      "\n"
      R"({"level":"warning","msg":"cgroup v1 is deprecated"})"
      "\n"
      R"({"level":"error","msg":"container with given ID already exists  ","time":"x"})"
      "\n"
      R"({"level":"debug","msg":"nsexec-0[123]: done"})"
      "\n"
      R"({"level":"error","msg":42})"
      "\n"
      R"(["level","error"])"
      "\n"
      R"({"level":"error")";  // torn last line
  CHECK(LastLoggedError(log) == "container with given ID already exists");
}

TEST_CASE("berth-runtime's and crun's records parse the same way", "[runtime_errors]") {
  // berth-runtime (common/logger.h JSON format): level, msg, time.
  CHECK(
      LastLoggedError(
          R"({"level":"error","msg":"container berth-1 does not exist","time":"2026-01-01T00:00:00Z"})"
          "\n") == "container berth-1 does not exist");
  // crun puts msg first and pads with spaces.
  CHECK(LastLoggedError(
            R"({"msg": "container `x` already exists", "level": "error", "time": "t"})") ==
        "container `x` already exists");
  CHECK(LastLoggedError(R"({"level":"fatal","msg":"boom"})") == "boom");
  CHECK(LastLoggedError(R"({"level":"info","msg":"fine"})") == "");
  CHECK(LastLoggedError("") == "");
}

TEST_CASE("only the records written since the offset are read", "[runtime_errors]") {
  testing::TempDir dir;
  std::string path = dir.Sub("log.json");
  CHECK(LogOffset(path) == 0);
  CHECK(ReadLogSince(path, 0).value() == "");
  std::string earlier = R"({"level":"error","msg":"an earlier call's error"})"
                        "\n";
  REQUIRE(WriteFile(path, earlier).ok());
  uint64_t offset = LogOffset(path);
  CHECK(offset == earlier.size());
  CHECK(LastLoggedError(ReadLogSince(path, offset).value()) == "");
  std::string now = R"({"level":"error","msg":"this call's error"})"
                    "\n";
  REQUIRE(WriteFile(path, earlier + now).ok());
  CHECK(ReadLogSince(path, offset).value() == now);
  CHECK(LastLoggedError(ReadLogSince(path, offset).value()) == "this call's error");
  // A log that shrank (rotated) is read from its start.
  REQUIRE(WriteFile(path, now).ok());
  CHECK(ReadLogSince(path, offset + 1000).value() == now);
}

TEST_CASE("stderr gives the message of its last meaningful line", "[runtime_errors]") {
  // runc without --log: logrus text on stderr.
  CHECK(MessageFromStderr("time=\"2024-02-02T10:00:00Z\" level=warning msg=\"x\"\n"
                          "time=\"2024-02-02T10:00:00Z\" level=error msg=\"container \\\"a\\\" "
                          "does not exist\"\n") == "container \"a\" does not exist");
  CHECK(MessageFromStderr("time=now level=error msg=bare\n") == "bare");
  // Plain text (crun: "crun: ..."), JSON records.
  CHECK(MessageFromStderr("crun: container `x` does not exist\n") ==
        "crun: container `x` does not exist");
  CHECK(MessageFromStderr(R"({"level":"error","msg":"json on stderr"})") == "json on stderr");
  CHECK(MessageFromStderr("first\nsecond\n\n") == "second");
  CHECK(MessageFromStderr("") == "");
  CHECK(MessageFromStderr("time=now level=info msg=\"only info\"\n") == "");
}

TEST_CASE("runtime wording maps to status codes", "[runtime_errors]") {
  using absl::StatusCode;
  struct Case {
    const char* message;
    StatusCode code;
  };
  const Case cases[] = {
      // runc 1.1
      {"container does not exist", StatusCode::kNotFound},
      {"container with given ID already exists", StatusCode::kAlreadyExists},
      {"cannot start an already running container", StatusCode::kFailedPrecondition},
      {"container not running", StatusCode::kFailedPrecondition},
      {"container not paused", StatusCode::kFailedPrecondition},
      {"cannot delete container x that is not stopped: running", StatusCode::kFailedPrecondition},
      // berth-runtime
      {"container berth-1 does not exist", StatusCode::kNotFound},
      {"container with id berth-1 already exists", StatusCode::kAlreadyExists},
      {"container berth-1 is not running", StatusCode::kFailedPrecondition},
      {"container berth-1 is not paused (running)", StatusCode::kFailedPrecondition},
      {"cannot start a container that has stopped", StatusCode::kFailedPrecondition},
      {"cannot start a container that is still being created", StatusCode::kFailedPrecondition},
      {"cannot exec in a paused container (use --ignore-paused)", StatusCode::kFailedPrecondition},
      // crun
      {"container `x` already exists", StatusCode::kAlreadyExists},
      {"error opening file `/run/crun/x/status`: No such file or directory", StatusCode::kNotFound},
      {"error opening file `/x/config.json`: No such file or directory", StatusCode::kUnknown},
      {"Container Does Not Exist", StatusCode::kNotFound},
      {"something else broke", StatusCode::kUnknown},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    CHECK(CodeForRuntimeMessage(c.message) == c.code);
  }
}

TEST_CASE("a failure carries runtime, command and the best message", "[runtime_errors]") {
  RuntimeFailure f;
  f.runtime = "berth-runtime";
  f.command = "start";
  f.status.code = 1;
  f.logged_error = "container x does not exist";
  f.stderr_text = "something on stderr";
  absl::Status s = RuntimeError(f);
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(Message(s) == "berth-runtime start: container x does not exist");

  f.logged_error = "";
  s = RuntimeError(f);
  CHECK(s.code() == absl::StatusCode::kUnknown);
  CHECK(Message(s) == "berth-runtime start: something on stderr");

  f.stderr_text = "";
  s = RuntimeError(f);
  CHECK(s.code() == absl::StatusCode::kUnknown);
  CHECK(Message(s) == "berth-runtime start: exit status 1");

  // runc's own "runc create failed: " adds nothing to our prefix.
  f.runtime = "runc";
  f.command = "create";
  f.logged_error = "runc create failed: container with given ID already exists";
  s = RuntimeError(f);
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(Message(s) == "runc create: container with given ID already exists");
  f.logged_error = "";

  f.runtime = "berth-runtime";
  f.command = "start";
  f.status.code = 128 + 9;
  f.status.signal = 9;
  CHECK(Message(RuntimeError(f)) == "berth-runtime start: killed by signal 9 (SIGKILL)");
}

}  // namespace
}  // namespace berth::shim
