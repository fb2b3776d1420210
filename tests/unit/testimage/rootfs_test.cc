#include "tests/testimage/rootfs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testimage {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;

struct stat Lstat(const std::string& path) {
  struct stat st {};
  INFO(path);
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

std::string Readlink(const std::string& path) {
  char buf[256];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  REQUIRE(n > 0);
  return std::string(buf, static_cast<size_t>(n));
}

TEST_CASE("CreateRootfs installs busybox and a symlink per applet", "[testimage][rootfs]") {
  TempDir tmp;
  std::string root = tmp.Sub("rootfs");
  REQUIRE_OK(CreateRootfs(root, {}));

  struct stat busybox = Lstat(root + "/bin/busybox");
  CHECK(S_ISREG(busybox.st_mode));
  CHECK((busybox.st_mode & 07777) == 0755);
  CHECK(busybox.st_size == Lstat("/bin/busybox").st_size);

  CHECK(S_ISLNK(Lstat(root + "/bin/sh").st_mode));
  CHECK(Readlink(root + "/bin/sh") == "/bin/busybox");
  CHECK(Readlink(root + "/usr/bin/env") == "/bin/busybox");

  std::vector<std::string> applets = ValueOrFail(ListBusyboxApplets("/bin/busybox"));
  CHECK(applets.size() > 100);
  for (const std::string& applet : applets) {
    INFO(applet);
    CHECK(PathExists(JoinPath(root, applet)));
  }
}

TEST_CASE("CreateRootfs lays out directories and /etc", "[testimage][rootfs]") {
  TempDir tmp;
  std::string root = tmp.Sub("rootfs");
  REQUIRE_OK(CreateRootfs(root, {}));

  for (const char* dir :
       {"proc", "sys", "dev", "tmp", "etc", "root", "home", "run", "var", "mnt"}) {
    INFO(dir);
    CHECK(S_ISDIR(Lstat(JoinPath(root, dir)).st_mode));
  }
  CHECK((Lstat(root + "/tmp").st_mode & 07777) == 01777);

  std::string passwd = ValueOrFail(ReadFile(root + "/etc/passwd"));
  CHECK(passwd.find("root:x:0:0:") != std::string::npos);
  CHECK(passwd.find("berth:x:1000:1000:") != std::string::npos);
  CHECK(passwd.find("nobody:x:65534:65534:") != std::string::npos);
  std::string group = ValueOrFail(ReadFile(root + "/etc/group"));
  CHECK(group.find("berth:x:1000:") != std::string::npos);
  CHECK(ValueOrFail(ReadFile(root + "/etc/hostname")).empty());
  CHECK(ValueOrFail(ReadFile(root + "/etc/hosts")).find("127.0.0.1\tlocalhost") !=
        std::string::npos);
}

TEST_CASE("CreateRootfs copies extra files with their mode", "[testimage][rootfs]") {
  TempDir tmp;
  std::string host_file = tmp.Sub("tool");
  REQUIRE_OK(WriteFile(host_file, "#!/bin/sh\necho tool\n"));
  RootfsOptions opts;
  opts.extra_files.push_back({host_file, kProbeContainerPath, 0755});
  opts.extra_files.push_back({host_file, "/usr/local/share/tool.txt", 0600});
  std::string root = tmp.Sub("rootfs");
  REQUIRE_OK(CreateRootfs(root, opts));

  CHECK(ValueOrFail(ReadFile(root + "/bin/berth-probe")) == "#!/bin/sh\necho tool\n");
  CHECK((Lstat(root + "/bin/berth-probe").st_mode & 07777) == 0755);
  CHECK((Lstat(root + "/usr/local/share/tool.txt").st_mode & 07777) == 0600);
  CHECK((Lstat(root + "/usr/local/share").st_mode & 07777) == 0755);
}

TEST_CASE("CreateRootfs over an existing rootfs replaces files", "[testimage][rootfs]") {
  TempDir tmp;
  std::string root = tmp.Sub("rootfs");
  REQUIRE_OK(CreateRootfs(root, {}));
  REQUIRE_OK(WriteFile(root + "/etc/passwd", "changed\n"));
  REQUIRE_OK(CreateRootfs(root, {}));
  CHECK(ValueOrFail(ReadFile(root + "/etc/passwd")).starts_with("root:x:0:0:"));
}

TEST_CASE("CreateRootfs errors name the missing file", "[testimage][rootfs]") {
  TempDir tmp;
  RootfsOptions opts;
  opts.busybox = tmp.Sub("no-busybox");
  absl::Status status = CreateRootfs(tmp.Sub("rootfs"), opts);
  REQUIRE_FALSE(status.ok());
  CHECK(std::string(ToStd(status.message())).find(opts.busybox) != std::string::npos);

  RootfsOptions extra;
  extra.extra_files.push_back({tmp.Sub("no-probe"), kProbeContainerPath, 0755});
  status = CreateRootfs(tmp.Sub("rootfs2"), extra);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(std::string(ToStd(status.message())).find("no-probe") != std::string::npos);
}

}  // namespace
}  // namespace berth::testimage
