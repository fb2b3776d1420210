// Runs berth-probe on the host (not in a container) and checks that what it
// prints is valid JSON that agrees with what this process sees.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/spawn.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::probe {
namespace {

using berth::testing::BinaryPath;
using berth::testing::TempDir;
using Json = nlohmann::json;

SpawnResult RunProbe(std::vector<std::string> args,
                     std::optional<std::vector<std::string>> env = {},
                     const std::string& stdin_data = "") {
  SpawnOptions opts;
  opts.argv = {BinaryPath("berth-probe")};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.env = std::move(env);
  absl::StatusOr<SpawnResult> result = RunAndCapture(opts, stdin_data);
  REQUIRE(result.ok());
  return *std::move(result);
}

Json Probe(std::vector<std::string> args, std::optional<std::vector<std::string>> env = {}) {
  SpawnResult r = RunProbe(std::move(args), std::move(env));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status.success());
  REQUIRE(r.out.ends_with("\n"));
  REQUIRE(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  Json j = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE(!j.is_discarded());
  REQUIRE(j.is_object());
  return j;
}

// True if the ELF file has a PT_INTERP program header (a dynamic loader).
bool HasInterpreter(const std::string& elf) {
  auto read = [&](size_t offset, size_t size) {
    uint64_t v = 0;
    REQUIRE(offset + size <= elf.size());
    std::memcpy(&v, elf.data() + offset, size);  // ELF64 little-endian, as on the build hosts
    return v;
  };
  REQUIRE(elf.compare(0, 4,
                      "\x7f"
                      "ELF") == 0);
  REQUIRE(elf[4] == 2);  // ELFCLASS64
  uint64_t phoff = read(32, 8);
  uint64_t phentsize = read(54, 2);
  uint64_t phnum = read(56, 2);
  constexpr uint64_t kPtInterp = 3;
  for (uint64_t i = 0; i < phnum; ++i) {
    if (read(phoff + i * phentsize, 4) == kPtInterp) return true;
  }
  return false;
}

TEST_CASE("probe is linked statically", "[probe]") {
  absl::StatusOr<std::string> elf = ReadFile(BinaryPath("berth-probe"));
  REQUIRE(elf.ok());
  CHECK_FALSE(HasInterpreter(*elf));
}

TEST_CASE("probe ids and pid match this process's view", "[probe]") {
  Json ids = Probe({"ids"});
  CHECK(ids["uid"] == getuid());
  CHECK(ids["euid"] == geteuid());
  CHECK(ids["gid"] == getgid());
  CHECK(ids["groups"].is_array());
  mode_t mask = umask(022);
  umask(mask);
  CHECK(ids["umask"] == mask);

  Json pid = Probe({"pid"});
  CHECK(pid["ppid"] == getpid());
  CHECK(pid["sid"] == getsid(0));
}

TEST_CASE("probe caps, ns and rlimits have the documented shapes", "[probe]") {
  Json caps = Probe({"caps"});
  for (const char* set : {"bounding", "effective", "permitted", "inheritable", "ambient"}) {
    INFO(set);
    REQUIRE(caps[set].is_string());
    CHECK(caps[set].get<std::string>().size() == 16);
  }
  CHECK(caps["no_new_privs"].is_boolean());
  CHECK(caps["seccomp"].is_number_integer());

  Json ns = Probe({"ns"});
  struct stat st;
  REQUIRE(::stat("/proc/self/ns/pid", &st) == 0);
  CHECK(ns["pid"] == st.st_ino);
  CHECK(ns.size() == 10);

  Json limits = Probe({"rlimits"});
  REQUIRE(limits.contains("NOFILE"));
  CHECK(limits["NOFILE"]["soft"].is_number_unsigned());
  CHECK(limits.size() == 16);
}

TEST_CASE("probe env escapes what it prints", "[probe]") {
  std::string nasty = std::string("NASTY=quote\" back\\ nl\n ctl\x01 bad\xff utf8\xc3\xa9");
  Json env = Probe({"env"}, std::vector<std::string>{"A=1", nasty});
  REQUIRE(env["env"].size() == 2);
  CHECK(env["env"][0] == "A=1");
  CHECK(env["env"][1] == "NASTY=quote\" back\\ nl\n ctl\x01 bad\xef\xbf\xbd utf8\xc3\xa9");
}

TEST_CASE("probe syscall reports return value and errno", "[probe]") {
  Json ppid = Probe({"syscall", "getppid"});
  CHECK(ppid["ret"] == getpid());
  CHECK(ppid["errno"] == 0);

  TempDir tmp;
  Json ok = Probe({"syscall", "mkdir", tmp.Sub("d")});
  CHECK(ok["ret"] == 0);
  CHECK(::access(tmp.Sub("d").c_str(), F_OK) == 0);
  Json again = Probe({"syscall", "mkdir", tmp.Sub("d")});
  CHECK(again["ret"] == -1);
  CHECK(again["errno"] == EEXIST);
  CHECK(again["error"] == "File exists");
}

TEST_CASE("probe file commands", "[probe]") {
  TempDir tmp;
  std::string file = tmp.Sub("f");
  Json written = Probe({"write", file, "hello"});
  CHECK(written["ret"] == 5);
  CHECK(RunProbe({"cat", file}).out == "hello");

  Json st = Probe({"stat", file});
  CHECK(st["type"] == "file");
  CHECK(st["mode"] == 0644);
  Json dev = Probe({"stat", "/dev/null"});
  CHECK(dev["type"] == "char");
  CHECK(dev["rdev_major"] == 1);
  CHECK(dev["rdev_minor"] == 3);
  Json missing = Probe({"stat", tmp.Sub("none")});
  CHECK(missing["errno"] == ENOENT);

  Json ls = Probe({"ls", tmp.path()});
  CHECK(ls["entries"] == Json{"f"});
}

TEST_CASE("probe process control", "[probe]") {
  CHECK(RunProbe({"exit", "7"}).status.code == 7);
  SpawnResult killed = RunProbe({"kill-self", "TERM"});
  CHECK(killed.status.signal == SIGTERM);
  CHECK(RunProbe({"echo-stdin"}, {}, "line one\nline two\n").out == "line one\nline two\n");
  SpawnResult err = RunProbe({"stderr", "to stderr"});
  CHECK(err.out.empty());
  CHECK(err.err == "to stderr\n");

  Json forked = Probe({"fork", "3"});
  CHECK(forked["forked"] == 3);
  Json alloc = Probe({"alloc", "4"});
  CHECK(alloc["allocated_mb"] == 4);
}

TEST_CASE("probe tty and other readers run without a terminal", "[probe]") {
  Json tty = Probe({"tty"});
  CHECK(tty["stdin_isatty"] == false);
  CHECK(tty["ttyname"].is_null());
  CHECK(tty["ctty"] == false);
  for (const char* cmd : {"fds", "cwd", "hostname", "personality", "oom", "cgroup", "mountinfo",
                          "time", "sched", "ioprio"}) {
    INFO(cmd);
    Probe({cmd});
  }
}

TEST_CASE("probe usage errors exit 2", "[probe]") {
  CHECK(RunProbe({}).status.code == 2);
  CHECK(RunProbe({"no-such"}).status.code == 2);
  CHECK(RunProbe({"alloc"}).status.code == 2);
  CHECK(RunProbe({"alloc", "lots"}).status.code == 2);
  CHECK(RunProbe({"syscall", "reboot"}).status.code == 2);
  CHECK(RunProbe({"cat", "/no/such/file"}).status.code == 1);
}

}  // namespace
}  // namespace berth::probe
