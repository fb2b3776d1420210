#include "runtime/linux/path_resolve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testutil/temp_dir.h"

namespace berth::runtime::linux {
namespace {

std::string RealPath(int fd) {
  char buf[4096];
  ssize_t n = readlink(ProcFdPath(fd).c_str(), buf, sizeof(buf));
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

TEST_CASE("symlinks and .. never leave the root", "[path_resolve]") {
  testing::TempDir dir;
  std::string root = dir.Sub("rootfs");
  REQUIRE(MkdirAll(root + "/etc").ok());
  REQUIRE(symlink("/", (root + "/abs").c_str()) == 0);
  REQUIRE(symlink("../../../../..", (root + "/up").c_str()) == 0);
  UniqueFd root_fd(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(root_fd.ok());

  auto a = OpenInRoot(root_fd.get(), "/abs/etc", O_PATH);
  REQUIRE(a.ok());
  CHECK(RealPath(a->get()) == root + "/etc");
  auto b = OpenInRoot(root_fd.get(), "/up/etc", O_PATH);
  REQUIRE(b.ok());
  CHECK(RealPath(b->get()) == root + "/etc");
  auto c = OpenInRoot(root_fd.get(), "../../etc", O_PATH);
  REQUIRE(c.ok());
  CHECK(RealPath(c->get()) == root + "/etc");
}

TEST_CASE("MkdirAllInRoot creates through dangling symlinks inside the root", "[path_resolve]") {
  testing::TempDir dir;
  std::string root = dir.Sub("rootfs");
  REQUIRE(MkdirAll(root + "/var").ok());
  REQUIRE(symlink("/run", (root + "/var/run").c_str()) == 0);     // dangling, absolute
  REQUIRE(symlink("/../../outside", (root + "/evil").c_str()) == 0);
  UniqueFd root_fd(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));

  auto made = MkdirAllInRoot(root_fd.get(), "/var/run/secrets/x", 0755);
  REQUIRE(made.ok());
  CHECK(RealPath(made->get()) == root + "/run/secrets/x");
  auto evil = MkdirAllInRoot(root_fd.get(), "/evil/sub", 0755);
  REQUIRE(evil.ok());
  CHECK(RealPath(evil->get()) == root + "/outside/sub");
  CHECK_FALSE(PathExists(dir.path() + "/../outside"));
}

TEST_CASE("CreateMountPoint makes files for file sources", "[path_resolve]") {
  testing::TempDir dir;
  std::string root = dir.Sub("rootfs");
  REQUIRE(MkdirAll(root).ok());
  UniqueFd root_fd(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  auto f = CreateMountPoint(root_fd.get(), "/etc/resolv.conf", false);
  REQUIRE(f.ok());
  struct stat st;
  REQUIRE(stat((root + "/etc/resolv.conf").c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  auto d = CreateMountPoint(root_fd.get(), "/data", true);
  REQUIRE(d.ok());
  REQUIRE(stat((root + "/data").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
}

}  // namespace
}  // namespace berth::runtime::linux
