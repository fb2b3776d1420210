// Each namespace isolates what it should; joining existing ones by path.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/runtime/runtime_fixture.h"

namespace berth::testing {
namespace {

// The inode number of a namespace, as the probe reports it.
uint64_t NsInode(const std::string& link) {
  struct stat st;
  return stat(link.c_str(), &st) == 0 ? st.st_ino : 0;
}

uint64_t HostNs(const char* name) { return NsInode(std::string("/proc/self/ns/") + name); }

TEST_CASE("new namespaces differ from the host's", "[namespaces]") {
  RuntimeFixture f;
  json::Json ns = f.RunProbe({"ns"});
  for (const char* name : {"pid", "net", "ipc", "uts", "mnt", "cgroup"}) {
    INFO(name);
    CHECK(ns[name].get<uint64_t>() != HostNs(name));
  }
  // Not asked for: shared with the host.
  CHECK(ns["user"] == HostNs("user"));
  CHECK(ns["time"] == HostNs("time"));
}

TEST_CASE("pid namespace: the process is pid 1", "[namespaces]") {
  RuntimeFixture f;
  json::Json pid = f.RunProbe({"pid"});
  CHECK(pid["pid"] == 1);
  CHECK(pid["ppid"] == 0);
}

TEST_CASE("uts namespace: hostname and domainname", "[namespaces]") {
  RuntimeFixture f;
  f.config()["hostname"] = "box";
  f.config()["domainname"] = "example.org";
  json::Json h = f.RunProbe({"hostname"});
  CHECK(h["hostname"] == "box");
  CHECK(h["domainname"] == "example.org");
}

TEST_CASE("network namespace: only loopback", "[namespaces]") {
  RuntimeFixture f;
  SpawnResult r = f.Run(f.NewId(), {"cat", "/proc/net/dev"});
  REQUIRE(r.status.code == 0);
  std::vector<std::string_view> lines = Split(r.out, '\n', true);
  REQUIRE(lines.size() == 3);  // two header lines and lo
  CHECK(TrimSpace(lines[2]).starts_with("lo:"));
}

TEST_CASE("cgroup namespace: the container's cgroup is its root", "[namespaces]") {
  RuntimeFixture f;
  json::Json cg = f.RunProbe({"cgroup"});
  for (const auto& line : cg["lines"]) {
    std::string l = line.get<std::string>();
    CHECK(l.substr(l.rfind(':') + 1) == "/");
  }
}

TEST_CASE("mount namespace: the container's mounts stay inside", "[namespaces]") {
  RuntimeFixture f;
  json::Json mi = f.RunProbe({"mountinfo"});
  bool proc = false, root = false;
  for (const auto& line : mi["lines"]) {
    std::string text = line.get<std::string>();
    std::vector<std::string_view> fields = Split(text, ' ', true);
    if (fields.size() > 4 && fields[4] == "/proc") proc = true;
    if (fields.size() > 4 && fields[4] == "/") root = true;
  }
  CHECK(proc);
  CHECK(root);
  // Nothing of the container shows in the host's mount table.
  CHECK(ReadFile("/proc/self/mountinfo")->find(f.rootfs()) == std::string::npos);
}

TEST_CASE("user namespace with mappings", "[namespaces]") {
  RuntimeFixture f;
  f.config()["linux"]["namespaces"].push_back({{"type", "user"}});
  f.config()["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  f.config()["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  // Host root maps to nobody inside: the mapped root must be able to
  // reach the bundle (runc has the same rule).
  REQUIRE(chmod(f.bundle().substr(0, f.bundle().rfind('/')).c_str(), 0755) == 0);
  std::string id = f.NewId();
  SpawnResult r = f.Run(id, {"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"});
  INFO(r.err);
  REQUIRE(r.status.code == 0);
  std::vector<std::string_view> lines = Split(r.out, '\n', true);
  REQUIRE(lines.size() == 3);
  CHECK(Split(lines[0], ' ', true) == std::vector<std::string_view>{"0", "100000", "65536"});
  CHECK(Split(lines[1], ' ', true) == std::vector<std::string_view>{"0", "100000", "65536"});
  CHECK(lines[2] == "0");
}

TEST_CASE("time namespace with offsets", "[namespaces]") {
  RuntimeFixture f;
  f.config()["linux"]["namespaces"].push_back({{"type", "time"}});
  f.config()["linux"]["timeOffsets"] = {{"boottime", {{"secs", 86400 * 365}}},
                                        {"monotonic", {{"secs", 86400}}}};
  json::Json t = f.RunProbe({"time"});
  struct timespec host;
  clock_gettime(CLOCK_BOOTTIME, &host);
  CHECK(t["boottime"].get<double>() > static_cast<double>(host.tv_sec) + 86400.0 * 364);
  CHECK(t["boottime"].get<double>() < static_cast<double>(host.tv_sec) + 86400.0 * 366);
}

TEST_CASE("joining another container's namespaces by path", "[namespaces]") {
  RuntimeFixture f;
  std::string first = f.NewId();
  f.config()["process"]["args"] = {"sleep", "100"};
  f.WriteBundle();
  REQUIRE(f.Runtime({"run", "-d", "--bundle", f.bundle(), first}).status.code == 0);
  int pid = f.State(first)["pid"].get<int>();

  json::Json namespaces = json::Json::array();
  for (const char* type : {"pid", "network", "ipc", "uts"}) {
    const char* proc = std::string(type) == "network" ? "net" : type;
    namespaces.push_back({{"type", type}, {"path", fmt::format("/proc/{}/ns/{}", pid, proc)}});
  }
  namespaces.push_back({{"type", "mount"}});
  f.config()["linux"]["namespaces"] = namespaces;
  f.config()["hostname"] = "";
  json::Json ns = f.RunProbe({"ns"});
  for (const char* name : {"pid", "net", "ipc", "uts"}) {
    INFO(name);
    CHECK(ns[name] == NsInode(fmt::format("/proc/{}/ns/{}", pid, name)));
  }
}

}  // namespace
}  // namespace berth::testing
