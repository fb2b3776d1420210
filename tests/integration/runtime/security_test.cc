// Capabilities, seccomp, no_new_privs, and what must never reach a
// container: host fds (CVE-2024-21626) and a writable runtime binary
// (CVE-2019-5736).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "engined/spec/seccomp_convert.h"
#include "tests/integration/runtime/runtime_fixture.h"
#include "tests/testutil/child_reaper.h"

namespace berth::testing {
namespace {

uint64_t Mask(const json::Json& j) { return std::stoull(j.get<std::string>(), nullptr, 16); }

TEST_CASE("capability sets are exactly the configured ones", "[security]") {
  RuntimeFixture f;
  f.config()["process"]["capabilities"] = {
      {"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}},
      {"effective", {"CAP_CHOWN", "CAP_KILL"}},
      {"permitted", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}},
      {"inheritable", {"CAP_KILL"}},
      {"ambient", {"CAP_KILL"}}};
  json::Json caps = f.RunProbe({"caps"});
  constexpr uint64_t kChown = 1ULL << 0, kKill = 1ULL << 5, kNetRaw = 1ULL << 13;
  CHECK(Mask(caps["bounding"]) == (kChown | kKill | kNetRaw));
  // execve drops non-ambient caps for a non-root... root keeps permitted.
  CHECK(Mask(caps["inheritable"]) == kKill);
  CHECK(Mask(caps["ambient"]) == kKill);
  CHECK(caps["no_new_privs"] == true);
}

TEST_CASE("a non-root user keeps only ambient capabilities across exec", "[security]") {
  RuntimeFixture f;
  f.config()["process"]["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {5}}};
  f.config()["process"]["capabilities"] = {{"bounding", {"CAP_NET_BIND_SERVICE", "CAP_KILL"}},
                                           {"effective", {"CAP_NET_BIND_SERVICE"}},
                                           {"permitted", {"CAP_NET_BIND_SERVICE"}},
                                           {"inheritable", {"CAP_NET_BIND_SERVICE"}},
                                           {"ambient", {"CAP_NET_BIND_SERVICE"}}};
  json::Json caps = f.RunProbe({"caps"});
  constexpr uint64_t kBind = 1ULL << 10, kKill = 1ULL << 5;
  CHECK(Mask(caps["effective"]) == kBind);
  CHECK(Mask(caps["permitted"]) == kBind);
  CHECK(Mask(caps["bounding"]) == (kBind | kKill));
  json::Json ids = f.RunProbe({"ids"});
  CHECK(ids["uid"] == 1000);
  CHECK(ids["euid"] == 1000);
  CHECK(ids["gid"] == 1000);
  CHECK(ids["groups"] == json::Json::array({5}));
}

TEST_CASE("a dropped capability is observed as denied", "[security]") {
  RuntimeFixture f;
  // The default set has no CAP_SYS_ADMIN (mount) nor CAP_SYS_CHROOT.
  CHECK(f.RunProbe({"syscall", "mount", "tmpfs", "/tmp"})["errno"] == EPERM);
  CHECK(f.RunProbe({"syscall", "chroot", "/tmp"})["errno"] == EPERM);
  CHECK(f.RunProbe({"syscall", "sethostname", "x"})["errno"] == EPERM);
}

TEST_CASE("seccomp: errno, errnoRet, argument filters and kill", "[security]") {
  RuntimeFixture f;
  f.config()["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
      {"syscalls",
       {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}},
        {{"names", {"getppid"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 42}},
        // chmod(path, 0777) only: arg 1 == 0777.
        {{"names", {"chmod", "fchmodat"}},
         {"action", "SCMP_ACT_ERRNO"},
         {"errnoRet", EACCES},
         {"args", {{{"index", 1}, {"value", 0777}, {"op", "SCMP_CMP_EQ"}}}}},
        {{"names", {"personality"}}, {"action", "SCMP_ACT_KILL_PROCESS"}},
        {{"names", {"no_such_syscall_xyz"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  CHECK(f.RunProbe({"syscall", "mkdir", "/tmp/x"})["errno"] == EPERM);
  // glibc's getppid never sets errno: the filter's value comes back as -42.
  CHECK(f.RunProbe({"syscall", "getppid"})["ret"] == -42);
  // fchmodat's mode is argument 2, chmod's is 1: with x86-64's chmod the
  // filter on arg 1 sees it.
  SpawnResult chmod_run = f.Run(f.NewId(), {"sh", "-c", "touch /dev/shm/f; /bin/berth-probe syscall chmod /dev/shm/f 777; "
                                               "/bin/berth-probe syscall chmod /dev/shm/f 644"});
  INFO(chmod_run.out << chmod_run.err);
  REQUIRE(chmod_run.status.code == 0);
  std::vector<std::string_view> lines = Split(chmod_run.out, '\n', true);
  REQUIRE(lines.size() == 2);
  CHECK((*json::Parse(lines[0], "l"))["errno"] == EACCES);
  CHECK((*json::Parse(lines[1], "l"))["errno"] == 0);
  SpawnResult killed = f.Run(f.NewId(), {"sh", "-c", "/bin/berth-probe personality; exit $?"});
  CHECK(killed.status.code == 128 + 31);  // SIGSYS
}

TEST_CASE("seccomp default errno with an allow list", "[security]") {
  RuntimeFixture f;
  // Deny everything the probe's ids command does not need... approximated:
  // default ERRNO, allow the basics, getresuid not allowed.
  f.config()["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"syscalls", {{{"names", {"socket"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", EAFNOSUPPORT}}}}};
  CHECK(f.RunProbe({"syscall", "socket", "2", "1"})["errno"] == EAFNOSUPPORT);
  f.config()["process"]["noNewPrivileges"] = false;
  CHECK(f.RunProbe({"syscall", "socket", "2", "1"})["errno"] == EAFNOSUPPORT);
  CHECK(f.RunProbe({"caps"})["seccomp"] == 2);  // filter mode
}

// The single entry of the runtime's seccomp cache (empty if none).
std::string CacheEntry(const RuntimeFixture& f) {
  std::string dir = f.root() + "/@seccomp-cache";
  std::string found;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      CHECK(found.empty());
      found = dir + "/" + e->d_name;
    }
    closedir(d);
  }
  return found;
}

ino_t Inode(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_CASE("docker's default seccomp profile, compiled and then from the cache", "[security]") {
  RuntimeFixture f;
  std::vector<std::string> caps;
  for (const auto& c : f.config()["process"]["capabilities"]["bounding"]) {
    caps.push_back(c.get<std::string>());
  }
  absl::StatusOr<nlohmann::json> profile = engined::spec::ConvertSeccompProfile(
      engined::spec::DefaultSeccompProfile(), engined::spec::HostSeccompTarget(caps));
  REQUIRE(profile.ok());
  f.config()["linux"]["seccomp"] = *profile;
  // Blocked by the profile, allowed without it: keyctl, and personalities
  // other than the harmless few (READ_IMPLIES_EXEC here).
  auto check_blocked = [&] {
    CHECK(f.RunProbe({"syscall", "keyctl-session"})["errno"] == EPERM);
    CHECK(f.RunProbe({"syscall", "personality", "0x400000"})["errno"] == EPERM);
    CHECK(f.RunProbe({"syscall", "personality", "0"})["errno"] == 0);
  };
  for (bool no_new_privileges : {true, false}) {
    // With no_new_privs the filter loads just before exec, else before the
    // capabilities are dropped.
    INFO("noNewPrivileges " << no_new_privileges);
    f.config()["process"]["noNewPrivileges"] = no_new_privileges;
    RemoveAll(f.root() + "/@seccomp-cache").IgnoreError();

    check_blocked();  // compiled, then stored
    std::string entry = CacheEntry(f);
    REQUIRE_FALSE(entry.empty());
    struct stat st {};
    REQUIRE(stat(entry.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    ino_t stored = Inode(entry);

    check_blocked();  // from the cache: the entry was not written again
    CHECK(Inode(entry) == stored);

    // A damaged entry is compiled again and replaced.
    {
      UniqueFd fd(open(entry.c_str(), O_WRONLY | O_CLOEXEC));
      REQUIRE(fd.ok());
      REQUIRE(pwrite(fd.get(), "\xff\xff\xff\xff", 4, 200) == 4);
    }
    check_blocked();
    CHECK(CacheEntry(f) == entry);
    CHECK(Inode(entry) != stored);
  }
}

TEST_CASE("only stdio and --preserve-fds reach the container", "[security]") {
  RuntimeFixture f;
  json::Json fds = f.RunProbe({"fds"});
  std::vector<int> numbers;
  for (const auto& fd : fds["fds"]) numbers.push_back(fd["fd"].get<int>());
  CHECK(numbers == std::vector<int>{0, 1, 2});

  // With --preserve-fds 1, fd 3 of the caller arrives as fd 3.
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"/bin/berth-probe", "fds"};
  f.WriteBundle();
  std::string out_path = f.root() + "-out";
  UniqueFd out(open(out_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  UniqueFd extra(open("/etc/hostname", O_RDONLY | O_CLOEXEC));
  SpawnOptions o;
  o.argv = {RuntimePath(), "--root", f.root(), "run", "--preserve-fds", "1", "--bundle", f.bundle(), id};
  o.fds = {{1, out.get()}, {3, extra.get()}};
  absl::StatusOr<ScopedPid> p = Spawn(o);
  REQUIRE(p.ok());
  REQUIRE(WaitChild(p->release(), std::chrono::seconds(30))->code == 0);
  json::Json preserved = *json::Parse(*ReadFile(out_path), "fds");
  REQUIRE(preserved["fds"].size() == 4);
  CHECK(preserved["fds"][3]["fd"] == 3);
  CHECK(preserved["fds"][3]["target"] == "/etc/hostname");
  unlink(out_path.c_str());

  // Asking to preserve an fd that is not open is an error, not a leak.
  SpawnResult bad = f.Runtime({"run", "--preserve-fds", "5", "--bundle", f.bundle(), f.NewId()});
  CHECK(bad.status.code != 0);
  CHECK(bad.err.find("--preserve-fds") != std::string::npos);
}

// Creates a container whose init waits for start in it, and checks what
// its executable (still the runtime) is and that it cannot be written
// through /proc (the CVE-2019-5736 path).
void CheckSealedInit(RuntimeFixture& f, bool want_overlay) {
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"true"};
  f.WriteBundle();
  REQUIRE(f.Runtime({"create", "--bundle", f.bundle(), id}).status.code == 0);
  int pid = f.State(id)["pid"].get<int>();
  std::string exe_link = fmt::format("/proc/{}/exe", pid);
  char target[256];
  ssize_t n = readlink(exe_link.c_str(), target, sizeof(target) - 1);
  REQUIRE(n > 0);
  std::string exe(target, static_cast<size_t>(n));
  INFO("init's executable: " << exe);
  struct statfs fs {};
  REQUIRE(statfs(exe_link.c_str(), &fs) == 0);
  if (want_overlay) {
    // A detached, lower-only overlayfs of the binary's directory.
    CHECK(fs.f_type == OVERLAYFS_SUPER_MAGIC);
    CHECK((fs.f_flags & ST_RDONLY) != 0);
    CHECK(exe == "/berth-runtime");
  } else {
    CHECK(exe.find("memfd:berth-runtime") != std::string::npos);
  }
  // The same binary as ours.
  CHECK(ReadFile(exe_link).value_or("") == ReadFile(RuntimePath()).value_or("-"));
  errno = 0;
  int fd = open(exe_link.c_str(), O_WRONLY);
  if (fd >= 0) {
    CHECK(write(fd, "x", 1) < 0);
    close(fd);
  } else if (want_overlay) {
    CHECK(errno == EROFS);
  }
  CHECK(f.Runtime({"start", id}).status.code == 0);
}

TEST_CASE("the process inside runs from a sealed runtime binary until exec", "[security]") {
  RuntimeFixture f;
  CheckSealedInit(f, /*want_overlay=*/true);
}

TEST_CASE("with BERTH_RUNTIME_SEAL=memfd the sealed binary is a memfd copy", "[security]") {
  RuntimeFixture f;
  REQUIRE(setenv("BERTH_RUNTIME_SEAL", "memfd", 1) == 0);
  CheckSealedInit(f, /*want_overlay=*/false);
  unsetenv("BERTH_RUNTIME_SEAL");
}

TEST_CASE("cwd is resolved inside the container root", "[security]") {
  RuntimeFixture f;
  // A symlink pointing far above the root still lands inside it.
  REQUIRE(symlink("../../../../../../../../", (f.rootfs() + "/escape").c_str()) == 0);
  f.config()["process"]["cwd"] = "/escape";
  json::Json cwd = f.RunProbe({"cwd"});
  CHECK(cwd["cwd"] == "/");
}

}  // namespace
}  // namespace berth::testing
