// docker cp, export and diff against berthd: the raw API (status codes, the
// path-stat header, refused extractions) and the stock docker CLI where it
// is installed (skipped, saying so, where it is not).
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

void RequireDockerCli() {
  if (BerthdFixture::DockerCli().empty()) Skip("the docker CLI is not installed (/usr/bin/docker)");
}

// One ustar header block for `name`.
std::string TarHeader(const std::string& name, char type, size_t size, mode_t mode,
                      const std::string& link = "", uid_t uid = 0, gid_t gid = 0) {
  std::string h(512, '\0');
  auto put = [&h](size_t at, size_t width, const std::string& v) {
    h.replace(at, std::min(v.size(), width), v.substr(0, width));
  };
  auto octal = [&put](size_t at, size_t width, uint64_t v) {
    put(at, width, fmt::format("{:0{}o}", v, width - 1));
  };
  put(0, 100, name);
  octal(100, 8, mode);
  octal(108, 8, uid);
  octal(116, 8, gid);
  octal(124, 12, size);
  octal(136, 12, 1700000000);
  h[156] = type;
  put(157, 100, link);
  put(257, 6, std::string("ustar\0", 6));
  put(263, 2, "00");
  put(148, 8, "        ");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put(148, 8, fmt::format("{:06o}", sum) + std::string("\0 ", 2));
  return h;
}

// A tar of regular files {name, content}, in order.
std::string MakeTar(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string tar;
  for (const auto& [name, content] : files) {
    tar += TarHeader(name, '0', content.size(), 0644);
    tar += content;
    tar.append((512 - content.size() % 512) % 512, '\0');
  }
  tar.append(1024, '\0');
  return tar;
}

// A tar of a directory "d/" and a file "d/f", both owned by uid:gid.
std::string OwnedTar(uid_t uid, gid_t gid) {
  std::string tar = TarHeader("d/", '5', 0, 0755, "", uid, gid);
  tar += TarHeader("d/f", '0', 3, 0644, "", uid, gid);
  tar += std::string("hi\n") + std::string(509, '\0');
  tar.append(1024, '\0');
  return tar;
}

// The entry names of a tar (ustar, pax "path" records, GNU long names).
std::vector<std::string> TarNames(const std::string& tar) {
  std::vector<std::string> names;
  std::string next_name;
  for (size_t at = 0; at + 512 <= tar.size();) {
    std::string_view h(tar.data() + at, 512);
    if (h.find_first_not_of('\0') == std::string_view::npos) break;
    auto field = [&h](size_t from, size_t width) {
      std::string_view v = h.substr(from, width);
      return std::string(v.substr(0, v.find('\0')));
    };
    size_t size = std::stoull("0" + std::string(TrimSpace(field(124, 12))), nullptr, 8);
    char type = h[156];
    std::string body = tar.substr(at + 512, size);
    at += 512 + (size + 511) / 512 * 512;
    if (type == 'x') {
      size_t p = body.find(" path=");
      if (p != std::string::npos) next_name = body.substr(p + 6, body.find('\n', p) - p - 6);
      continue;
    }
    if (type == 'L') {
      next_name = body.substr(0, body.find('\0'));
      continue;
    }
    if (type == 'g') continue;
    std::string name = field(0, 100);
    std::string prefix = field(345, 155);
    if (!prefix.empty()) name = prefix + "/" + name;
    names.push_back(next_name.empty() ? name : next_name);
    next_name.clear();
  }
  return names;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

nlohmann::json DecodeStat(const HttpResult& r) {
  auto it = r.headers.find("x-docker-container-path-stat");
  if (it == r.headers.end()) return nullptr;
  std::string json;
  if (!absl::Base64Unescape(it->second, &json)) return nullptr;
  return nlohmann::json::parse(json, nullptr, false);
}

std::string Exec(BerthdFixture& f, const std::string& container, const std::string& script) {
  nlohmann::json create = {{"Cmd", {"sh", "-c", script}}, {"AttachStdout", true}};
  HttpResult made = f.Request("POST", "/v1.43/containers/" + container + "/exec", create.dump(),
                              {{"Content-Type", "application/json"}});
  std::string id = made.Json().value("Id", "");
  HttpResult started =
      f.Request("POST", "/v1.43/exec/" + id + "/start", R"({"Detach":false,"Tty":false})",
                {{"Content-Type", "application/json"}});
  std::string out, err;
  BerthdFixture::Demux(started.body, &out, &err);
  return out;
}

TEST_CASE("berthd archive API: stat header, 404s, bad params and refused extractions",
          "[berthd][archive]") {
  RequireRoot();
  BerthdFixture f;
  std::string id = f.Run({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}}, "box");
  Exec(f, "box", "ln -s /etc/passwd /tmp/pw; ln -s / /tmp/up; mkdir /tmp/in");

  HttpResult head = f.Request("HEAD", "/v1.43/containers/box/archive?path=/etc/passwd");
  CHECK(head.status == 200);
  nlohmann::json stat = DecodeStat(head);
  REQUIRE(stat.is_object());
  CHECK(stat["name"] == "passwd");
  CHECK(stat["mode"] == 0644);
  CHECK(stat["size"].get<int64_t>() > 0);
  CHECK(stat["linkTarget"] == "");
  CHECK(stat["mtime"].get<std::string>().find('T') != std::string::npos);

  nlohmann::json dir = DecodeStat(f.Request("HEAD", "/v1.43/containers/box/archive?path=/etc/"));
  CHECK(dir["name"] == "etc");
  CHECK(dir["mode"] == ((1u << 31) | 0755));
  nlohmann::json link = DecodeStat(f.Request("HEAD", "/v1.43/containers/box/archive?path=/tmp/pw"));
  CHECK(link["mode"] == ((1u << 27) | 0777));
  CHECK(link["linkTarget"] == "/etc/passwd");

  HttpResult missing = f.Get("/v1.43/containers/box/archive?path=/nope");
  CHECK(missing.status == 404);
  CHECK(missing.Json()["message"] == "Could not find the file /nope in container box");
  CHECK(f.Request("HEAD", "/v1.43/containers/box/archive?path=/nope").status == 404);
  CHECK(f.Get("/v1.43/containers/nobox/archive?path=/etc").status == 404);
  CHECK(f.Get("/v1.43/containers/box/archive").status == 400);
  CHECK(f.Get("/v1.43/containers/nobox/export").status == 404);
  CHECK(f.Get("/v1.43/containers/nobox/changes").status == 404);

  // GET: the stat header and the tar named after the path's base name.
  HttpResult tar = f.Get("/v1.43/containers/box/archive?path=/etc");
  CHECK(tar.status == 200);
  CHECK(tar.headers["content-type"] == "application/x-tar");
  CHECK(DecodeStat(tar)["name"] == "etc");
  std::vector<std::string> names = TarNames(tar.body);
  CHECK(Contains(names, "etc/"));
  CHECK(Contains(names, "etc/passwd"));
  names = TarNames(f.Get("/v1.43/containers/box/archive?path=/etc/.").body);
  CHECK(Contains(names, "./"));
  CHECK(Contains(names, "./passwd"));
  // Through a symlink to "/": still the container's own /etc.
  names = TarNames(f.Get("/v1.43/containers/box/archive?path=/tmp/up/etc/group").body);
  CHECK(names == std::vector<std::string>{"group"});

  // PUT: into a directory; anything else, or a climb out, is refused.
  std::string good = MakeTar({{"hello.txt", "hello\n"}});
  HttpResult put = f.Request("PUT", "/v1.43/containers/box/archive?path=/tmp/in", good);
  CHECK(put.status == 200);
  CHECK(Exec(f, "box", "cat /tmp/in/hello.txt") == "hello\n");
  HttpResult not_dir = f.Request("PUT", "/v1.43/containers/box/archive?path=/etc/passwd", good);
  CHECK(not_dir.status == 400);
  CHECK(not_dir.Json()["message"] == "extraction point is not a directory");
  CHECK(f.Request("PUT", "/v1.43/containers/box/archive?path=/no/dir", good).status == 404);
  CHECK(f.Request("PUT", "/v1.43/containers/box/archive", good).status == 400);
  std::string escape_name = fmt::format("berth-archive-escape-{}", getpid());
  std::string evil = MakeTar({{"../../../../" + escape_name, "x"}});
  HttpResult refused = f.Request("PUT", "/v1.43/containers/box/archive?path=/tmp/in", evil);
  CHECK(refused.status == 400);
  CHECK(refused.Json()["message"].get<std::string>().find("escapes") != std::string::npos);
  CHECK_FALSE(PathExists("/" + escape_name));
  CHECK(Exec(f, "box", "ls /" + escape_name + " /tmp/" + escape_name + " 2>/dev/null").empty());
  // Through a symlink to "/" the tar lands in the container's root.
  std::string via_link = MakeTar({{escape_name, "inside\n"}});
  CHECK(f.Request("PUT", "/v1.43/containers/box/archive?path=/tmp/up", via_link).status == 200);
  CHECK_FALSE(PathExists("/" + escape_name));
  CHECK(Exec(f, "box", "cat /" + escape_name) == "inside\n");
  // noOverwriteDirNonDir: a file over a directory fails.
  std::string over_dir = MakeTar({{"in", "x"}});
  HttpResult conflict =
      f.Request("PUT", "/v1.43/containers/box/archive?path=/tmp&noOverwriteDirNonDir=1", over_dir);
  CHECK(conflict.status == 500);
  CHECK(conflict.Json()["message"].get<std::string>().find("cannot overwrite directory") !=
        std::string::npos);
  CHECK(f.Request("DELETE", "/v1.43/containers/" + id + "?force=1").status == 204);
}

TEST_CASE("berthd archive API: owners from the tar, or the container's User with copyUIDGID",
          "[berthd][archive]") {
  RequireRoot();
  BerthdFixture f;
  const std::string tar = OwnedTar(1234, 5678);
  auto owners = [&](const std::string& box) {
    return Exec(f, box, "stat -c %u:%g /tmp/d /tmp/d/f");
  };
  auto put = [&](const std::string& box, const std::string& query) {
    return f.Request("PUT", "/v1.43/containers/" + box + "/archive?path=/tmp" + query, tar);
  };
  // No User: the tar's owners, with copyUIDGID or without (moby applies
  // ChownOpts only for a container with a User).
  f.Run({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}}, "root");
  CHECK(put("root", "").status == 200);
  CHECK(owners("root") == "1234:5678\n1234:5678\n");
  Exec(f, "root", "rm -r /tmp/d");
  CHECK(put("root", "&copyUIDGID=1").status == 200);
  CHECK(owners("root") == "1234:5678\n1234:5678\n");

  // A User: its uid and primary gid from the container's /etc files, for
  // every entry; without copyUIDGID the tar's still.
  f.Run({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}, {"User", "nobody"}}, "nobody");
  CHECK(put("nobody", "&copyUIDGID=1").status == 200);
  CHECK(owners("nobody") == "65534:65534\n65534:65534\n");
  f.Run({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}, {"User", "berth:nogroup"}}, "named");
  CHECK(put("named", "&copyUIDGID=1").status == 200);
  CHECK(owners("named") == "1000:65534\n1000:65534\n");
  // A uid the image does not list: gid 0, as docker run has it.
  f.Run({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}, {"User", "4321"}}, "numeric");
  CHECK(put("numeric", "&copyUIDGID=1").status == 200);
  CHECK(owners("numeric") == "4321:0\n4321:0\n");
  CHECK(put("numeric", "&copyUIDGID=0").status == 200);
  CHECK(owners("numeric") == "1234:5678\n1234:5678\n");

  // A User the container's files do not know: moby's 400 (a created
  // container: read through its snapshot).
  HttpResult created = f.Post("/v1.43/containers/create?name=ghost",
                              {{"Image", "busybox"}, {"Cmd", {"true"}}, {"User", "ghost"}});
  REQUIRE(created.status == 201);
  HttpResult unknown = put("ghost", "&copyUIDGID=1");
  CHECK(unknown.status == 400);
  CHECK(unknown.Json()["message"] ==
        "failed to look up user \"ghost\" in container: no matching entries in passwd file");
  CHECK(put("ghost", "").status == 200);
  HttpResult group = f.Post("/v1.43/containers/create?name=badgroup",
                            {{"Image", "busybox"}, {"Cmd", {"true"}}, {"User", "nobody:nope"}});
  REQUIRE(group.status == 201);
  HttpResult unknown_group = put("badgroup", "&copyUIDGID=1");
  CHECK(unknown_group.status == 400);
  CHECK(unknown_group.Json()["message"] ==
        "failed to look up group \"nope\" in container: no matching entries in group file");
}

TEST_CASE("docker CLI: cp keeps the tar's owners, cp -a owns files as the container's User",
          "[berthd][docker-cli][archive]") {
  RequireDockerCli();
  RequireRoot();
  BerthdFixture f;
  REQUIRE(f.Docker({"run", "-d", "--name", "plain", "busybox", "sleep", "300"}).status.code == 0);
  REQUIRE(f.Docker({"run", "-d", "--name", "user", "-u", "nobody", "busybox", "sleep", "300"})
              .status.code == 0);
  // From stdin, the tar as it is.
  SpawnResult piped = f.Docker({"cp", "-", "plain:/tmp"}, OwnedTar(1234, 5678));
  INFO(piped.err);
  CHECK(piped.status.code == 0);
  CHECK(Exec(f, "plain", "stat -c %u:%g /tmp/d/f") == "1234:5678\n");
  CHECK(f.Docker({"cp", "-a", "-", "user:/tmp"}, OwnedTar(1234, 5678)).status.code == 0);
  CHECK(Exec(f, "user", "stat -c %u:%g /tmp/d /tmp/d/f") == "65534:65534\n65534:65534\n");
  // From a local file: the CLI's tar carries the file's owner.
  REQUIRE(WriteFile(f.Path("mine.txt"), "mine\n").ok());
  REQUIRE(::chown(f.Path("mine.txt").c_str(), 1234, 5678) == 0);
  CHECK(f.Docker({"cp", f.Path("mine.txt"), "plain:/tmp/"}).status.code == 0);
  CHECK(Exec(f, "plain", "stat -c %u:%g /tmp/mine.txt") == "1234:5678\n");
  CHECK(f.Docker({"cp", f.Path("mine.txt"), "user:/tmp/"}).status.code == 0);
  CHECK(Exec(f, "user", "stat -c %u:%g /tmp/mine.txt") == "1234:5678\n");
  CHECK(f.Docker({"cp", "-a", f.Path("mine.txt"), "user:/tmp/again.txt"}).status.code == 0);
  CHECK(Exec(f, "user", "stat -c %u:%g /tmp/again.txt") == "65534:65534\n");
}

TEST_CASE("docker CLI: cp into and out of a running container", "[berthd][docker-cli][archive]") {
  RequireDockerCli();
  BerthdFixture f;
  REQUIRE(f.Docker({"run", "-d", "--name", "cpbox", "busybox", "sleep", "300"}).status.code == 0);
  REQUIRE(WriteFile(f.Path("hello.txt"), "hello\n").ok());
  REQUIRE(MkdirAll(f.Path("tree/sub")).ok());
  REQUIRE(WriteFile(f.Path("tree/sub/f"), "deep\n").ok());
  REQUIRE(symlink("sub/f", f.Path("tree/link").c_str()) == 0);

  SpawnResult in = f.Docker({"cp", f.Path("hello.txt"), "cpbox:/tmp/"});
  INFO(in.err);
  CHECK(in.status.code == 0);
  CHECK(in.out.empty());
  CHECK(f.Docker({"exec", "cpbox", "cat", "/tmp/hello.txt"}).out == "hello\n");
  CHECK(f.Docker({"cp", f.Path("hello.txt"), "cpbox:/tmp/renamed"}).status.code == 0);
  CHECK(f.Docker({"exec", "cpbox", "cat", "/tmp/renamed"}).out == "hello\n");
  CHECK(f.Docker({"cp", f.Path("tree"), "cpbox:/tmp/tree2"}).status.code == 0);
  CHECK(f.Docker({"exec", "cpbox", "cat", "/tmp/tree2/sub/f"}).out == "deep\n");
  CHECK(f.Docker({"exec", "cpbox", "readlink", "/tmp/tree2/link"}).out == "sub/f\n");

  // (Not "out": the fixture captures output there.)
  REQUIRE(MkdirAll(f.Path("copied")).ok());
  SpawnResult out = f.Docker({"cp", "cpbox:/etc/passwd", f.Path("copied/")});
  INFO(out.err);
  CHECK(out.status.code == 0);
  CHECK(ReadFile(f.Path("copied/passwd")).value_or("") ==
        f.Docker({"exec", "cpbox", "cat", "/etc/passwd"}).out);
  CHECK(f.Docker({"cp", "cpbox:/tmp/tree2", f.Path("copied/tree3")}).status.code == 0);
  CHECK(ReadFile(f.Path("copied/tree3/sub/f")).value_or("") == "deep\n");
  CHECK(f.Docker({"cp", "cpbox:/tmp/tree2/.", f.Path("copied/flat")}).status.code == 0);
  CHECK(ReadFile(f.Path("copied/flat/sub/f")).value_or("") == "deep\n");

  // A link in the container to a host path leads nowhere outside it.
  REQUIRE(WriteFile(f.Path("secret"), "host only\n").ok());
  REQUIRE(f.Docker({"exec", "cpbox", "ln", "-s", f.Path(""), "/tmp/host"}).status.code == 0);
  SpawnResult escape = f.Docker({"cp", "cpbox:/tmp/host/secret", f.Path("copied/stolen")});
  CHECK(escape.status.code != 0);
  CHECK_THAT(escape.err, Catch::Contains("Could not find the file /tmp/host/secret in container "
                                         "cpbox"));
  CHECK_FALSE(PathExists(f.Path("copied/stolen")));
  REQUIRE(f.Docker({"exec", "cpbox", "ln", "-s", "/", "/tmp/root"}).status.code == 0);
  std::string marker = fmt::format("berth-cp-escape-{}", getpid());
  REQUIRE(WriteFile(f.Path(marker), "in the container\n").ok());
  CHECK(f.Docker({"cp", f.Path(marker), "cpbox:/tmp/root/"}).status.code == 0);
  CHECK_FALSE(PathExists("/" + marker));
  CHECK(f.Docker({"exec", "cpbox", "cat", "/" + marker}).out == "in the container\n");

  // -L follows a link; without it the link itself is copied.
  REQUIRE(f.Docker({"exec", "cpbox", "ln", "-s", "/etc/group", "/tmp/grp"}).status.code == 0);
  CHECK(f.Docker({"cp", "cpbox:/tmp/grp", f.Path("copied/grp-link")}).status.code == 0);
  struct stat st;
  CHECK((lstat(f.Path("copied/grp-link").c_str(), &st) == 0 && S_ISLNK(st.st_mode)));
  CHECK(f.Docker({"cp", "-L", "cpbox:/tmp/grp", f.Path("copied/grp-file")}).status.code == 0);
  CHECK((lstat(f.Path("copied/grp-file").c_str(), &st) == 0 && S_ISREG(st.st_mode)));

  // "-": a tar on stdout, and a tar from stdin.
  SpawnResult tar = f.Docker({"cp", "cpbox:/etc/hosts", "-"});
  CHECK(TarNames(tar.out) == std::vector<std::string>{"hosts"});
  CHECK(f.Docker({"cp", "-", "cpbox:/tmp"}, MakeTar({{"from-stdin", "piped\n"}})).status.code == 0);
  CHECK(f.Docker({"exec", "cpbox", "cat", "/tmp/from-stdin"}).out == "piped\n");

  SpawnResult missing = f.Docker({"cp", "cpbox:/nope", f.Path("copied/")});
  CHECK(missing.status.code == 1);
  CHECK(missing.err ==
        "Error response from daemon: Could not find the file /nope in container cpbox\n");
  SpawnResult no_dir = f.Docker({"cp", f.Path("hello.txt"), "cpbox:/no/such/dir/"});
  CHECK(no_dir.status.code != 0);
  CHECK(f.Docker({"rm", "-f", "cpbox"}).status.code == 0);
}

TEST_CASE("docker CLI: cp into and out of a stopped container", "[berthd][docker-cli][archive]") {
  RequireDockerCli();
  BerthdFixture f;
  REQUIRE(f.Docker({"create", "--name", "idle", "busybox", "cat", "/tmp/hello.txt"}).status.code ==
          0);
  REQUIRE(WriteFile(f.Path("hello.txt"), "hello stopped\n").ok());
  SpawnResult in = f.Docker({"cp", f.Path("hello.txt"), "idle:/tmp/"});
  INFO(in.err);
  CHECK(in.status.code == 0);
  CHECK(f.Docker({"cp", "idle:/tmp/hello.txt", f.Path("back.txt")}).status.code == 0);
  CHECK(ReadFile(f.Path("back.txt")).value_or("") == "hello stopped\n");
  CHECK(f.Docker({"cp", "idle:/bin/busybox", f.Path("busybox")}).status.code == 0);
  struct stat st;
  CHECK((stat(f.Path("busybox").c_str(), &st) == 0 && (st.st_mode & 0111) != 0));
  SpawnResult started = f.Docker({"start", "-a", "idle"});
  CHECK(started.out == "hello stopped\n");
  // Exited now: the snapshot again, with what the run left.
  SpawnResult missing = f.Docker({"cp", "idle:/nope", f.Path("x")});
  CHECK(missing.err ==
        "Error response from daemon: Could not find the file /nope in container idle\n");
  CHECK(f.Docker({"rm", "idle"}).status.code == 0);
}

TEST_CASE("docker CLI: export and diff", "[berthd][docker-cli][archive]") {
  RequireDockerCli();
  BerthdFixture f;
  SpawnResult ran =
      f.Docker({"run", "--name", "changed", "busybox", "sh", "-c",
                "touch /new; rm /etc/group; echo more >> /etc/passwd; mkdir -p /var/tmp/d"});
  INFO(ran.err);
  REQUIRE(ran.status.code == 0);
  SpawnResult diff = f.Docker({"diff", "changed"});
  INFO(diff.err);
  CHECK(diff.status.code == 0);
  CHECK(diff.out ==
        "C /etc\n"
        "D /etc/group\n"
        "C /etc/passwd\n"
        "A /new\n"
        "C /var/tmp\n"
        "A /var/tmp/d\n");

  // What the runtime made for its mounts (docker's init layer) is no change.
  REQUIRE(f.Docker({"run", "--name", "fresh", "busybox", "true"}).status.code == 0);
  CHECK(f.Docker({"diff", "fresh"}).out.empty());

  SpawnResult exported = f.Docker({"export", "changed"});
  CHECK(exported.status.code == 0);
  std::vector<std::string> names = TarNames(exported.out);
  CHECK(Contains(names, "bin/busybox"));
  CHECK(Contains(names, "new"));
  CHECK(Contains(names, "etc/passwd"));
  CHECK_FALSE(Contains(names, "etc/group"));
  CHECK(f.Docker({"export", "-o", f.Path("fs.tar"), "changed"}).status.code == 0);
  CHECK(ReadFile(f.Path("fs.tar")).value_or("") == exported.out);

  // A running container: its own writes, not /proc.
  REQUIRE(f.Docker({"run", "-d", "--name", "live", "busybox", "sh", "-c",
                    "echo hi > /live-file; exec sleep 300"})
              .status.code == 0);
  for (int i = 0;
       i < 50 && f.Docker({"diff", "live"}).out.find("A /live-file") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK_THAT(f.Docker({"diff", "live"}).out, Catch::Contains("A /live-file\n"));
  names = TarNames(f.Docker({"export", "live"}).out);
  CHECK(Contains(names, "live-file"));
  CHECK_FALSE(Contains(names, "proc/self"));
  CHECK(f.Docker({"rm", "-f", "changed", "live", "fresh"}).status.code == 0);
}

}  // namespace
}  // namespace berth::testing
