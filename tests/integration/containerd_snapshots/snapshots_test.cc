// The snapshotters on disk, as root. Mounts happen only in forked children
// that first unshare their mount namespace (and make it private), so every
// mount disappears with the child, whatever the test's outcome.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "containerd/core/metadata/namespaces.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/native.h"
#include "containerd/core/snapshots/overlay.h"
#include "tests/integration/runtime/forked_child.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::containerd::snapshots {
namespace {

using testing::ValueOrFail;

std::string Msg(const absl::Status& s) { return std::string(ToStd(s.message())); }

// A store and a snapshotter root in one temp dir.
struct Env {
  Env() : dir("berth-snapshots") {
    testing::RequireRoot();
    store = ValueOrFail(metadata::Store::Open(dir.Sub("metadata.db")));
  }
  std::string root() const { return dir.Sub("snapshotter"); }

  testing::TempDir dir;
  std::unique_ptr<metadata::Store> store;
};

std::unique_ptr<OverlaySnapshotter> OpenOverlay(Env& env) {
  REQUIRE_OK(MkdirAll(env.root(), 0700));
  if (!OverlaySupported(env.root())) testing::Skip("overlayfs does not mount on " + env.root());
  return ValueOrFail(OverlaySnapshotter::Open(env.root(), env.store.get()));
}

// The value of option `name=` in `m`, or "".
std::string Option(const Mount& m, const std::string& name) {
  for (const std::string& o : m.options) {
    if (o.starts_with(name + "=")) return o.substr(name.size() + 1);
  }
  return "";
}

// Where a layer's files go when unpacked: the bind source of an empty
// snapshot, the upper dir of one on a parent.
std::string WritableDir(const std::vector<Mount>& mounts) {
  REQUIRE(mounts.size() == 1);
  if (mounts[0].type == "bind") return mounts[0].source;
  std::string upper = Option(mounts[0], "upperdir");
  REQUIRE(!upper.empty());
  return upper;
}

// The names in directory `dir`.
std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  closedir(d);
  return out;
}

void Write(const std::string& path, const std::string& data) { REQUIRE_OK(WriteFile(path, data)); }

// Mounts `mounts` on a fresh directory in a child with a private mount
// namespace and runs `check(target)` there; "" from it means success,
// anything else is the failure, shown by the test.
std::string InMount(const std::vector<Mount>& mounts,
                    const std::function<std::string(const std::string&)>& check) {
  testing::TempDir target("berth-snapshot-mnt");
  testing::ChildResult r = testing::RunInChild([&](int out) {
    if (unshare(CLONE_NEWNS) != 0) return testing::Report(out, "unshare failed", 1);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return testing::Report(out, "make / private failed", 1);
    }
    absl::Status s = MountAll(mounts, target.path());
    if (!s.ok()) return testing::Report(out, Msg(s), 1);
    std::string problem = check(target.path());
    if (!problem.empty()) return testing::Report(out, problem, 1);
    return 0;
  });
  if (!r.ok) return "child did not finish";
  if (!r.status.success()) return "child failed: " + r.output;
  return "";
}

std::string Expect(const std::string& path, const std::string& want) {
  absl::StatusOr<std::string> got = ReadFile(path);
  if (!got.ok()) return Msg(got.status());
  if (*got != want) return path + ": got \"" + *got + "\", want \"" + want + "\"";
  return "";
}

std::string ExpectMissing(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) return path + " exists";
  if (errno != ENOENT) return path + ": " + strerror(errno);
  return "";
}

std::string ExpectReadOnly(const std::string& dir) {
  int fd = open((dir + "/new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    close(fd);
    return "created a file in a read-only mount";
  }
  if (errno != EROFS) return std::string("create in a read-only mount: ") + strerror(errno);
  return "";
}

// Three layers: layer1 has a, dir/b, gone; layer2 replaces a and whites out
// gone (a 0:0 char device in its upper dir); layer3 adds d.
void BuildChain(Snapshotter& sn) {
  std::string w = WritableDir(ValueOrFail(sn.Prepare("default", "x1", "", {})));
  Write(w + "/a", "a1");
  REQUIRE_OK(MkdirAll(w + "/dir"));
  Write(w + "/dir/b", "b1");
  Write(w + "/gone", "gone");
  REQUIRE_OK(sn.Commit("default", "layer1", "x1", {}));

  w = WritableDir(ValueOrFail(sn.Prepare("default", "x2", "layer1", {})));
  Write(w + "/a", "a2");
  if (sn.name() == kOverlaySnapshotter) {
    REQUIRE(mknod((w + "/gone").c_str(), S_IFCHR | 0, makedev(0, 0)) == 0);
  } else {
    REQUIRE(unlink((w + "/gone").c_str()) == 0);
  }
  REQUIRE_OK(sn.Commit("default", "layer2", "x2", {}));

  w = WritableDir(ValueOrFail(sn.Prepare("default", "x3", "layer2", {})));
  Write(w + "/d", "d3");
  REQUIRE_OK(sn.Commit("default", "layer3", "x3", {}));
}

std::string CheckChainView(const std::string& t) {
  for (const std::string& p : {Expect(t + "/a", "a2"), Expect(t + "/dir/b", "b1"),
                               Expect(t + "/d", "d3"), ExpectMissing(t + "/gone")}) {
    if (!p.empty()) return p;
  }
  return "";
}

TEST_CASE("overlayfs snapshotter: a chain of three layers mounts as one tree",
          "[snapshots][overlay]") {
  Env env;
  auto sn = OpenOverlay(env);
  BuildChain(*sn);

  std::vector<Mount> rw = ValueOrFail(sn->Prepare("default", "rw", "layer3", {{"l", "v"}}));
  REQUIRE(rw.size() == 1);
  CHECK(rw[0].type == "overlay");
  CHECK(rw[0].target.empty());
  std::vector<std::string> lower = SplitToStrings(Option(rw[0], "lowerdir"), ':');
  REQUIRE(lower.size() == 3);
  CHECK(ValueOrFail(ReadFile(lower[0] + "/d")) == "d3");  // closest first
  CHECK(ValueOrFail(ReadFile(lower[2] + "/dir/b")) == "b1");
  CHECK(ValueOrFail(sn->Mounts("default", "rw")) == rw);

  CHECK(InMount(rw, [](const std::string& t) {
          std::string p = CheckChainView(t);
          if (!p.empty()) return p;
          absl::Status s = WriteFile(t + "/new", "n");
          return s.ok() ? std::string() : Msg(s);
        }) == "");
  // The write landed in the snapshot's own layer.
  CHECK(ValueOrFail(ReadFile(Option(rw[0], "upperdir") + "/new")) == "n");

  Info info = ValueOrFail(sn->Stat("default", "rw"));
  CHECK(info.kind == Kind::kActive);
  CHECK(info.parent == "layer3");
  CHECK(info.labels == Labels{{"l", "v"}});
}

TEST_CASE("overlayfs snapshotter: views and committed snapshots are read-only",
          "[snapshots][overlay]") {
  Env env;
  auto sn = OpenOverlay(env);
  BuildChain(*sn);

  std::vector<Mount> view = ValueOrFail(sn->View("default", "v3", "layer3", {}));
  REQUIRE(view.size() == 1);
  CHECK(view[0].type == "overlay");
  CHECK(Option(view[0], "upperdir").empty());
  CHECK(InMount(view, [](const std::string& t) {
          std::string p = CheckChainView(t);
          return p.empty() ? ExpectReadOnly(t) : p;
        }) == "");

  std::vector<Mount> view1 = ValueOrFail(sn->View("default", "v1", "layer1", {}));
  REQUIRE(view1.size() == 1);
  CHECK(view1[0].type == "bind");
  CHECK(view1[0].options == std::vector<std::string>{"ro", "rbind"});
  CHECK(InMount(view1, [](const std::string& t) {
          std::string p = Expect(t + "/gone", "gone");
          return p.empty() ? ExpectReadOnly(t) : p;
        }) == "");

  std::vector<Mount> committed = ValueOrFail(sn->Mounts("default", "layer3"));
  CHECK(InMount(committed, [](const std::string& t) {
          std::string p = CheckChainView(t);
          return p.empty() ? ExpectReadOnly(t) : p;
        }) == "");
  CHECK(ValueOrFail(sn->Stat("default", "v3")).kind == Kind::kView);
  CHECK(sn->Commit("default", "c", "v3", {}).code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("overlayfs snapshotter: remove keeps parents with children", "[snapshots][overlay]") {
  Env env;
  auto sn = OpenOverlay(env);
  BuildChain(*sn);
  ValueOrFail(sn->Prepare("default", "rw", "layer3", {}));

  absl::Status s = sn->Remove("default", "layer2");
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(sn->Commit("default", "layer1", "rw", {}).code() == absl::StatusCode::kAlreadyExists);
  CHECK(sn->Prepare("default", "rw", "", {}).status().code() == absl::StatusCode::kAlreadyExists);

  std::vector<std::string> names;
  for (const Info& i : ValueOrFail(sn->List("default", {}))) names.push_back(i.name);
  CHECK(names == std::vector<std::string>{"layer1", "layer2", "layer3", "rw"});

  for (const char* key : {"rw", "layer3", "layer2", "layer1"}) {
    REQUIRE_OK(sn->Remove("default", key));
  }
  CHECK(ValueOrFail(sn->List("default", {})).empty());
  // Every directory went with its record, including those of the failed
  // prepares.
  CHECK(ValueOrFail(sn->Cleanup()).empty());
  CHECK(Entries(env.root() + "/snapshots").empty());
}

TEST_CASE("overlayfs snapshotter: usage counts the layer's bytes and inodes",
          "[snapshots][overlay]") {
  Env env;
  auto sn = OpenOverlay(env);
  std::string w = WritableDir(ValueOrFail(sn->Prepare("default", "u", "", {})));
  Usage empty = ValueOrFail(sn->Usage("default", "u"));
  CHECK(empty.inodes == 1);  // the fs dir itself

  Write(w + "/big", std::string(1 << 20, 'x'));
  REQUIRE(link((w + "/big").c_str(), (w + "/big-link").c_str()) == 0);
  REQUIRE(symlink("/does/not/exist", (w + "/sym").c_str()) == 0);
  REQUIRE(symlink("/", (w + "/root").c_str()) == 0);  // not followed
  Usage u = ValueOrFail(sn->Usage("default", "u"));
  CHECK(u.inodes == 4);  // dir, big (twice linked), two symlinks
  CHECK(u.size >= (1 << 20) + empty.size);
  CHECK(u.size < 2 * (1 << 20));  // the hard link is not counted again

  CHECK(sn->Usage("default", "missing").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("overlayfs snapshotter: a namespace with snapshots cannot be deleted",
          "[snapshots][overlay]") {
  Env env;
  auto sn = OpenOverlay(env);
  ValueOrFail(sn->Prepare("ns1", "a", "", {}));
  auto delete_ns = [&] {
    return env.store->Update(
        [](metadata::Transaction& tx) { return metadata::NamespaceStore(tx).Delete("ns1"); });
  };
  absl::Status s = delete_ns();
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Msg(s) ==
        R"(namespace "ns1" must be empty, but it still has snapshots on "overlayfs" snapshotter)");
  CHECK(sn->Stat("default", "a").status().code() == absl::StatusCode::kNotFound);
  REQUIRE_OK(sn->Remove("ns1", "a"));
  REQUIRE_OK(delete_ns());
}

TEST_CASE("overlayfs snapshotter: Cleanup removes directories no record owns",
          "[snapshots][overlay]") {
  Env env;
  auto sn = OpenOverlay(env);
  ValueOrFail(sn->Prepare("default", "kept", "", {}));
  ValueOrFail(sn->Prepare("default", "lost", "", {}));
  // A crash between Remove's record and its directory.
  int64_t lost = ValueOrFail(env.store->UpdateValue([](metadata::Transaction& tx) {
    return SnapshotRecords(tx, std::string(kOverlaySnapshotter), "default").Remove("lost");
  }));
  REQUIRE(PathExists(sn->SnapshotDir(lost)));
  // A crash in the middle of a Prepare.
  REQUIRE_OK(MkdirAll(env.root() + "/snapshots/new-abc123/fs"));
  Write(env.root() + "/snapshots/new-abc123/fs/f", "x");

  std::vector<std::string> removed = ValueOrFail(sn->Cleanup());
  CHECK(removed ==
        std::vector<std::string>{sn->SnapshotDir(lost), env.root() + "/snapshots/new-abc123"});
  CHECK_FALSE(PathExists(sn->SnapshotDir(lost)));
  CHECK(ValueOrFail(sn->Mounts("default", "kept")).size() == 1);
  CHECK(PathExists(WritableDir(ValueOrFail(sn->Mounts("default", "kept")))));

  // Open runs it too.
  REQUIRE_OK(MkdirAll(env.root() + "/snapshots/424242/fs"));
  sn.reset();
  sn = ValueOrFail(OverlaySnapshotter::Open(env.root(), env.store.get()));
  CHECK_FALSE(PathExists(env.root() + "/snapshots/424242"));
  CHECK(ValueOrFail(sn->Stat("default", "kept")).kind == Kind::kActive);
}

TEST_CASE("overlayfs snapshotter: OverlaySupported leaves nothing behind", "[snapshots][overlay]") {
  Env env;
  REQUIRE_OK(MkdirAll(env.root()));
  CHECK(OverlaySupported(env.root()));
  CHECK(Entries(env.root()).empty());
}

TEST_CASE("native snapshotter: copies give the same tree", "[snapshots][native]") {
  Env env;
  auto sn = ValueOrFail(NativeSnapshotter::Open(env.root(), env.store.get()));
  BuildChain(*sn);

  std::vector<Mount> rw = ValueOrFail(sn->Prepare("default", "rw", "layer3", {}));
  REQUIRE(rw.size() == 1);
  CHECK(rw[0].type == "bind");
  CHECK(rw[0].options == std::vector<std::string>{"rw", "rbind"});
  CHECK(InMount(rw, [](const std::string& t) {
          std::string p = CheckChainView(t);
          if (!p.empty()) return p;
          absl::Status s = WriteFile(t + "/new", "n");
          return s.ok() ? std::string() : Msg(s);
        }) == "");
  std::vector<Mount> view = ValueOrFail(sn->View("default", "v", "layer3", {}));
  CHECK(view[0].options == std::vector<std::string>{"ro", "rbind"});
  CHECK(InMount(view, [](const std::string& t) {
          std::string p = CheckChainView(t);
          if (!p.empty()) return p;
          p = ExpectMissing(t + "/new");  // rw's write is its own
          return p.empty() ? ExpectReadOnly(t) : p;
        }) == "");
  CHECK(sn->Remove("default", "layer3").code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("native snapshotter: the copy keeps every attribute", "[snapshots][native]") {
  Env env;
  auto sn = ValueOrFail(NativeSnapshotter::Open(env.root(), env.store.get()));
  std::string w = WritableDir(ValueOrFail(sn->Prepare("default", "x", "", {})));
  REQUIRE(chmod(w.c_str(), 0711) == 0);
  Write(w + "/f", "data");
  REQUIRE(chmod((w + "/f").c_str(), 04755) == 0);
  REQUIRE(lchown((w + "/f").c_str(), 1234, 5678) == 0);
  REQUIRE(chmod((w + "/f").c_str(), 04755) == 0);  // chown cleared setuid
  REQUIRE(lsetxattr((w + "/f").c_str(), "user.berth", "v1", 2, 0) == 0);
  REQUIRE(link((w + "/f").c_str(), (w + "/f-link").c_str()) == 0);
  REQUIRE(symlink("f", (w + "/sym").c_str()) == 0);
  REQUIRE(lchown((w + "/sym").c_str(), 42, 43) == 0);
  REQUIRE(mknod((w + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  REQUIRE(mkfifo((w + "/fifo").c_str(), 0600) == 0);
  REQUIRE_OK(MkdirAll(w + "/d/e", 0750));
  timespec times[2] = {{1000, 5}, {2000, 7}};
  REQUIRE(utimensat(AT_FDCWD, (w + "/f").c_str(), times, 0) == 0);
  REQUIRE(utimensat(AT_FDCWD, (w + "/d").c_str(), times, 0) == 0);
  REQUIRE_OK(sn->Commit("default", "base", "x", {}));

  std::string c = WritableDir(ValueOrFail(sn->Prepare("default", "copy", "base", {})));
  REQUIRE(c != w);
  auto st = [](const std::string& p) {
    struct stat s;
    REQUIRE(lstat(p.c_str(), &s) == 0);
    return s;
  };
  CHECK((st(c).st_mode & 07777) == 0711);
  struct stat f = st(c + "/f");
  CHECK((f.st_mode & 07777) == 04755);
  CHECK(f.st_uid == 1234);
  CHECK(f.st_gid == 5678);
  CHECK(f.st_mtim.tv_sec == 2000);
  CHECK(f.st_mtim.tv_nsec == 7);
  CHECK(f.st_nlink == 2);
  CHECK(st(c + "/f-link").st_ino == f.st_ino);
  CHECK(f.st_ino != st(w + "/f").st_ino);
  char value[8] = {};
  CHECK(lgetxattr((c + "/f").c_str(), "user.berth", value, sizeof(value)) == 2);
  CHECK(std::string(value) == "v1");
  CHECK(ValueOrFail(ReadFile(c + "/f")) == "data");
  struct stat sym = st(c + "/sym");
  CHECK(S_ISLNK(sym.st_mode));
  CHECK(sym.st_uid == 42);
  struct stat null = st(c + "/null");
  CHECK(S_ISCHR(null.st_mode));
  CHECK(null.st_rdev == makedev(1, 3));
  CHECK(S_ISFIFO(st(c + "/fifo").st_mode));
  CHECK((st(c + "/d").st_mode & 07777) == 0750);
  CHECK(st(c + "/d").st_mtim.tv_sec == 2000);
  CHECK(S_ISDIR(st(c + "/d/e").st_mode));
}

}  // namespace
}  // namespace berth::containerd::snapshots
