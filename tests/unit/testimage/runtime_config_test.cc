#include "tests/testimage/runtime_config.h"

#include <catch2/catch.hpp>

namespace berth::testimage {
namespace {

using json::Json;

std::vector<std::string> Types(const Json& list, const char* key) {
  std::vector<std::string> out;
  for (const Json& item : list) out.push_back(item[key].get<std::string>());
  return out;
}

TEST_CASE("DefaultRuntimeConfig matches runc spec", "[testimage][config]") {
  Json c = DefaultRuntimeConfig();
  CHECK(c["ociVersion"] == "1.0.2");
  const Json& p = c["process"];
  CHECK(p["terminal"] == false);
  CHECK(p["user"] == Json{{"uid", 0}, {"gid", 0}});
  CHECK(p["args"] == Json{"sh"});
  CHECK(p["env"] == Json{kDefaultPath, "TERM=xterm"});
  CHECK(p["cwd"] == "/");
  Json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  for (const char* set : {"bounding", "effective", "permitted", "ambient"}) {
    INFO(set);
    CHECK(p["capabilities"][set] == caps);
  }
  CHECK_FALSE(p["capabilities"].contains("inheritable"));
  CHECK(p["rlimits"] == Json::parse(R"([{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}])"));
  CHECK(p["noNewPrivileges"] == true);
  CHECK(c["root"] == Json{{"path", "rootfs"}, {"readonly", true}});
  CHECK(c["hostname"] == "berth");

  CHECK(Types(c["mounts"], "destination") == std::vector<std::string>{"/proc", "/dev", "/dev/pts",
                                                                      "/dev/shm", "/dev/mqueue",
                                                                      "/sys", "/sys/fs/cgroup"});
  CHECK(Types(c["mounts"], "type") ==
        std::vector<std::string>{"proc", "tmpfs", "devpts", "tmpfs", "mqueue", "sysfs", "cgroup"});
  CHECK(c["mounts"][2]["options"] ==
        Json{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});

  const Json& linux = c["linux"];
  CHECK(linux["resources"]["devices"] == Json::parse(R"([{"allow":false,"access":"rwm"}])"));
  CHECK(Types(linux["namespaces"], "type") ==
        std::vector<std::string>{"pid", "network", "ipc", "uts", "mount", "cgroup"});
  CHECK(linux["maskedPaths"].size() == 11);
  CHECK(linux["readonlyPaths"] ==
        Json{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"});
  CHECK_FALSE(linux.contains("cgroupsPath"));
}

TEST_CASE("DefaultRuntimeConfig applies options", "[testimage][config]") {
  ConfigOptions opts;
  opts.args = {"sh", "-c", "echo hi"};
  opts.terminal = true;
  opts.readonly_root = false;
  opts.hostname = "box";
  opts.extra_env = {"FOO=bar"};
  opts.cgroups_path = "/berth/test";
  opts.uid = 1000;
  opts.gid = 1000;
  Json c = DefaultRuntimeConfig(opts);
  CHECK(c["process"]["args"] == Json{"sh", "-c", "echo hi"});
  CHECK(c["process"]["terminal"] == true);
  CHECK(c["process"]["env"].back() == "FOO=bar");
  CHECK(c["process"]["user"] == Json{{"uid", 1000}, {"gid", 1000}});
  CHECK(c["root"]["readonly"] == false);
  CHECK(c["hostname"] == "box");
  CHECK(c["linux"]["cgroupsPath"] == "/berth/test");
}

}  // namespace
}  // namespace berth::testimage
