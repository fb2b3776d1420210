#include "engined/spec/spec_builder.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "engined/spec/capabilities.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::spec {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using nlohmann::json;

const std::string kId(64, 'a');

struct Fixture {
  TempDir dir;
  SpecInput in;
  Fixture() {
    std::string root = dir.Sub("rootfs");
    REQUIRE_OK(MkdirAll(root + "/etc"));
    REQUIRE_OK(WriteFile(root + "/etc/passwd",
                         "root:x:0:0::/root:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n"));
    REQUIRE_OK(WriteFile(root + "/etc/group", "root:x:0:\nweb:x:33:\nadm:x:4:web\n"));
    in.id = kId;
    in.rootfs = root;
    in.config = {{"Cmd", {"sh", "-c", "true"}}};
    in.host_config = json::object();
    in.init_path = "/usr/libexec/berth-init";
    in.host_hostname = "the-host";
    in.seccomp_target = SeccompTarget{{}, "amd64", "6.1.0"};
  }
  json Build() { return ValueOrFail(BuildSpec(in)); }
  absl::Status Fail() { return BuildSpec(in).status(); }
};

bool HasNs(const json& spec, const std::string& type) {
  for (const json& n : spec["linux"]["namespaces"]) {
    if (n["type"] == type) return true;
  }
  return false;
}

const json* FindMount(const json& spec, const std::string& dest) {
  for (const json& m : spec["mounts"]) {
    if (m["destination"] == dest) return &m;
  }
  return nullptr;
}

bool HasOption(const json& mount, const std::string& opt) {
  for (const json& o : mount["options"]) {
    if (o == opt) return true;
  }
  return false;
}

TEST_CASE("spec: docker defaults", "[spec]") {
  Fixture f;
  json s = f.Build();
  CHECK(s["process"]["args"] == json({"sh", "-c", "true"}));
  CHECK(s["process"]["cwd"] == "/");
  CHECK(s["process"]["terminal"] == false);
  CHECK(s["process"]["env"] ==
        json({std::string(kDefaultPathEnv), "HOSTNAME=aaaaaaaaaaaa", "HOME=/root"}));
  CHECK(s["process"]["capabilities"]["bounding"] == json(DefaultCapabilities()));
  CHECK(s["process"]["capabilities"]["inheritable"].empty());
  CHECK(s["process"]["noNewPrivileges"] == false);
  CHECK(s["hostname"] == "aaaaaaaaaaaa");
  CHECK(s["root"] == json({{"path", "rootfs"}, {"readonly", false}}));
  CHECK(s["linux"]["cgroupsPath"] == "/berth/" + kId);
  for (const char* ns : {"mount", "network", "uts", "pid", "ipc"}) CHECK(HasNs(s, ns));
  CHECK(!s["linux"]["maskedPaths"].empty());
  CHECK(!s["linux"]["readonlyPaths"].empty());
  CHECK(s["linux"].contains("seccomp"));
  REQUIRE(FindMount(s, "/dev/shm") != nullptr);
  CHECK(HasOption(*FindMount(s, "/dev/shm"), "size=67108864"));
  CHECK(HasOption(*FindMount(s, "/sys"), "ro"));
  CHECK(s["linux"]["resources"]["devices"][0] == json({{"allow", false}, {"access", "rwm"}}));
}

TEST_CASE("spec: no command", "[spec]") {
  Fixture f;
  f.in.config = json::object();
  CHECK(f.Fail().message() == "no command specified");
  CHECK(f.Fail().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("spec: entrypoint env tty workdir user", "[spec]") {
  Fixture f;
  f.in.config = {{"Entrypoint", {"/entry"}},
                 {"Cmd", {"a"}},
                 {"Tty", true},
                 {"Env", {"PATH=/mine", "X=1"}},
                 {"WorkingDir", "/app"},
                 {"User", "web"},
                 {"Hostname", "box"},
                 {"Domainname", "example.org"}};
  f.in.host_config = {{"GroupAdd", {"root"}}};
  json s = f.Build();
  CHECK(s["process"]["args"] == json({"/entry", "a"}));
  CHECK(s["process"]["terminal"] == true);
  CHECK(s["process"]["env"] ==
        json({"PATH=/mine", "HOSTNAME=box", "TERM=xterm", "X=1", "HOME=/var/www"}));
  CHECK(s["process"]["cwd"] == "/app");
  CHECK(s["process"]["user"] == json({{"uid", 33}, {"gid", 33}, {"additionalGids", {4, 0}}}));
  CHECK(s["hostname"] == "box");
  CHECK(s["domainname"] == "example.org");
  f.in.config["User"] = "ghost";
  CHECK(f.Fail().message() == "unable to find user ghost: no matching entries in passwd file");
}

TEST_CASE("spec: init", "[spec]") {
  Fixture f;
  f.in.host_config = {{"Init", true}};
  json s = f.Build();
  CHECK(s["process"]["args"] == json({"/sbin/docker-init", "--", "sh", "-c", "true"}));
  const json* m = FindMount(s, "/sbin/docker-init");
  REQUIRE(m != nullptr);
  CHECK((*m)["source"] == "/usr/libexec/berth-init");
  CHECK(HasOption(*m, "ro"));
  f.in.init_path.clear();
  CHECK(!BuildSpec(f.in).ok());
}

TEST_CASE("spec: capabilities", "[spec]") {
  Fixture f;
  f.in.host_config = {{"CapAdd", {"net_admin", "CAP_SYS_TIME"}}, {"CapDrop", {"chown", "Kill"}}};
  json caps = f.Build()["process"]["capabilities"]["effective"];
  auto has = [&caps](const char* c) {
    return std::find(caps.begin(), caps.end(), c) != caps.end();
  };
  CHECK(has("CAP_NET_ADMIN"));
  CHECK(has("CAP_SYS_TIME"));
  CHECK(!has("CAP_CHOWN"));
  CHECK(!has("CAP_KILL"));
  CHECK(has("CAP_SETUID"));

  f.in.host_config = {{"CapDrop", {"ALL"}}, {"CapAdd", {"chown"}}};
  CHECK(f.Build()["process"]["capabilities"]["bounding"] == json({"CAP_CHOWN"}));
  f.in.host_config = {{"CapAdd", {"ALL"}}, {"CapDrop", {"MKNOD"}}};
  CHECK(f.Build()["process"]["capabilities"]["bounding"].size() == AllCapabilities().size() - 1);
  f.in.host_config = {{"CapAdd", {"CAP_FOO"}}};
  CHECK(f.Fail().message() == "HostConfig.CapAdd: unknown capability: \"CAP_FOO\"");
}

TEST_CASE("spec: privileged", "[spec]") {
  Fixture f;
  f.in.host_config = {{"Privileged", true}};
  f.in.host_dev = f.dir.Sub("nodev");  // keep the host's /dev out of this test
  json s = f.Build();
  CHECK(s["process"]["capabilities"]["bounding"] == json(AllCapabilities()));
  CHECK(s["linux"]["maskedPaths"].empty());
  CHECK(s["linux"]["readonlyPaths"].empty());
  CHECK(!s["linux"].contains("seccomp"));
  CHECK(HasOption(*FindMount(s, "/sys"), "rw"));
  CHECK(s["linux"]["resources"]["devices"] == json({{{"allow", true}, {"access", "rwm"}}}));
}

TEST_CASE("spec: resources", "[spec]") {
  Fixture f;
  f.in.host_config = {{"Memory", 64 << 20},     {"MemoryReservation", 32 << 20},
                      {"MemorySwappiness", 10}, {"NanoCpus", 1500000000},
                      {"CpuShares", 512},       {"CpusetCpus", "0"},
                      {"PidsLimit", 100},       {"BlkioWeight", 300},
                      {"OomScoreAdj", 500}};
  json s = f.Build();
  json r = s["linux"]["resources"];
  CHECK(r["memory"]["limit"] == 64 << 20);
  CHECK(r["memory"]["swap"] == 128 << 20);  // docker's default: twice the limit
  CHECK(r["memory"]["reservation"] == 32 << 20);
  CHECK(r["memory"]["swappiness"] == 10);
  CHECK(r["cpu"]["quota"] == 150000);
  CHECK(r["cpu"]["period"] == 100000);
  CHECK(r["cpu"]["shares"] == 512);
  CHECK(r["cpu"]["cpus"] == "0");
  CHECK(r["pids"]["limit"] == 100);
  CHECK(r["blockIO"]["weight"] == 300);
  CHECK(s["process"]["oomScoreAdj"] == 500);

  f.in.host_config = {{"Memory", 64 << 20},
                      {"MemorySwap", -1},
                      {"CpuQuota", 50000},
                      {"CpuPeriod", 200000},
                      {"PidsLimit", -1}};
  r = f.Build()["linux"]["resources"];
  CHECK(r["memory"]["swap"] == -1);
  CHECK(r["cpu"]["quota"] == 50000);
  CHECK(r["cpu"]["period"] == 200000);
  CHECK(!r.contains("pids"));
}

TEST_CASE("spec: ulimits, read-only root, no-new-privileges, shm, cgroup parent", "[spec]") {
  Fixture f;
  f.in.default_ulimits = {{"nofile", 1024, 2048}, {"nproc", 100, 100}};
  f.in.host_config = {{"Ulimits",
                       {{{"Name", "nofile"}, {"Soft", 10}, {"Hard", 20}},
                        {{"Name", "core"}, {"Soft", -1}, {"Hard", -1}}}},
                      {"ReadonlyRootfs", true},
                      {"SecurityOpt", {"no-new-privileges:true"}},
                      {"ShmSize", 1 << 20},
                      {"CgroupParent", "/custom"}};
  json s = f.Build();
  CHECK(s["process"]["rlimits"] ==
        json({{{"type", "RLIMIT_NOFILE"}, {"soft", 10}, {"hard", 20}},
              {{"type", "RLIMIT_NPROC"}, {"soft", 100}, {"hard", 100}},
              {{"type", "RLIMIT_CORE"}, {"soft", UINT64_MAX}, {"hard", UINT64_MAX}}}));
  CHECK(s["root"]["readonly"] == true);
  CHECK(s["process"]["noNewPrivileges"] == true);
  CHECK(HasOption(*FindMount(s, "/dev/shm"), "size=1048576"));
  CHECK(s["linux"]["cgroupsPath"] == "/custom/" + kId);
  f.in.host_config = {{"SecurityOpt", {"no-new-privileges"}}};
  CHECK(f.Build()["process"]["noNewPrivileges"] == true);
}

TEST_CASE("spec: seccomp options", "[spec]") {
  Fixture f;
  f.in.host_config = {{"SecurityOpt", {"seccomp=unconfined"}}};
  CHECK(!f.Build()["linux"].contains("seccomp"));
  f.in.host_config = {
      {"SecurityOpt", {R"(seccomp={"defaultAction":"SCMP_ACT_LOG","syscalls":[]})"}}};
  CHECK(f.Build()["linux"]["seccomp"] ==
        json({{"defaultAction", "SCMP_ACT_LOG"}, {"syscalls", json::array()}}));
  // The default profile's CAP_SYS_ADMIN rules follow CapAdd.
  auto allows_mount = [](const json& s) {
    for (const json& r : s["linux"]["seccomp"]["syscalls"]) {
      for (const json& n : r["names"]) {
        if (n == "mount" && r["action"] == "SCMP_ACT_ALLOW") return true;
      }
    }
    return false;
  };
  f.in.host_config = json::object();
  CHECK(!allows_mount(f.Build()));
  f.in.host_config = {{"CapAdd", {"SYS_ADMIN"}}};
  CHECK(allows_mount(f.Build()));
}

TEST_CASE("spec: mounts replace defaults and sort by depth", "[spec]") {
  Fixture f;
  f.in.mounts = {{"/data/sub", "bind", "/h/sub", {"rbind"}},
                 {"/data", "bind", "/h/data", {"rbind"}},
                 {"/dev/shm", "bind", "/h/shm", {"rbind"}}};
  json s = f.Build();
  CHECK((*FindMount(s, "/dev/shm"))["source"] == "/h/shm");
  size_t shm_count = 0, data = 0, sub = 0, dev = 0, devshm = 0;
  for (size_t i = 0; i < s["mounts"].size(); ++i) {
    const std::string d = s["mounts"][i]["destination"];
    if (d == "/dev/shm") shm_count++, devshm = i;
    if (d == "/data") data = i;
    if (d == "/data/sub") sub = i;
    if (d == "/dev") dev = i;
  }
  CHECK(shm_count == 1);
  CHECK(data < sub);
  CHECK(dev < devshm);
}

TEST_CASE("spec: devices", "[spec]") {
  Fixture f;
  f.in.host_config = {{"Devices",
                       {{{"PathOnHost", "/dev/null"},
                         {"PathInContainer", "/dev/mynull"},
                         {"CgroupPermissions", "rw"}}}},
                      {"DeviceCgroupRules", {"c 42:* rmw"}}};
  json s = f.Build();
  REQUIRE(s["linux"]["devices"].size() == 1);
  json d = s["linux"]["devices"][0];
  CHECK(d["path"] == "/dev/mynull");
  CHECK(d["type"] == "c");
  CHECK(d["major"] == 1);
  CHECK(d["minor"] == 3);
  json rules = s["linux"]["resources"]["devices"];
  CHECK(rules[rules.size() - 2] ==
        json({{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"access", "rw"}}));
  CHECK(rules.back() == json({{"allow", true}, {"type", "c"}, {"major", 42}, {"access", "rmw"}}));
  f.in.host_config = {{"Devices", {"/dev/does-not-exist"}}};
  CHECK(!BuildSpec(f.in).ok());
}

TEST_CASE("spec: host namespaces", "[spec]") {
  Fixture f;
  f.in.host_config = {{"NetworkMode", "host"}, {"PidMode", "host"}, {"IpcMode", "host"}};
  json s = f.Build();
  CHECK(!HasNs(s, "network"));
  CHECK(!HasNs(s, "uts"));
  CHECK(!HasNs(s, "pid"));
  CHECK(!HasNs(s, "ipc"));
  CHECK(HasNs(s, "mount"));
  CHECK(!s.contains("hostname"));
  CHECK(s["process"]["env"][1] == "HOSTNAME=the-host");
  CHECK(FindMount(s, "/dev/shm") == nullptr);

  f.in.host_config = {{"NetworkMode", "none"}, {"UTSMode", "host"}};
  s = f.Build();
  CHECK(HasNs(s, "network"));
  CHECK(!HasNs(s, "uts"));

  f.in.host_config = {{"NetworkMode", "bridge"}};
  f.in.network_namespace_path = "/run/netns/x";
  s = f.Build();
  CHECK(s["linux"]["namespaces"][1] == json({{"type", "network"}, {"path", "/run/netns/x"}}));

  f.in.network_namespace_path.clear();
  f.in.host_config = {{"NetworkMode", "container:abc"}};
  CHECK(!BuildSpec(f.in).ok());
  f.in.host_config = {{"NetworkMode", "host"}, {"Sysctls", {{"net.ipv4.ip_forward", "1"}}}};
  CHECK(f.Fail().message() ==
        "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace");
  f.in.host_config = {{"Sysctls", {{"kernel.msgmax", "65536"}}}};
  CHECK(f.Build()["linux"]["sysctl"]["kernel.msgmax"] == "65536");
}

}  // namespace
}  // namespace berth::engined::spec
