// berth cp between a container and local paths against a real berthd: the
// copy-path rules (new name, into a directory, "/." contents, -L, -a),
// docker's errors, and the same outcome (output, exit code and files) as
// the docker CLI's on the same daemon where it is installed.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <regex>

#include "common/file_util.h"
#include "tests/integration/engined/api/berthd_fixture.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// The error lines without the logrus lines docker's tar code logs.
std::string ErrorLines(const std::string& err) {
  std::string out;
  size_t start = 0;
  while (start < err.size()) {
    size_t end = err.find('\n', start);
    end = end == std::string::npos ? err.size() : end + 1;
    std::string line = err.substr(start, end - start);
    if (!line.starts_with("time=")) out += line;
    start = end;
  }
  return out;
}

std::vector<std::string> Fill(const std::vector<std::string>& args, const std::string& key,
                              const std::string& value) {
  std::vector<std::string> out;
  for (const std::string& a : args) out.push_back(Replace(a, key, value));
  return out;
}

// "rel type perms content-or-target" for everything under `root`, sorted.
std::string Listing(const std::string& root) {
  std::vector<std::string> lines;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    struct stat st;
    REQUIRE(lstat(e.path().c_str(), &st) == 0);
    std::string what;
    if (S_ISLNK(st.st_mode))
      what = "l -> " + fs::read_symlink(e.path()).string();
    else if (S_ISDIR(st.st_mode))
      what = "d";
    else
      what = "f " + ReadFile(e.path()).value_or("?");
    lines.push_back(fmt::format("{} {:o} {}", rel, st.st_mode & 07777, what));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

struct Case {
  std::vector<std::string> args;  // {out}/{in} and {ctr} filled per CLI
  int code;
  std::string err;  // with {out}/{in} for the CLI's own dirs
};

TEST_CASE("berth cp: from a container to local paths, as docker cp", "[cli][berthd][archive]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "cpl", "busybox", "sleep", "300"})
              .status.code == 0);
  SpawnResult setup = f.Berth({"exec", "cpl", "sh", "-c",
                               "mkdir -p /data/sub && echo hello > /data/a && echo deep > "
                               "/data/sub/b && ln -s a /data/link && chmod 0751 /data/sub"});
  REQUIRE(setup.status.code == 0);
  const std::vector<Case> cases = {
      {{"cp", "cpl:/data/a", "{out}/new-a"}, 0, ""},
      {{"cp", "cpl:/data/a", "{out}/existing/"}, 0, ""},
      {{"cp", "cpl:/data", "{out}/data2"}, 0, ""},
      {{"container", "cp", "cpl:/data", "{out}/existing"}, 0, ""},
      {{"cp", "cpl:/data/.", "{out}/contents"}, 0, ""},
      {{"cp", "cpl:/data/sub/.", "{out}/existing"}, 0, ""},
      {{"cp", "-L", "cpl:/data/link", "{out}/followed"}, 0, ""},
      {{"cp", "cpl:/data/link", "{out}/kept-link"}, 0, ""},
      {{"cp", "cpl:/data/a", "{out}/file"}, 0, ""},
      {{"cp", "cpl:/nope", "{out}/x"},
       1,
       "Error response from daemon: Could not find the file /nope in container cpl\n"},
      {{"cp", "cpl:/data/a", "{out}/missing/"}, 1, "no such directory\n"},
      {{"cp", "cpl:/data", "{out}/file"}, 1, "cannot copy directory\n"},
      {{"cp", "cpl:/data/a", "{out}/nodir/deeper"},
       1,
       "invalid output path: directory \"{out}/nodir\" does not exist\n"},
  };
  auto run_all = [&](const std::string& who,
                     const std::function<SpawnResult(const std::vector<std::string>&)>& cli) {
    std::string out = f.Path(who + "-out");
    REQUIRE(MkdirAll(out + "/existing").ok());
    REQUIRE(WriteFileAtomic(out + "/file", "old\n").ok());
    for (const Case& c : cases) {
      std::vector<std::string> args = Fill(c.args, "{out}", out);
      SpawnResult r = cli(args);
      INFO(who << ": " << fmt::format("{}", fmt::join(args, " ")) << "\n" << r.err);
      CHECK(r.status.code == c.code);
      CHECK(r.out.empty());
      CHECK(Replace(r.err, out, "{out}") == c.err);
    }
    return Listing(out);
  };
  std::string berth = run_all("berth", [&](const auto& args) { return f.Berth(args); });
  std::string out = f.Path("berth-out");
  CHECK(ReadFile(out + "/new-a").value_or("") == "hello\n");
  CHECK(ReadFile(out + "/existing/a").value_or("") == "hello\n");
  CHECK(ReadFile(out + "/data2/sub/b").value_or("") == "deep\n");
  CHECK(fs::read_symlink(out + "/data2/link") == "a");
  CHECK(ReadFile(out + "/existing/data/a").value_or("") == "hello\n");
  CHECK(ReadFile(out + "/contents/sub/b").value_or("") == "deep\n");
  CHECK(ReadFile(out + "/existing/b").value_or("") == "deep\n");
  CHECK(fs::is_symlink(out + "/kept-link"));
  CHECK_FALSE(fs::is_symlink(out + "/followed"));
  CHECK(ReadFile(out + "/followed").value_or("") == "hello\n");
  CHECK(ReadFile(out + "/file").value_or("") == "hello\n");
  struct stat st;
  REQUIRE(stat((out + "/data2/sub").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0751);

  // Unless quiet, the bytes of tar copied on stderr.
  SpawnResult loud = f.Berth({"cp", "--quiet=false", "cpl:/data/a", out + "/loud"});
  CHECK(loud.status.code == 0);
  CHECK(std::regex_match(loud.err,
                         std::regex("Successfully copied [0-9.]+[kM]?B to " + out + "/loud\n")));
  if (HaveDocker()) {
    std::string docker = run_all("docker", [&](const auto& args) { return f.Docker(args); });
    CHECK(docker == berth);
    SpawnResult docker_loud =
        f.Docker({"cp", "--quiet=false", "cpl:/data/a", f.Path("docker-out") + "/loud"});
    CHECK(Replace(docker_loud.err, "docker-out", "berth-out") == loud.err);
  }
  CHECK(f.Berth({"rm", "-f", "cpl"}).status.code == 0);
}

TEST_CASE("berth cp: local paths into a container, as docker cp", "[cli][berthd][archive]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "cpin", "busybox", "sleep", "300"})
              .status.code == 0);
  std::string in = f.Path("local-src");
  absl::Status made = MkdirAll(in + "/d/sub");
  INFO(made.ToString());
  REQUIRE(made.ok());
  REQUIRE(WriteFileAtomic(in + "/f", "local\n").ok());
  REQUIRE(WriteFileAtomic(in + "/d/x", "x\n").ok());
  REQUIRE(WriteFileAtomic(in + "/d/sub/y", std::string(100000, 'y')).ok());
  REQUIRE(symlink("x", (in + "/d/lx").c_str()) == 0);
  REQUIRE(chmod((in + "/d/x").c_str(), 0750) == 0);
  const std::vector<Case> cases = {
      {{"cp", "{in}/f", "cpin:{ctr}/"}, 0, ""},
      {{"cp", "{in}/f", "cpin:{ctr}/renamed"}, 0, ""},
      {{"cp", "{in}/d", "cpin:{ctr}/newdir"}, 0, ""},
      {{"cp", "{in}/d", "cpin:{ctr}"}, 0, ""},
      {{"cp", "{in}/d/.", "cpin:{ctr}/contents"}, 0, ""},
      {{"cp", "{in}/d/x", "cpin:{ctr}/renamed"}, 0, ""},
      {{"cp", "-L", "{in}/d/lx", "cpin:{ctr}/followed"}, 0, ""},
      {{"cp", "{in}/d/lx", "cpin:{ctr}/kept"}, 0, ""},
      {{"cp", "{in}/f", "cpin:{ctr}/nonexistent/"}, 1, "no such directory\n"},
      {{"cp", "{in}/nope", "cpin:{ctr}"}, 1, "lstat {in}/nope: no such file or directory\n"},
      {{"cp", "{in}/d", "cpin:{ctr}/renamed"}, 1, "cannot copy directory\n"},
  };
  auto run_all = [&](const std::string& ctr,
                     const std::function<SpawnResult(const std::vector<std::string>&)>& cli) {
    REQUIRE(f.Berth({"exec", "cpin", "mkdir", ctr}).status.code == 0);
    for (const Case& c : cases) {
      std::vector<std::string> args = Fill(Fill(c.args, "{in}", in), "{ctr}", ctr);
      SpawnResult r = cli(args);
      INFO(fmt::format("{}", fmt::join(args, " ")) << "\n" << r.err);
      CHECK(r.status.code == c.code);
      CHECK(r.out.empty());
      CHECK(Replace(ErrorLines(r.err), in, "{in}") == c.err);
    }
    SpawnResult ls = f.Berth({"exec", "cpin", "sh", "-c",
                              "cd " + ctr +
                                  " && find . -mindepth 1 | sort | "
                                  "xargs stat -c '%n %A %s %Y'"});
    REQUIRE(ls.status.code == 0);
    return ls.out;
  };
  std::string berth = run_all("/b", [&](const auto& args) { return f.Berth(args); });
  auto cat = [&](const std::string& path) { return f.Berth({"exec", "cpin", "cat", path}).out; };
  CHECK(cat("/b/f") == "local\n");
  CHECK(cat("/b/renamed") == "x\n");
  CHECK(cat("/b/newdir/x") == "x\n");
  CHECK(cat("/b/d/sub/y") == std::string(100000, 'y'));
  CHECK(cat("/b/contents/x") == "x\n");
  CHECK(f.Berth({"exec", "cpin", "readlink", "/b/d/lx"}).out == "x\n");
  CHECK(f.Berth({"exec", "cpin", "readlink", "/b/kept"}).out == "x\n");
  CHECK(cat("/b/followed") == "x\n");
  CHECK(f.Berth({"exec", "cpin", "test", "-L", "/b/followed"}).status.code == 1);
  CHECK(f.Berth({"exec", "cpin", "stat", "-c", "%a", "/b/d/x"}).out == "750\n");

  // -a sends copyUIDGID; which owner results is berthd's business, so the
  // owners are compared with the docker CLI's copies where it is installed.
  REQUIRE(WriteFileAtomic(in + "/owned", "o\n").ok());
  if (geteuid() == 0) REQUIRE(chown((in + "/owned").c_str(), 1234, 4321) == 0);
  CHECK(f.Berth({"cp", "-a", in + "/owned", "cpin:/b/owned-a"}).status.code == 0);
  CHECK(f.Berth({"cp", in + "/owned", "cpin:/b/owned"}).status.code == 0);
  auto owner = [&](const std::string& path) {
    return f.Berth({"exec", "cpin", "stat", "-c", "%u:%g", path}).out;
  };
  SpawnResult loud = f.Berth({"cp", "--quiet=false", in + "/f", "cpin:/b/loud"});
  CHECK(loud.status.code == 0);
  CHECK(loud.err == "Successfully copied 2.05kB to cpin:/b/loud\n");
  if (HaveDocker()) {
    std::string docker = run_all("/k", [&](const auto& args) { return f.Docker(args); });
    CHECK(docker == berth);
    CHECK(f.Docker({"cp", "--quiet=false", in + "/f", "cpin:/k/loud"}).err ==
          "Successfully copied 2.05kB to cpin:/k/loud\n");
    CHECK(f.Docker({"cp", "-a", in + "/owned", "cpin:/k/owned-a"}).status.code == 0);
    CHECK(f.Docker({"cp", in + "/owned", "cpin:/k/owned"}).status.code == 0);
    CHECK(owner("/k/owned-a") == owner("/b/owned-a"));
    CHECK(owner("/k/owned") == owner("/b/owned"));
  }
  CHECK(f.Berth({"rm", "-f", "cpin"}).status.code == 0);
}

}  // namespace
}  // namespace berth::testing
