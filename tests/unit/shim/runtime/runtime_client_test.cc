// RuntimeClient against a fake runtime (a shell script speaking runc's
// command line): argv, stdio, stdin, output capture, log-based errors and
// timeouts, without root. The real runtimes are in the integration tests.
#include "shim/runtime/runtime_client.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "tests/testutil/temp_dir.h"

namespace berth::shim {
namespace {

std::string Message(const absl::Status& s) { return std::string(ToStd(s.message())); }

// Global flags, then one behaviour per command. Every call is appended to
// $root/calls.
constexpr const char* kFakeRuntime = R"(#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --log-format) shift 2 ;;
    --systemd-cgroup) shift ;;
    *) break ;;
  esac
done
echo "$*" >> "$root/calls"
cmd=$1; shift
pid_file=; process=; preserve=0
while [ $# -gt 1 ]; do
  case "$1" in
    --pid-file) pid_file=$2; shift 2 ;;
    --process) process=$2; shift 2 ;;
    --preserve-fds) preserve=$2; shift 2 ;;
    *) shift ;;
  esac
done
id=$1
logerr() { printf '{"level":"error","msg":"%s","time":"2024-01-01T00:00:00Z"}\n' "$1" >> "$log"; }
case "$cmd" in
  create)
    echo '{"level":"info","msg":"creating"}' >> "$log"
    if [ "$id" = dup ]; then logerr "container with id dup already exists"; exit 1; fi
    echo "container stdout"
    echo "container stderr" >&2
    read line; echo "stdin: $line"
    if [ "$preserve" = 1 ]; then echo "extra fd" >&3; fi
    echo 4242 > "$pid_file.tmp" && mv "$pid_file.tmp" "$pid_file" ;;
  start)
    logerr "container $id does not exist"; exit 1 ;;
  kill)
    echo "kill: plain complaint" >&2; exit 1 ;;
  pause)
    exit 3 ;;
  resume)
    sleep 30 ;;
  delete)
    logerr "cannot delete container $id that is not stopped: running"; exit 1 ;;
  update)
    cat > "$root/update-stdin" ;;
  state)
    echo '{"ociVersion":"1.0.2","id":"'"$id"'","pid":42,"status":"running","bundle":"/b"}' ;;
  ps)
    echo '[42,43]' ;;
  exec)
    cp "$process" "$root/process.json"
    echo "exec output"
    echo 4343 > "$pid_file" ;;
esac
)";

struct Fake {
  testing::TempDir dir{"berth-fake-runtime"};
  std::unique_ptr<RuntimeClient> client;

  explicit Fake(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::string binary = dir.Sub("fake-runc");
    REQUIRE(WriteFile(binary, kFakeRuntime, 0755).ok());
    RuntimeClient::Options o;
    o.runtime.binary = binary;
    o.runtime.root = dir.path();
    o.runtime.log = dir.Sub("log.json");
    o.timeout = timeout;
    o.temp_dir = dir.path();
    client = std::make_unique<RuntimeClient>(o);
  }
  std::vector<std::string> Calls() {
    return SplitToStrings(ReadFile(dir.Sub("calls")).value_or(""), '\n', true);
  }
};

struct Pipe {
  UniqueFd r, w;
  Pipe() {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    r.reset(fds[0]);
    w.reset(fds[1]);
  }
  std::string ReadAll() {
    w.reset();
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = read(r.get(), buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

TEST_CASE("create hands the stdio and extra fds over and returns the pid", "[runtime_client]") {
  Fake f;
  Pipe in, out, err, extra;
  REQUIRE(write(in.w.get(), "hello\n", 6) == 6);
  in.w.reset();
  CreateOptions o;
  o.stdio = {in.r.get(), out.w.get(), err.w.get()};
  o.extra_fds = {extra.w.get()};
  o.no_pivot = true;
  absl::StatusOr<pid_t> pid = f.client->Create("c1", "/bundle", o);
  INFO(pid.status());
  REQUIRE(pid.ok());
  CHECK(*pid == 4242);
  CHECK(out.ReadAll() == "container stdout\nstdin: hello\n");
  CHECK(err.ReadAll() == "container stderr\n");
  CHECK(extra.ReadAll() == "extra fd\n");
  std::vector<std::string> calls = f.Calls();
  REQUIRE(calls.size() == 1);
  // The temporary pid file lives in temp_dir and is gone afterwards.
  CHECK(calls[0].rfind("create --bundle /bundle --pid-file " + f.dir.path() + "/fake-runc-", 0) ==
        0);
  CHECK(calls[0].find("--no-pivot --preserve-fds 1 c1") != std::string::npos);
  std::string pid_file = SplitToStrings(calls[0], ' ')[4];
  CHECK_FALSE(PathExists(pid_file));
}

TEST_CASE("a caller's pid file is used and kept", "[runtime_client]") {
  Fake f;
  CreateOptions o;
  o.pid_file = f.dir.Sub("init.pid");
  REQUIRE(f.client->Create("c1", "/bundle", o).value() == 4242);
  CHECK(ReadFile(o.pid_file).value() == "4242\n");
}

TEST_CASE("errors carry the logged message of this call and a code", "[runtime_client]") {
  Fake f;
  absl::StatusOr<pid_t> dup = f.client->Create("dup", "/bundle", {});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(Message(dup.status()) == "fake-runc create: container with id dup already exists");

  absl::Status start = f.client->Start("c9");
  CHECK(start.code() == absl::StatusCode::kNotFound);
  CHECK(Message(start) == "fake-runc start: container c9 does not exist");

  absl::Status del = f.client->Delete("c9");
  CHECK(del.code() == absl::StatusCode::kFailedPrecondition);

  // Nothing logged by this call: stderr, then the exit status. The earlier
  // errors in the shared log are not this call's.
  absl::Status kill = f.client->Kill("c9", SIGTERM);
  CHECK(kill.code() == absl::StatusCode::kUnknown);
  CHECK(Message(kill) == "fake-runc kill: kill: plain complaint");
  absl::Status pause = f.client->Pause("c9");
  CHECK(Message(pause) == "fake-runc pause: exit status 3");
}

TEST_CASE("state, ps and update", "[runtime_client]") {
  Fake f;
  absl::StatusOr<ContainerState> state = f.client->State("c1");
  REQUIRE(state.ok());
  CHECK(state->id == "c1");
  CHECK(state->pid == 42);
  CHECK(state->status == "running");
  CHECK(f.client->Ps("c1").value() == std::vector<pid_t>{42, 43});
  REQUIRE(f.client->Update("c1", R"({"memory":{"limit":1048576}})").ok());
  CHECK(ReadFile(f.dir.Sub("update-stdin")).value() == R"({"memory":{"limit":1048576}})");
  CHECK(f.Calls() ==
        std::vector<std::string>{"state c1", "ps --format json c1", "update --resources - c1"});
}

TEST_CASE("exec passes the process as a file and returns the pid", "[runtime_client]") {
  Fake f;
  Pipe out;
  ExecOptions o;
  o.stdio.out = out.w.get();
  std::string process = R"({"args":["sh"],"cwd":"/"})";
  absl::StatusOr<pid_t> pid = f.client->Exec("c1", process, o);
  REQUIRE(pid.ok());
  CHECK(*pid == 4343);
  CHECK(out.ReadAll() == "exec output\n");
  CHECK(ReadFile(f.dir.Sub("process.json")).value() == process);
  std::vector<std::string> args = SplitToStrings(f.Calls().at(0), ' ');
  REQUIRE(args.size() == 7);
  CHECK(args[0] == "exec");
  CHECK(args[3] == "--detach");
  CHECK_FALSE(PathExists(args[2]));  // the process file is removed
}

TEST_CASE("a command past its deadline is killed", "[runtime_client]") {
  Fake f(std::chrono::milliseconds(200));
  auto start = std::chrono::steady_clock::now();
  absl::Status s = f.client->Resume("c1");
  CHECK(s.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(Message(s).rfind("fake-runc resume: timed out after 200 ms", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("a missing runtime binary is an error naming it", "[runtime_client]") {
  RuntimeClient::Options o;
  o.runtime.binary = "/nonexistent/runc";
  RuntimeClient client(o);
  absl::Status s = client.Start("c1");
  REQUIRE_FALSE(s.ok());
  CHECK(Message(s).find("runc start") != std::string::npos);
  CHECK(Message(s).find("/nonexistent/runc") != std::string::npos);
}

}  // namespace
}  // namespace berth::shim
