// ApplyLayer / WriteLayerFromUpper as root: overlay whiteout devices,
// trusted.* xattrs, ownership and device nodes, checked on disk and through
// a real overlay mount in a private mount namespace.
#include <archive.h>
#include <archive_entry.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "containerd/core/diff/diff.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"
#include "tests/unit/containerd/diff/test_layer.h"

namespace berth::containerd::diff {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using namespace berth::containerd::diff::testing;

constexpr ApplyOptions kOverlay{.whiteouts = WhiteoutMode::kOverlay, .allow_devices = true};
constexpr ApplyOptions kDelete{.whiteouts = WhiteoutMode::kDelete, .allow_devices = true};

std::string GetXattr(const std::string& path, const char* name) {
  char value[256];
  ssize_t n = lgetxattr(path.c_str(), name, value, sizeof(value));
  return n < 0 ? "<none>" : std::string(value, static_cast<size_t>(n));
}

bool IsWhiteout(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) &&
         st.st_uid == 0 && st.st_gid == 0;
}

std::vector<TarEntry> BaseLayer() {
  return {Dir("etc"),         File("etc/keep", "k"), File("etc/gone", "g"),  Dir("d"),
          File("d/old", "o"), Dir("d/sub"),          File("d/sub/old", "o"), File("top", "t")};
}

std::vector<TarEntry> ChangeLayer() {
  TarEntry owned = File("owned", "o", 04750);
  owned.uid = 1234;
  owned.gid = 5678;
  owned.xattrs = {{"trusted.berth", "v"}, {"user.berth", "u"}};
  TarEntry link = Symlink("link", "/nowhere");
  link.uid = 42;
  link.gid = 43;
  TarEntry null{.name = "null", .type = AE_IFCHR, .perm = 0666, .dev_major = 1, .dev_minor = 3};
  TarEntry opaque_dir = Dir("d");
  opaque_dir.mtime = 1400000000;
  return {opaque_dir,
          File("d/.wh..wh..opq", ""),
          File("d/new", "n"),
          File("etc/.wh.gone", ""),
          File(".wh.top", ""),
          owned,
          link,
          null};
}

TEST_CASE("ApplyLayer in overlay mode writes whiteout devices, opaque dirs, owners",
          "[diff][root]") {
  berth::testing::RequireRoot();
  TempDir tmp("berth-diff");
  std::string upper = tmp.Sub("upper");
  REQUIRE_OK(MkdirAll(upper));
  ValueOrFail(ApplyBytes(BuildTar(ChangeLayer()), upper, kOverlay));

  CHECK(IsWhiteout(upper + "/etc/gone"));
  CHECK(IsWhiteout(upper + "/top"));
  CHECK_FALSE(Exists(upper + "/etc/.wh.gone"));
  CHECK_FALSE(Exists(upper + "/d/.wh..wh..opq"));
  CHECK(GetXattr(upper + "/d", "trusted.overlay.opaque") == "y");
  CHECK(GetXattr(upper + "/etc", "trusted.overlay.opaque") == "<none>");
  struct stat st;
  REQUIRE(lstat((upper + "/d").c_str(), &st) == 0);
  CHECK(st.st_mtim.tv_sec == 1400000000);

  REQUIRE(lstat((upper + "/owned").c_str(), &st) == 0);
  CHECK(st.st_uid == 1234);
  CHECK(st.st_gid == 5678);
  CHECK((st.st_mode & 07777) == 04750);  // set-uid survives the chown
  CHECK(GetXattr(upper + "/owned", "trusted.berth") == "v");
  CHECK(GetXattr(upper + "/owned", "user.berth") == "u");
  REQUIRE(lstat((upper + "/link").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(st.st_uid == 42);
  CHECK(st.st_gid == 43);
  REQUIRE(lstat((upper + "/null").c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(st.st_rdev == makedev(1, 3));
  CHECK((st.st_mode & 07777) == 0666);
}

// Paths and file contents below `dir`, as seen from a child in its own mount
// namespace with `overlay_options` mounted on `dir` (empty: no mount).
std::map<std::string, std::string> ListInNamespace(const std::string& dir,
                                                   const std::string& overlay_options,
                                                   const std::string& scratch) {
  std::string out_path = scratch + "/listing";
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0) _exit(2);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(3);
    if (mount("overlay", dir.c_str(), "overlay", 0, overlay_options.c_str()) != 0) _exit(4);
    std::string text;
    for (const auto& [path, desc] : ListTree(dir)) {
      std::string data = ReadFile(dir + "/" + path).value_or("");
      text += path + "\t" + data + "\n";
    }
    _exit(WriteFile(out_path, text).ok() ? 0 : 5);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::map<std::string, std::string> listing;
  std::string text = ValueOrFail(ReadFile(out_path));
  for (std::string_view line : Split(text, '\n', true)) {
    auto [path, data] = SplitOnce(line, '\t');
    listing[std::string(path)] = std::string(data.value_or(""));
  }
  return listing;
}

std::map<std::string, std::string> ListContents(const std::string& dir) {
  std::map<std::string, std::string> listing;
  for (const auto& [path, desc] : ListTree(dir)) {
    listing[path] = ReadFile(dir + "/" + path).value_or("");
  }
  return listing;
}

TEST_CASE("An overlay of lower and applied upper matches delete-mode apply", "[diff][root]") {
  berth::testing::RequireRoot();
  TempDir tmp("berth-diff");
  std::string lower = tmp.Sub("lower"), upper = tmp.Sub("upper"), work = tmp.Sub("work");
  std::string merged = tmp.Sub("merged"), full = tmp.Sub("full");
  for (const std::string& d : {lower, upper, work, merged, full}) REQUIRE_OK(MkdirAll(d));
  std::string base = BuildTar(BaseLayer());
  std::string change = Compress(BuildTar(ChangeLayer()), Compression::kGzip);
  ValueOrFail(ApplyBytes(base, lower, kDelete));
  ValueOrFail(ApplyBytes(change, upper, kOverlay));
  ValueOrFail(ApplyBytes(base, full, kDelete));
  ValueOrFail(ApplyBytes(change, full, kDelete));

  std::map<std::string, std::string> seen = ListInNamespace(
      merged, "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work, tmp.path());
  std::map<std::string, std::string> want = ListContents(full);
  auto show = [](const std::map<std::string, std::string>& m) {
    std::string s;
    for (const auto& [k, v] : m) s += k + "=" + v + " ";
    return s;
  };
  INFO("overlay: " << show(seen) << "\ndelete mode: " << show(want));
  CHECK(seen == want);
  CHECK_FALSE(seen.contains("etc/gone"));
  CHECK_FALSE(seen.contains("top"));
  CHECK_FALSE(seen.contains("d/old"));
  CHECK_FALSE(seen.contains("d/sub"));
  CHECK(seen.contains("d/new"));
  CHECK(seen.contains("etc/keep"));
  // The mount lived in the child's namespace only.
  CHECK(ListTree(merged).empty());
}

std::vector<std::string> TarNames(const std::string& tar,
                                  std::map<std::string, std::string>* xattrs) {
  std::vector<std::string> names;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_open_memory(a, tar.data(), tar.size());
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e);
    names.push_back(name);
    archive_entry_xattr_reset(e);
    const char* key;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
      (*xattrs)[name + ":" + key] = std::string(static_cast<const char*>(value), size);
    }
  }
  archive_read_free(a);
  return names;
}

TEST_CASE("WriteLayerFromUpper writes whiteouts and opaque markers back", "[diff][root]") {
  berth::testing::RequireRoot();
  TempDir tmp("berth-diff");
  std::string upper = tmp.Sub("upper"), again = tmp.Sub("again");
  REQUIRE_OK(MkdirAll(upper));
  REQUIRE_OK(MkdirAll(again));
  ValueOrFail(ApplyBytes(BuildTar(ChangeLayer()), upper, kOverlay));
  REQUIRE(lsetxattr((upper + "/owned").c_str(), "trusted.overlay.origin", "x", 1, 0) == 0);

  UniqueFd out(memfd_create("layer", MFD_CLOEXEC));
  LayerDigests written = ValueOrFail(WriteLayerFromUpper(upper, out.get(), Compression::kNone));
  std::string tar = ReadAll(out.get());
  std::map<std::string, std::string> xattrs;
  std::vector<std::string> names = TarNames(tar, &xattrs);
  CHECK(names == std::vector<std::string>{"d/", "d/.wh..wh..opq", "d/new", "etc/", "etc/.wh.gone",
                                          "link", "null", "owned", ".wh.top"});
  CHECK(xattrs == std::map<std::string, std::string>{{"owned:trusted.berth", "v"},
                                                     {"owned:user.berth", "u"}});

  UniqueFd gz(memfd_create("layer", MFD_CLOEXEC));
  LayerDigests compressed = ValueOrFail(WriteLayerFromUpper(upper, gz.get(), Compression::kGzip));
  CHECK(compressed.diff_id == written.diff_id);
  ApplyResult applied = ValueOrFail(ApplyBytes(ReadAll(gz.get()), again, kOverlay));
  CHECK(applied.diff_id == written.diff_id);
  CHECK(applied.digest == compressed.digest);
  CHECK(ListTree(again) == ListTree(upper));
  CHECK(GetXattr(again + "/d", "trusted.overlay.opaque") == "y");
  CHECK(GetXattr(again + "/owned", "trusted.berth") == "v");
  CHECK(GetXattr(again + "/owned", "trusted.overlay.origin") == "<none>");
}

}  // namespace
}  // namespace berth::containerd::diff
