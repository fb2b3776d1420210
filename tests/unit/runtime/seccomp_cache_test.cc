// The seccomp program cache and the precompiled programs: keys, hits,
// misses, entries that fail their checks, eviction. Nothing is loaded into
// the kernel here (seccomp_load_test.cc does that); no root needed.
#include "runtime/linux/seccomp_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "runtime/linux/seccomp.h"
#include "runtime/spec/parse.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/runtime/seccomp_spec_parse.h"

namespace berth::runtime::linux {
namespace {

constexpr char kProfile[] = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [
    {"names": ["read", "write", "exit_group", "getpid"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
    {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}
  ]})";

// The same profile, laid out differently.
constexpr char kProfileReformatted[] = R"({"syscalls": [
    {"action": "SCMP_ACT_ALLOW", "names": ["read", "write", "exit_group", "getpid"]},
    {"args": [{"op": "SCMP_CMP_EQ", "value": 8, "index": 0}],
     "action": "SCMP_ACT_ALLOW", "names": ["personality"]},
    {"errnoRet": 30, "action": "SCMP_ACT_ERRNO", "names": ["mkdir"]}],
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "defaultAction": "SCMP_ACT_ERRNO"})";

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  }
  closedir(d);
  return names;
}

bool SameProgram(const SeccompProgram& a, const SeccompProgram& b) {
  return a.flags == b.flags && a.instructions.size() == b.instructions.size() &&
         std::memcmp(a.instructions.data(), b.instructions.data(),
                     a.instructions.size() * sizeof(sock_filter)) == 0;
}

// A program that is not what the profile compiles to, to tell a hit from
// a compile.
SeccompProgram Marker(unsigned int flags) {
  SeccompProgram p;
  p.instructions = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  p.flags = flags;
  return p;
}

TEST_CASE("the compiled program is libseccomp's export of the filter", "[seccomp][cache]") {
  spec::Seccomp s = ParseSeccomp(kProfile);
  absl::StatusOr<SeccompProgram> program = CompileSeccompProgram(s);
  INFO(program.status());
  REQUIRE(program.ok());
  absl::StatusOr<SeccompFilter> filter = BuildSeccompFilter(s);
  REQUIRE(filter.ok());
  absl::StatusOr<std::string> bpf = filter->ExportBpf();
  REQUIRE(bpf.ok());
  REQUIRE(program->instructions.size() * sizeof(sock_filter) == bpf->size());
  CHECK(std::memcmp(program->instructions.data(), bpf->data(), bpf->size()) == 0);
  CHECK(program->flags == 0);
}

TEST_CASE("load flags follow linux.seccomp.flags", "[seccomp][cache]") {
  spec::Seccomp s = ParseSeccomp(kProfile);
  CHECK(SeccompLoadFlags(s) == 0);
  s.flags = {"SECCOMP_FILTER_FLAG_TSYNC"};  // the runtime is single-threaded
  CHECK(SeccompLoadFlags(s) == 0);
  s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
  CHECK(SeccompLoadFlags(s) == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
}

TEST_CASE("notify rules and WAIT_KILLABLE_RECV keep libseccomp's path", "[seccomp][cache]") {
  spec::Seccomp s = ParseSeccomp(kProfile);
  CHECK(CanPrecompile(s));
  spec::Seccomp notify = s;
  notify.listener_path = "/run/agent.sock";
  notify.syscalls.push_back({.names = {"getppid"}, .action = "SCMP_ACT_NOTIFY"});
  CHECK_FALSE(CanPrecompile(notify));
  CHECK(CompileSeccompProgram(notify).status().code() == absl::StatusCode::kFailedPrecondition);
  spec::Seccomp waitkill = s;
  waitkill.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  CHECK_FALSE(CanPrecompile(waitkill));

  testing::TempDir dir("berth-seccomp-cache");
  spec::Spec with_notify;
  with_notify.linux.emplace().seccomp = notify;
  absl::StatusOr<std::optional<SeccompProgram>> none =
      SeccompProgramForSpec(with_notify, dir.path());
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  CHECK(Entries(SeccompCacheDir(dir.path())).empty());
  spec::Spec without_seccomp;
  without_seccomp.linux.emplace();
  none = SeccompProgramForSpec(without_seccomp, dir.path());
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("the key covers the profile, not its layout", "[seccomp][cache]") {
  spec::Seccomp s = ParseSeccomp(kProfile);
  std::string key = SeccompCache::Key(s);
  CHECK(key.size() == 64);
  CHECK(key == SeccompCache::Key(ParseSeccomp(kProfileReformatted)));
  spec::Seccomp changed = s;
  changed.syscalls[2].errno_ret = 31;
  CHECK(SeccompCache::Key(changed) != key);
  changed = s;
  changed.syscalls[1].args[0].value = 0;
  CHECK(SeccompCache::Key(changed) != key);
  changed = s;
  changed.default_errno_ret = 1;  // EPERM is the default, but absent and 1 are told apart
  CHECK(SeccompCache::Key(changed) != key);
  changed = s;
  changed.flags = {"SECCOMP_FILTER_FLAG_LOG"};
  CHECK(SeccompCache::Key(changed) != key);
  changed = s;
  changed.architectures.pop_back();
  CHECK(SeccompCache::Key(changed) != key);
}

TEST_CASE("a miss compiles and stores, a hit loads the stored program", "[seccomp][cache]") {
  testing::TempDir dir("berth-seccomp-cache");
  std::string root = dir.Sub("root");
  SeccompCache cache(SeccompCacheDir(root));
  spec::Seccomp s = ParseSeccomp(kProfile);
  std::string key = SeccompCache::Key(s);
  CHECK(cache.Lookup(key).status().code() == absl::StatusCode::kNotFound);

  absl::StatusOr<SeccompProgram> compiled = CompileSeccompProgram(s);
  REQUIRE(compiled.ok());
  absl::StatusOr<SeccompProgram> first = PrepareSeccompProgram(s, cache);
  REQUIRE(first.ok());
  CHECK(SameProgram(*first, *compiled));
  CHECK(Entries(cache.dir()) == std::vector<std::string>{key});

  // Private: the directory 0700, the entry 0600; the runtime root as the
  // state store makes it.
  struct stat st;
  REQUIRE(stat(cache.dir().c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  REQUIRE(stat(root.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0711);
  REQUIRE(stat((cache.dir() + "/" + key).c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  absl::StatusOr<SeccompProgram> looked_up = cache.Lookup(key);
  REQUIRE(looked_up.ok());
  CHECK(SameProgram(*looked_up, *compiled));

  // What is stored is what is used.
  REQUIRE(cache.Store(key, Marker(0)).ok());
  absl::StatusOr<SeccompProgram> hit = PrepareSeccompProgram(s, cache);
  REQUIRE(hit.ok());
  CHECK(SameProgram(*hit, Marker(0)));

  // An entry with other load flags than the profile asks for is not used.
  REQUIRE(cache.Store(key, Marker(SECCOMP_FILTER_FLAG_LOG)).ok());
  absl::StatusOr<SeccompProgram> recompiled = PrepareSeccompProgram(s, cache);
  REQUIRE(recompiled.ok());
  CHECK(SameProgram(*recompiled, *compiled));
  CHECK(SameProgram(*cache.Lookup(key), *compiled));
}

TEST_CASE("an entry that fails a check is compiled again and replaced", "[seccomp][cache]") {
  testing::TempDir dir("berth-seccomp-cache");
  SeccompCache cache(SeccompCacheDir(dir.path()));
  spec::Seccomp s = ParseSeccomp(kProfile);
  std::string key = SeccompCache::Key(s);
  std::string path = cache.dir() + "/" + key;
  absl::StatusOr<SeccompProgram> compiled = CompileSeccompProgram(s);
  REQUIRE(compiled.ok());
  REQUIRE(cache.Store(key, *compiled).ok());
  absl::StatusOr<std::string> good = ReadFile(path);
  REQUIRE(good.ok());
  const size_t header = good->size() - compiled->instructions.size() * sizeof(sock_filter);

  struct Damage {
    const char* what;
    std::string content;
    absl::StatusCode code;
  };
  std::string flipped = *good;
  flipped[header + 5] ^= 0x40;  // an instruction's jump offset
  std::string bad_magic = *good;
  bad_magic[0] = 'X';
  std::string other_key = *good;
  other_key[20] = other_key[20] == 'a' ? 'b' : 'a';  // inside the header's key
  std::string extra = *good + std::string(sizeof(sock_filter), '\0');
  std::vector<Damage> damages = {
      {"a flipped bit in the program", flipped, absl::StatusCode::kDataLoss},
      {"cut short mid-instruction", good->substr(0, good->size() - 3), absl::StatusCode::kDataLoss},
      {"cut short by whole instructions", good->substr(0, good->size() - 16),
       absl::StatusCode::kDataLoss},
      {"one instruction too many", extra, absl::StatusCode::kDataLoss},
      {"empty", "", absl::StatusCode::kDataLoss},
      {"only the header", good->substr(0, header), absl::StatusCode::kDataLoss},
      {"another magic", bad_magic, absl::StatusCode::kDataLoss},
      {"another key in the header", other_key, absl::StatusCode::kDataLoss},
  };
  for (const Damage& d : damages) {
    INFO(d.what);
    REQUIRE(WriteFile(path, d.content, 0600).ok());
    CHECK(cache.Lookup(key).status().code() == d.code);
    absl::StatusOr<SeccompProgram> p = PrepareSeccompProgram(s, cache);
    REQUIRE(p.ok());
    CHECK(SameProgram(*p, *compiled));
    CHECK(ReadFile(path).value_or("") == *good);
  }

  SECTION("writable by others") {
    REQUIRE(chmod(path.c_str(), 0622) == 0);
    CHECK(cache.Lookup(key).status().code() == absl::StatusCode::kFailedPrecondition);
    REQUIRE(PrepareSeccompProgram(s, cache).ok());
    CHECK(cache.Lookup(key).ok());
  }
  SECTION("a symlink") {
    std::string elsewhere = dir.Sub("elsewhere");
    REQUIRE(rename(path.c_str(), elsewhere.c_str()) == 0);
    REQUIRE(symlink(elsewhere.c_str(), path.c_str()) == 0);
    CHECK_FALSE(cache.Lookup(key).ok());
    REQUIRE(PrepareSeccompProgram(s, cache).ok());
    struct stat st;
    REQUIRE(lstat(path.c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
  }
  SECTION("a directory") {
    REQUIRE(unlink(path.c_str()) == 0);
    REQUIRE(mkdir(path.c_str(), 0700) == 0);
    CHECK_FALSE(cache.Lookup(key).ok());
    // Not replaceable by rename: compiled anyway, not stored.
    absl::StatusOr<SeccompProgram> p = PrepareSeccompProgram(s, cache);
    REQUIRE(p.ok());
    CHECK(SameProgram(*p, *compiled));
  }
}

TEST_CASE("an unusable cache directory only costs the compile", "[seccomp][cache]") {
  testing::TempDir dir("berth-seccomp-cache");
  std::string blocker = dir.Sub("file");
  REQUIRE(WriteFile(blocker, "not a directory").ok());
  SeccompCache cache(blocker + "/@seccomp-cache");
  spec::Seccomp s = ParseSeccomp(kProfile);
  absl::StatusOr<SeccompProgram> p = PrepareSeccompProgram(s, cache);
  REQUIRE(p.ok());
  CHECK(SameProgram(*p, *CompileSeccompProgram(s)));
  // A profile that does not build still fails, cache or not.
  spec::Seccomp bad = s;
  bad.default_action = "SCMP_ACT_FOO";
  CHECK(PrepareSeccompProgram(bad, cache).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a full cache starts over", "[seccomp][cache]") {
  testing::TempDir dir("berth-seccomp-cache");
  SeccompCache cache(SeccompCacheDir(dir.path()));
  auto key_of = [](size_t i) {
    std::string k = std::to_string(i);
    return std::string(64 - k.size(), 'a') + k;
  };
  for (size_t i = 0; i < SeccompCache::kMaxEntries; ++i) {
    REQUIRE(cache.Store(key_of(i), Marker(0)).ok());
  }
  CHECK(Entries(cache.dir()).size() == SeccompCache::kMaxEntries);
  // Storing an existing key again keeps the others.
  REQUIRE(cache.Store(key_of(3), Marker(0)).ok());
  CHECK(Entries(cache.dir()).size() == SeccompCache::kMaxEntries);
  REQUIRE(cache.Store(std::string(64, 'f'), Marker(0)).ok());
  CHECK(Entries(cache.dir()) == std::vector<std::string>{std::string(64, 'f')});
}

TEST_CASE("program bytes are checked", "[seccomp][cache]") {
  CHECK_FALSE(InstructionsFromBytes("").ok());
  CHECK_FALSE(InstructionsFromBytes(std::string(7, '\0')).ok());
  CHECK(InstructionsFromBytes(std::string(8, '\0')).ok());
  CHECK(InstructionsFromBytes(std::string(8 * BPF_MAXINSNS, '\0')).ok());
  CHECK_FALSE(InstructionsFromBytes(std::string(8 * (BPF_MAXINSNS + 1), '\0')).ok());
  SeccompCache cache("/nonexistent");
  CHECK(cache.Lookup("../etc/passwd").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(cache.Store(std::string(64, 'a'), SeccompProgram{}).ok());
}

}  // namespace
}  // namespace berth::runtime::linux
