// Option volumes (docker's local driver with type/device/o) really
// mounted at first use and unmounted at last release or remove. Runs in a
// private mount namespace so nothing leaks to the host even on failure.
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "engined/volumes/local_driver.h"
#include "engined/volumes/volume_store.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::engined::volumes {
namespace {

using berth::testing::ValueOrFail;

void PrivateMountNamespace() {
  berth::testing::RequireRoot();
  static bool done = false;
  if (done) return;
  REQUIRE(::unshare(CLONE_NEWNS) == 0);
  REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
  done = true;
}

bool Mounted(const std::string& path) { return ValueOrFail(IsMountPoint(path)); }

TEST_CASE("a tmpfs option volume is mounted on first use, unmounted on last", "[volumes][root]") {
  PrivateMountNamespace();
  berth::testing::TempDir dir;
  auto store = ValueOrFail(VolumeStore::Open(dir.path()));
  VolumeCreateOptions o;
  o.name = "scratch";
  o.options = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=10m,uid=1000,nosuid"}};
  Volume v = ValueOrFail(store->Create(o));
  CHECK_FALSE(Mounted(v.mountpoint));

  CHECK(ValueOrFail(store->Acquire("scratch", "c1")) == v.mountpoint);
  REQUIRE(Mounted(v.mountpoint));
  struct statfs sfs;
  REQUIRE(::statfs(v.mountpoint.c_str(), &sfs) == 0);
  CHECK(sfs.f_type == TMPFS_MAGIC);
  CHECK(static_cast<uint64_t>(sfs.f_blocks) * static_cast<uint64_t>(sfs.f_bsize) == 10u << 20);
  struct statvfs svfs;
  REQUIRE(::statvfs(v.mountpoint.c_str(), &svfs) == 0);
  CHECK((svfs.f_flag & ST_NOSUID) != 0);
  struct stat st;
  REQUIRE(::stat(v.mountpoint.c_str(), &st) == 0);
  CHECK(st.st_uid == 1000);
  REQUIRE_OK(WriteFile(v.mountpoint + "/x", "in tmpfs"));

  REQUIRE_OK(store->Acquire("scratch", "c2").status());
  REQUIRE_OK(store->Release("scratch", "c1"));
  CHECK(Mounted(v.mountpoint));  // c2 still uses it
  REQUIRE_OK(store->Release("scratch", "c2"));
  CHECK_FALSE(Mounted(v.mountpoint));
  CHECK_FALSE(PathExists(v.mountpoint + "/x"));  // the tmpfs content went with it

  // Remove of a mounted volume (e.g. refs lost in a restart) unmounts first.
  REQUIRE_OK(store->Acquire("scratch", "c3").status());
  {
    auto reopened = ValueOrFail(VolumeStore::Open(dir.path()));
    CHECK(reopened->References("scratch").empty());
    REQUIRE_OK(reopened->Acquire("scratch", "c3").status());  // no second mount stacked
    REQUIRE_OK(reopened->Release("scratch", "c3"));
    CHECK_FALSE(Mounted(v.mountpoint));
    REQUIRE_OK(store->Release("scratch", "c3"));
    REQUIRE_OK(reopened->Acquire("scratch", "c4").status());
    REQUIRE(Mounted(v.mountpoint));
    CHECK(reopened->Remove("scratch", true).code() == absl::StatusCode::kFailedPrecondition);
    REQUIRE_OK(reopened->Release("scratch", "c4"));
    REQUIRE_OK(reopened->Remove("scratch", false));
    CHECK_FALSE(PathExists(v.mountpoint));
  }
}

TEST_CASE("a bind option volume shows the host dir, read-only when asked", "[volumes][root]") {
  PrivateMountNamespace();
  berth::testing::TempDir dir;
  std::string host = dir.Sub("hostdir");
  REQUIRE_OK(MkdirAll(host));
  REQUIRE_OK(WriteFile(host + "/h", "host file"));
  auto store = ValueOrFail(VolumeStore::Open(dir.Sub("root")));
  VolumeCreateOptions o;
  o.name = "hostbind";
  o.options = {{"type", "none"}, {"device", host}, {"o", "bind,ro"}};
  Volume v = ValueOrFail(store->Create(o));
  REQUIRE_OK(store->Acquire("hostbind", "c1").status());
  REQUIRE(Mounted(v.mountpoint));
  CHECK(ValueOrFail(ReadFile(v.mountpoint + "/h")) == "host file");
  CHECK_FALSE(WriteFile(v.mountpoint + "/w", "x").ok());
  REQUIRE_OK(store->Release("hostbind", "c1"));
  CHECK_FALSE(Mounted(v.mountpoint));
  REQUIRE_OK(store->Remove("hostbind", false));
  // Removing the volume never touches the host dir it bound.
  CHECK(ValueOrFail(ReadFile(host + "/h")) == "host file");
}

TEST_CASE("a failing mount leaves no reference", "[volumes][root]") {
  PrivateMountNamespace();
  berth::testing::TempDir dir;
  auto store = ValueOrFail(VolumeStore::Open(dir.path()));
  VolumeCreateOptions o;
  o.name = "broken";
  o.options = {{"type", "berthnofs"}, {"device", "x"}};
  REQUIRE_OK(store->Create(o).status());
  absl::StatusOr<std::string> got = store->Acquire("broken", "c1");
  REQUIRE_FALSE(got.ok());
  CHECK(std::string(got.status().message()).rfind("mount volume broken:", 0) == 0);
  CHECK(store->References("broken").empty());
  REQUIRE_OK(store->Remove("broken", false));
}

}  // namespace
}  // namespace berth::engined::volumes
