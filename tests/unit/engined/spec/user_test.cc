#include "engined/spec/user.h"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::spec {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;

void FakeRootfs(const std::string& root) {
  REQUIRE_OK(MkdirAll(root + "/etc"));
  REQUIRE_OK(WriteFile(root + "/etc/passwd",
                       "root:x:0:0:root:/root:/bin/sh\n"
                       "app:x:1000:1000:app:/home/app:/bin/sh\n"
                       "# comment\n"));
  REQUIRE_OK(WriteFile(root + "/etc/group",
                       "root:x:0:\napp:x:1000:\nwheel:x:10:app,other\naudio:x:29:app\n"
                       "video:x:44:\n"));
}

TEST_CASE("user: names, numbers and groups from the rootfs", "[user]") {
  TempDir dir;
  std::string root = dir.Sub("rootfs");
  FakeRootfs(root);

  ResolvedUser root_user = ValueOrFail(ResolveUser(root, "", {}));
  CHECK(root_user.uid == 0);
  CHECK(root_user.gid == 0);
  CHECK(root_user.home == "/root");

  ResolvedUser app = ValueOrFail(ResolveUser(root, "app", {}));
  CHECK(app.uid == 1000);
  CHECK(app.gid == 1000);
  CHECK(app.additional_gids == std::vector<uint32_t>{10, 29});

  ResolvedUser by_uid = ValueOrFail(ResolveUser(root, "1000", {}));
  CHECK(by_uid.gid == 1000);

  ResolvedUser unknown_uid = ValueOrFail(ResolveUser(root, "4242:4343", {}));
  CHECK(unknown_uid.uid == 4242);
  CHECK(unknown_uid.gid == 4343);

  ResolvedUser with_group = ValueOrFail(ResolveUser(root, "app:video", {"audio", "777"}));
  CHECK(with_group.gid == 44);
  CHECK(with_group.additional_gids == std::vector<uint32_t>{29, 777});

  absl::StatusOr<ResolvedUser> missing = ResolveUser(root, "nobody", {});
  REQUIRE(!missing.ok());
  CHECK(missing.status().message() ==
        "unable to find user nobody: no matching entries in passwd file");
  CHECK(!ResolveUser(root, "app:nogroup", {}).ok());
  CHECK(!ResolveUser(root, "app", {"nogroup"}).ok());
}

TEST_CASE("user: docker cp's copyUIDGID owner, as moby's getUIDGID", "[user]") {
  TempDir dir;
  std::string root = dir.Sub("rootfs");
  FakeRootfs(root);
  using Owner = std::pair<uint32_t, uint32_t>;
  CHECK(ValueOrFail(ResolveCopyOwner(root, "app")) == Owner{1000, 1000});
  CHECK(ValueOrFail(ResolveCopyOwner(root, "1000")) == Owner{1000, 1000});
  CHECK(ValueOrFail(ResolveCopyOwner(root, "app:video")) == Owner{1000, 44});
  CHECK(ValueOrFail(ResolveCopyOwner(root, "app:55")) == Owner{1000, 55});
  // An unlisted uid: gid 0; an empty part: root's 0.
  CHECK(ValueOrFail(ResolveCopyOwner(root, "4242")) == Owner{4242, 0});
  CHECK(ValueOrFail(ResolveCopyOwner(root, ":44")) == Owner{0, 44});
  CHECK(ValueOrFail(ResolveCopyOwner(root, "1000:")) == Owner{1000, 1000});
  absl::StatusOr<Owner> user = ResolveCopyOwner(root, "ghost");
  CHECK(user.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(user.status().message() ==
        "failed to look up user \"ghost\" in container: no matching entries in passwd file");
  absl::StatusOr<Owner> group = ResolveCopyOwner(root, "app:nogroup");
  CHECK(group.status().message() ==
        "failed to look up group \"nogroup\" in container: no matching entries in group file");
}

TEST_CASE("user: a symlinked /etc/passwd cannot escape the rootfs", "[user]") {
  TempDir dir;
  std::string root = dir.Sub("rootfs");
  REQUIRE_OK(MkdirAll(root + "/etc"));
  // A host file the image tries to reach, with a user the rootfs lacks.
  REQUIRE_OK(WriteFile(dir.Sub("host-passwd"), "escaped:x:4321:4321::/:/bin/sh\n"));
  REQUIRE(symlink(dir.Sub("host-passwd").c_str(), (root + "/etc/passwd").c_str()) == 0);
  REQUIRE(symlink("../../../../../../host-passwd", (root + "/etc/group").c_str()) == 0);

  absl::StatusOr<ResolvedUser> escaped = ResolveUser(root, "escaped", {});
  REQUIRE(!escaped.ok());
  CHECK(escaped.status().message() ==
        "unable to find user escaped: no matching entries in passwd file");
  // The link is followed inside the rootfs: a file there is read.
  REQUIRE_OK(MkdirAll(root + dir.path()));
  REQUIRE_OK(WriteFile(root + dir.Sub("host-passwd"), "inside:x:7:7::/:/bin/sh\n"));
  CHECK(ValueOrFail(ResolveUser(root, "inside", {})).uid == 7);
}

}  // namespace
}  // namespace berth::engined::spec
