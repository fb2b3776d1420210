// Hooks in their order and namespaces; mounts, masked and read-only paths.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/runtime/runtime_fixture.h"

namespace berth::testing {
namespace {

json::Json Hook(const std::string& script) {
  return {{"path", "/bin/sh"}, {"args", {"sh", "-c", script}}};
}

TEST_CASE("hooks run in order, in their namespaces, with the state on stdin", "[hooks]") {
  RuntimeFixture f;
  std::string log = f.root() + "-hooks";
  REQUIRE(MkdirAll(log).ok());
  std::string host_file = log + "/order";
  // createContainer runs in the container's mount namespace before
  // pivot_root (host paths visible); startContainer after it, so it writes
  // through a bind mount of the same directory.
  f.config()["mounts"].push_back(
      {{"destination", "/hooklog"}, {"type", "bind"}, {"source", log}, {"options", {"rbind", "rw"}}});
  auto append = [&](const std::string& name, const std::string& file) {
    // Record the hook's name, the state's status and whether it sees the
    // container's hostname (uts namespace).
    return Hook("read -r state; s=$(echo \"$state\" | sed 's/.*\"status\":\"\\([a-z]*\\)\".*/\\1/'); "
                "echo " + name + " $s $(hostname) >> " + file);
  };
  f.config()["hostname"] = "hooked";
  f.config()["hooks"] = {{"prestart", {append("prestart", host_file)}},
                         {"createRuntime", {append("createRuntime", host_file)}},
                         {"createContainer", {append("createContainer", host_file)}},
                         {"startContainer", {append("startContainer", "/hooklog/order")}},
                         {"poststart", {append("poststart", host_file)}},
                         {"poststop", {append("poststop", host_file)}}};
  std::string id = f.NewId();
  SpawnResult r = f.Run(id, {"sh", "-c", "echo process $(hostname) >> /hooklog/order"});
  INFO(r.err);
  REQUIRE(r.status.code == 0);
  std::string host;
  char buf[256];
  gethostname(buf, sizeof(buf));
  host = buf;
  std::vector<std::string> lines = SplitToStrings(*ReadFile(host_file), '\n', true);
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == "prestart created " + host);
  CHECK(lines[1] == "createRuntime creating " + host);
  CHECK(lines[2] == "createContainer creating hooked");
  CHECK(lines[3] == "startContainer created hooked");
  // poststart runs once start has let the process go: either order with it.
  CHECK(((lines[4] == "process hooked" && lines[5] == "poststart running " + host) ||
         (lines[5] == "process hooked" && lines[4] == "poststart running " + host)));
  CHECK(lines[6] == "poststop stopped " + host);
  RemoveAll(log).IgnoreError();
}

TEST_CASE("a failing createRuntime hook fails create and leaves nothing", "[hooks]") {
  RuntimeFixture f;
  f.config()["hooks"] = {{"createRuntime", {Hook("echo no way >&2; exit 3")}}};
  std::string id = f.NewId();
  f.WriteBundle();
  SpawnResult r = f.Runtime({"create", "--bundle", f.bundle(), id});
  CHECK(r.status.code != 0);
  CHECK(r.err.find("createRuntime hook /bin/sh failed: exit status 3: no way") != std::string::npos);
  CHECK(f.Runtime({"state", id}).status.code != 0);
}

TEST_CASE("a failing poststart hook is only a warning", "[hooks]") {
  RuntimeFixture f;
  f.config()["hooks"] = {{"poststart", {Hook("exit 1")}}};
  SpawnResult r = f.Run(f.NewId(), {"echo", "ran"});
  CHECK(r.status.code == 0);
  CHECK(r.out == "ran\n");
}

TEST_CASE("bind mounts honour ro and the propagation options", "[mounts]") {
  RuntimeFixture f;
  std::string data = f.root() + "-data";
  REQUIRE(MkdirAll(data).ok());
  REQUIRE(WriteFile(data + "/file", "hello").ok());
  f.config()["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", data},
                                  {"options", {"rbind", "ro", "rprivate"}}});
  f.config()["mounts"].push_back({{"destination", "/etc/one-file"}, {"type", "bind"},
                                  {"source", data + "/file"}, {"options", {"bind", "ro"}}});
  SpawnResult r = f.Run(f.NewId(), {"sh", "-c",
                                    "cat /data/file; cat /etc/one-file; touch /data/new 2>&1; "
                                    "grep ' /data ' /proc/self/mountinfo"});
  INFO(r.err);
  REQUIRE(r.status.code == 0);
  CHECK(r.out.starts_with("hellohello"));
  CHECK(r.out.find("Read-only file system") != std::string::npos);
  CHECK(r.out.find(" ro,") != std::string::npos);
  CHECK_FALSE(PathExists(data + "/new"));
  RemoveAll(data).IgnoreError();
}

TEST_CASE("a bind source outside is a clear error", "[mounts]") {
  RuntimeFixture f;
  f.config()["mounts"].push_back({{"destination", "/data"}, {"type", "bind"},
                                  {"source", "/nonexistent/source"}, {"options", {"rbind"}}});
  std::string id = f.NewId();
  f.WriteBundle();
  SpawnResult r = f.Runtime({"create", "--bundle", f.bundle(), id});
  CHECK(r.status.code != 0);
  CHECK(r.err.find("/nonexistent/source") != std::string::npos);
  CHECK(f.LastLoggedError().find("/nonexistent/source") != std::string::npos);
}

TEST_CASE("tmpfs with tmpcopyup keeps what was underneath", "[mounts]") {
  RuntimeFixture f;
  f.config()["mounts"].push_back({{"destination", "/etc"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                  {"options", {"tmpcopyup", "mode=755"}}});
  SpawnResult r = f.Run(f.NewId(), {"sh", "-c", "grep berth /etc/passwd; touch /etc/new && echo ok; "
                                                "grep ' /etc ' /proc/self/mountinfo"});
  INFO(r.err);
  REQUIRE(r.status.code == 0);
  CHECK(r.out.find("berth:x:1000") != std::string::npos);
  CHECK(r.out.find("ok\n") != std::string::npos);
  CHECK(r.out.find("tmpfs") != std::string::npos);
  CHECK_FALSE(PathExists(f.rootfs() + "/etc/new"));
}

TEST_CASE("masked and read-only paths, and a read-only root", "[mounts]") {
  RuntimeFixture f;
  f.config()["linux"]["maskedPaths"] = {"/proc/kcore", "/proc/acpi", "/etc/hosts", "/no/such"};
  f.config()["linux"]["readonlyPaths"] = {"/proc/sys"};
  json::Json hosts = f.RunProbe({"stat", "/etc/hosts"});
  CHECK(hosts["type"] == "char");  // /dev/null on top
  CHECK(hosts["rdev_major"] == 1);
  CHECK(hosts["rdev_minor"] == 3);
  json::Json acpi = f.RunProbe({"ls", "/proc/acpi"});
  CHECK(acpi["entries"].empty());
  json::Json sys = f.RunProbe({"write", "/proc/sys/kernel/hostname", "x"});
  CHECK(sys["errno"] == EROFS);
  json::Json root = f.RunProbe({"write", "/newfile", "x"});
  CHECK(root["errno"] == EROFS);
  f.config()["root"]["readonly"] = false;
  json::Json rw = f.RunProbe({"write", "/newfile", "x"});
  CHECK(rw["errno"] == 0);
  unlink((f.rootfs() + "/newfile").c_str());
}

TEST_CASE("devices: default nodes, configured nodes and /dev links", "[mounts]") {
  RuntimeFixture f;
  f.config()["linux"]["devices"] = {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10},
                                     {"minor", 229}, {"fileMode", 0600}, {"uid", 1000}, {"gid", 1000}}};
  json::Json fuse = f.RunProbe({"stat", "/dev/fuse"});
  CHECK(fuse["type"] == "char");
  CHECK(fuse["mode"] == 0600);
  CHECK(fuse["uid"] == 1000);
  for (const char* dev : {"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/random", "/dev/urandom"}) {
    INFO(dev);
    json::Json st = f.RunProbe({"stat", dev});
    CHECK(st["type"] == "char");
    CHECK(st["mode"] == 0666);
  }
  CHECK(f.RunProbe({"lstat", "/dev/ptmx"})["type"] == "symlink");
  CHECK(f.RunProbe({"lstat", "/dev/fd"})["type"] == "symlink");
  CHECK(f.RunProbe({"lstat", "/dev/stdout"})["type"] == "symlink");
}

TEST_CASE("a mount destination that climbs out through a symlink stays inside", "[mounts]") {
  RuntimeFixture f;
  REQUIRE(symlink("/../../../../tmp", (f.rootfs() + "/evil").c_str()) == 0);
  f.config()["mounts"].push_back({{"destination", "/evil/inside"}, {"type", "tmpfs"},
                                  {"source", "tmpfs"}, {"options", {"size=1m"}}});
  f.config()["root"]["readonly"] = false;
  SpawnResult r = f.Run(f.NewId(), {"sh", "-c", "grep ' /tmp/inside ' /proc/self/mountinfo"});
  INFO(r.err);
  CHECK(r.status.code == 0);
  // Created inside the rootfs, not in the host's /tmp.
  CHECK(PathExists(f.rootfs() + "/tmp/inside"));
  CHECK_FALSE(PathExists("/tmp/inside"));
}

}  // namespace
}  // namespace berth::testing
