// Copy-up as root: owners, modes, timestamps, symlinks, xattrs, and no
// escape through a symlink out of the rootfs.
#include "engined/volumes/copy_up.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::engined::volumes {
namespace {

using berth::testing::ValueOrFail;

struct stat Lstat(const std::string& path) {
  struct stat st = {};
  INFO(path);
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

bool DirEmpty(const std::string& path) {
  struct stat st;
  std::string probe;
  for (const char* n : {"secret", "f", "etc"}) {
    if (::lstat((path + "/" + n).c_str(), &st) == 0) return false;
  }
  return true;
}

void SetTimes(const std::string& path, time_t sec) {
  struct timespec ts[2] = {{sec, 0}, {sec, 500}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0);
}

TEST_CASE("copy-up keeps owners, modes, times, symlinks and xattrs", "[volumes][root]") {
  berth::testing::RequireRoot();
  berth::testing::TempDir dir;
  std::string rootfs = dir.Sub("rootfs");
  std::string src = rootfs + "/var/data";
  REQUIRE_OK(MkdirAll(src + "/sub"));
  REQUIRE_OK(WriteFile(src + "/f", "hello", 0640));
  REQUIRE(::chown((src + "/f").c_str(), 1000, 1001) == 0);
  REQUIRE(::chmod((src + "/f").c_str(), 04750) == 0);  // set-uid survives the chown
  REQUIRE_OK(WriteFile(src + "/sub/g", "g", 0600));
  REQUIRE(::chown((src + "/sub").c_str(), 7, 8) == 0);
  REQUIRE(::chmod((src + "/sub").c_str(), 0711) == 0);
  REQUIRE(::link((src + "/f").c_str(), (src + "/hard").c_str()) == 0);
  REQUIRE(::symlink("/etc/shadow", (src + "/abs-link").c_str()) == 0);
  REQUIRE(::symlink("sub/g", (src + "/rel-link").c_str()) == 0);
  REQUIRE(::lchown((src + "/rel-link").c_str(), 5, 6) == 0);
  REQUIRE(::mkfifo((src + "/fifo").c_str(), 0620) == 0);
  REQUIRE(::chmod((src + "/fifo").c_str(), 0620) == 0);  // past the umask
  bool xattrs = ::setxattr((src + "/f").c_str(), "user.berth", "v1", 2, 0) == 0;
  REQUIRE(::chown(src.c_str(), 1234, 5678) == 0);
  REQUIRE(::chmod(src.c_str(), 0750) == 0);
  SetTimes(src + "/f", 1000000000);
  SetTimes(src + "/sub", 1100000000);
  SetTimes(src + "/rel-link", 1200000000);
  SetTimes(src, 1300000000);

  std::string vol = dir.Sub("vol/_data");
  REQUIRE_OK(MkdirAll(vol));
  REQUIRE_OK(CopyImageContent(rootfs, "/var/data", vol));

  CHECK(ValueOrFail(ReadFile(vol + "/f")) == "hello");
  struct stat f = Lstat(vol + "/f");
  CHECK(f.st_uid == 1000);
  CHECK(f.st_gid == 1001);
  CHECK((f.st_mode & 07777) == 04750);
  CHECK(f.st_mtim.tv_sec == 1000000000);
  CHECK(f.st_mtim.tv_nsec == 500);
  // A hardlink becomes its own file with the same content.
  struct stat hard = Lstat(vol + "/hard");
  CHECK(hard.st_ino != f.st_ino);
  CHECK(ValueOrFail(ReadFile(vol + "/hard")) == "hello");

  struct stat sub = Lstat(vol + "/sub");
  CHECK(sub.st_uid == 7);
  CHECK(sub.st_gid == 8);
  CHECK((sub.st_mode & 07777) == 0711);
  CHECK(sub.st_mtim.tv_sec == 1100000000);
  CHECK(ValueOrFail(ReadFile(vol + "/sub/g")) == "g");

  struct stat abs = Lstat(vol + "/abs-link");
  REQUIRE(S_ISLNK(abs.st_mode));
  char buf[256] = {};
  REQUIRE(::readlink((vol + "/abs-link").c_str(), buf, sizeof(buf) - 1) > 0);
  CHECK(std::string(buf) == "/etc/shadow");
  struct stat rel = Lstat(vol + "/rel-link");
  REQUIRE(S_ISLNK(rel.st_mode));
  CHECK(rel.st_uid == 5);
  CHECK(rel.st_mtim.tv_sec == 1200000000);
  CHECK(S_ISFIFO(Lstat(vol + "/fifo").st_mode));
  CHECK((Lstat(vol + "/fifo").st_mode & 07777) == 0620);

  // The volume root takes the image dir's owner and mode.
  struct stat root = Lstat(vol);
  CHECK(root.st_uid == 1234);
  CHECK(root.st_gid == 5678);
  CHECK((root.st_mode & 07777) == 0750);
  CHECK(root.st_mtim.tv_sec == 1300000000);

  if (xattrs) {
    char value[8] = {};
    CHECK(::getxattr((vol + "/f").c_str(), "user.berth", value, sizeof(value)) == 2);
    CHECK(std::string(value) == "v1");
  } else {
    WARN("no user xattrs on this filesystem; xattr copy not checked");
  }

  // A volume with content is left alone.
  REQUIRE_OK(WriteFile(src + "/new", "n"));
  REQUIRE_OK(CopyImageContent(rootfs, "/var/data", vol));
  CHECK_FALSE(PathExists(vol + "/new"));
  // A path the image lacks, or a file, copies nothing.
  std::string vol2 = dir.Sub("vol2");
  REQUIRE_OK(MkdirAll(vol2));
  REQUIRE_OK(CopyImageContent(rootfs, "/not/there", vol2));
  REQUIRE_OK(CopyImageContent(rootfs, "/var/data/f", vol2));
  CHECK(DirEmpty(vol2));
}

TEST_CASE("copy-up never follows a symlink out of the rootfs", "[volumes][root]") {
  berth::testing::RequireRoot();
  berth::testing::TempDir dir;
  std::string host = dir.Sub("host");  // what must never be copied
  REQUIRE_OK(MkdirAll(host));
  REQUIRE_OK(WriteFile(host + "/secret", "host secret"));
  std::string rootfs = dir.Sub("rootfs");
  REQUIRE_OK(MkdirAll(rootfs + "/etc"));
  REQUIRE_OK(WriteFile(rootfs + "/etc/f", "image etc"));
  // Absolute, relative-climbing and chained links to the host dir.
  REQUIRE(::symlink(host.c_str(), (rootfs + "/abs").c_str()) == 0);
  REQUIRE(::symlink("../../../../../../../..", (rootfs + "/up").c_str()) == 0);
  REQUIRE(::symlink("/abs", (rootfs + "/chain").c_str()) == 0);
  REQUIRE(::symlink("/etc", (rootfs + "/to-etc").c_str()) == 0);

  for (const char* dest : {"/abs", "/chain"}) {
    INFO(dest);
    std::string vol = dir.Sub(std::string("vol") + (dest + 1));
    REQUIRE_OK(MkdirAll(vol));
    REQUIRE_OK(CopyImageContent(rootfs, dest, vol));
    CHECK_FALSE(PathExists(vol + "/secret"));
    CHECK(DirEmpty(vol));
  }
  // "/up/<host path>" resolves inside the rootfs, where it does not exist.
  std::string vol_up = dir.Sub("vol-up");
  REQUIRE_OK(MkdirAll(vol_up));
  REQUIRE_OK(CopyImageContent(rootfs, "/up" + host, vol_up));
  CHECK_FALSE(PathExists(vol_up + "/secret"));
  // "/up" itself is the rootfs root, never the host's "/".
  std::string vol_root = dir.Sub("vol-root");
  REQUIRE_OK(MkdirAll(vol_root));
  REQUIRE_OK(CopyImageContent(rootfs, "/up", vol_root));
  CHECK(PathExists(vol_root + "/etc/f"));
  CHECK_FALSE(PathExists(vol_root + "/proc"));
  CHECK_FALSE(PathExists(vol_root + "/secret"));
  // A link inside the rootfs resolves inside it.
  std::string vol_etc = dir.Sub("vol-etc");
  REQUIRE_OK(MkdirAll(vol_etc));
  REQUIRE_OK(CopyImageContent(rootfs, "/to-etc", vol_etc));
  CHECK(ValueOrFail(ReadFile(vol_etc + "/f")) == "image etc");
}

TEST_CASE("PopulateVolumes copies into new volumes unless nocopy", "[volumes][root]") {
  berth::testing::RequireRoot();
  berth::testing::TempDir dir;
  std::string rootfs = dir.Sub("rootfs");
  REQUIRE_OK(MkdirAll(rootfs + "/a"));
  REQUIRE_OK(MkdirAll(rootfs + "/b"));
  REQUIRE_OK(WriteFile(rootfs + "/a/x", "ax"));
  REQUIRE_OK(WriteFile(rootfs + "/b/y", "by"));
  auto store = ValueOrFail(VolumeStore::Open(dir.Sub("data")));
  MountRequest req;
  req.container_id = "c1";
  req.binds = {"va:/a", "vb:/b:nocopy"};
  req.volumes = {"/a", "/b"};
  ResolvedMounts r = ValueOrFail(ResolveMounts(*store, req, nullptr));
  REQUIRE_OK(PopulateVolumes(r, rootfs));
  CHECK(ValueOrFail(ReadFile(ValueOrFail(store->Get("va")).mountpoint + "/x")) == "ax");
  CHECK_FALSE(PathExists(ValueOrFail(store->Get("vb")).mountpoint + "/y"));
}

}  // namespace
}  // namespace berth::engined::volumes
