// exec into running containers, and terminals through --console-socket.
#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/proc.h"
#include "common/strings.h"
#include "tests/integration/runtime/console_socket.h"
#include "tests/integration/runtime/runtime_fixture.h"
#include "tests/testutil/child_reaper.h"

namespace berth::testing {
namespace {

std::string StartSleeper(RuntimeFixture& f) {
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "100"};
  f.WriteBundle();
  REQUIRE(f.Runtime({"run", "-d", "--bundle", f.bundle(), id}).status.code == 0);
  return id;
}

uint64_t NsOf(int pid, const char* name) {
  struct stat st;
  return stat(fmt::format("/proc/{}/ns/{}", pid, name).c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_CASE("exec joins every namespace and cgroup of the container", "[exec]") {
  RuntimeFixture f;
  std::string id = StartSleeper(f);
  int pid = f.State(id)["pid"].get<int>();
  SpawnResult r = f.Runtime({"exec", id, "/bin/berth-probe", "ns"});
  INFO(r.err);
  REQUIRE(r.status.code == 0);
  json::Json ns = *json::Parse(r.out, "ns");
  for (const char* name : {"pid", "net", "ipc", "uts", "mnt", "cgroup"}) {
    INFO(name);
    CHECK(ns[name] == NsOf(pid, name));
  }
  SpawnResult cg = f.Runtime({"exec", id, "cat", "/proc/self/cgroup"});
  REQUIRE(cg.status.code == 0);
  CHECK(cg.out.find("memory:/\n") != std::string::npos);
}

TEST_CASE("exec flags: env, cwd, user, exit code", "[exec]") {
  RuntimeFixture f;
  std::string id = StartSleeper(f);
  SpawnResult env = f.Runtime({"exec", "-e", "FOO=bar", id, "/bin/berth-probe", "env"});
  REQUIRE(env.status.code == 0);
  CHECK(env.out.find("\"FOO=bar\"") != std::string::npos);
  CHECK(env.out.find("\"HOME=/root\"") != std::string::npos);
  SpawnResult cwd = f.Runtime({"exec", "--cwd", "/tmp", id, "/bin/berth-probe", "cwd"});
  REQUIRE(cwd.status.code == 0);
  CHECK((*json::Parse(cwd.out, "cwd"))["cwd"] == "/tmp");
  SpawnResult user = f.Runtime({"exec", "-u", "1000:1000", id, "/bin/berth-probe", "ids"});
  REQUIRE(user.status.code == 0);
  json::Json ids = *json::Parse(user.out, "ids");
  CHECK(ids["uid"] == 1000);
  CHECK(ids["gid"] == 1000);
  // Flags after the command belong to the command.
  SpawnResult code = f.Runtime({"exec", id, "sh", "-c", "exit 7"});
  CHECK(code.status.code == 7);
  SpawnResult missing = f.Runtime({"exec", id, "/no/such/binary"});
  CHECK(missing.status.code != 0);
  CHECK(missing.err.find("/no/such/binary") != std::string::npos);
}

TEST_CASE("exec --process, --detach and --pid-file", "[exec]") {
  RuntimeFixture f;
  std::string id = StartSleeper(f);
  std::string process = f.root() + "-process.json";
  REQUIRE(WriteFile(process, R"({"args":["sleep","50"],"cwd":"/","user":{"uid":0,"gid":0},
      "env":["PATH=/bin"]})").ok());
  std::string pid_file = f.root() + "-exec.pid";
  SpawnResult r = f.Runtime({"exec", "--process", process, "-d", "--pid-file", pid_file, id});
  INFO(r.err);
  REQUIRE(r.status.code == 0);
  int pid = std::stoi(*ReadFile(pid_file));
  CHECK(IsSameLiveProcess(pid, 0));
  SpawnResult ps = f.Runtime({"ps", "--format", "json", id});
  json::Json pids = *json::Parse(ps.out, "ps");
  CHECK(std::find(pids.begin(), pids.end(), json::Json(pid)) != pids.end());
  unlink(process.c_str());
  unlink(pid_file.c_str());
}

TEST_CASE("exec into a stopped or paused container is refused", "[exec]") {
  RuntimeFixture f;
  std::string id = StartSleeper(f);
  REQUIRE(f.Runtime({"pause", id}).status.code == 0);
  SpawnResult paused = f.Runtime({"exec", id, "true"});
  CHECK(paused.status.code != 0);
  CHECK(paused.err.find("paused") != std::string::npos);
  REQUIRE(f.Runtime({"resume", id}).status.code == 0);
  REQUIRE(f.Runtime({"kill", id, "KILL"}).status.code == 0);
  REQUIRE(f.WaitForStatus(id, "stopped"));
  SpawnResult stopped = f.Runtime({"exec", id, "true"});
  CHECK(stopped.status.code != 0);
  CHECK(stopped.err.find("stopped") != std::string::npos);
}

TEST_CASE("a terminal goes to the console socket with its size", "[tty]") {
  RuntimeFixture f;
  ConsoleSocket console(f.root() + "-console.sock");
  std::string id = f.NewId();
  f.config()["process"]["terminal"] = true;
  f.config()["process"]["consoleSize"] = {{"height", 33}, {"width", 111}};
  f.config()["process"]["args"] = {"/bin/berth-probe", "tty"};
  f.WriteBundle();
  SpawnResult r = f.Runtime({"create", "--console-socket", console.path(), "--bundle", f.bundle(), id});
  INFO(r.err);
  REQUIRE(r.status.code == 0);
  absl::StatusOr<UniqueFd> master = console.ReceiveMaster();
  REQUIRE(master.ok());
  REQUIRE(f.Runtime({"start", id}).status.code == 0);
  std::string out = ReadAllFromPty(master->get());
  INFO(out);
  absl::StatusOr<json::Json> parsed = json::Parse(TrimSpace(out), "tty");
  REQUIRE(parsed.ok());
  json::Json& tty = *parsed;
  CHECK(tty["stdin_isatty"] == true);
  CHECK(tty["stdout_isatty"] == true);
  CHECK(tty["ctty"] == true);
  CHECK(tty["winsize"]["rows"] == 33);
  CHECK(tty["winsize"]["cols"] == 111);
  CHECK(tty["ttyname"].get<std::string>().rfind("/dev/pts/", 0) == 0);
}

TEST_CASE("a terminal without a console socket is refused for create", "[tty]") {
  RuntimeFixture f;
  f.config()["process"]["terminal"] = true;
  std::string id = f.NewId();
  f.WriteBundle();
  SpawnResult r = f.Runtime({"create", "--bundle", f.bundle(), id});
  CHECK(r.status.code != 0);
  CHECK(r.err.find("console-socket") != std::string::npos);
}

TEST_CASE("run in the foreground relays a terminal itself", "[tty]") {
  RuntimeFixture f;
  f.config()["process"]["terminal"] = true;
  SpawnResult r = f.Run(f.NewId(), {"/bin/berth-probe", "tty"});
  INFO("stderr: " << r.err << "\nstdout: " << r.out);
  REQUIRE(r.status.code == 0);
  absl::StatusOr<json::Json> tty = json::Parse(TrimSpace(r.out), "tty");
  REQUIRE(tty.ok());
  CHECK((*tty)["stdout_isatty"] == true);
}

TEST_CASE("exec -t with a console socket", "[tty]") {
  RuntimeFixture f;
  std::string id = StartSleeper(f);
  ConsoleSocket console(f.root() + "-exec-console.sock");
  SpawnOptions o;
  o.argv = {RuntimePath(), "--root", f.root(), "exec", "-t", "-d", "--console-socket",
            console.path(), id, "/bin/berth-probe", "tty"};
  absl::StatusOr<SpawnResult> r = RunCommand(o, "", std::chrono::seconds(30), f.bundle() + "/..");
  REQUIRE(r.ok());
  INFO(r->err);
  REQUIRE(r->status.code == 0);
  absl::StatusOr<UniqueFd> master = console.ReceiveMaster();
  REQUIRE(master.ok());
  std::string out = ReadAllFromPty(master->get());
  INFO(out);
  absl::StatusOr<json::Json> tty = json::Parse(TrimSpace(out), "tty");
  REQUIRE(tty.ok());
  CHECK((*tty)["stdin_isatty"] == true);
  CHECK((*tty)["ctty"] == true);
}

}  // namespace
}  // namespace berth::testing
