// WriteLayerFromDiff without root: what the double walk writes for added,
// changed, removed and retyped entries, and that applying its layer onto
// the lower tree gives the upper tree.
#include <archive.h>
#include <archive_entry.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <string>

#include "common/file_util.h"
#include "containerd/core/diff/diff.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/containerd/diff/test_layer.h"

namespace berth::containerd::diff {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using namespace berth::containerd::diff::testing;

constexpr int64_t kTime = 1600000000;

void SetTime(const std::string& path, int64_t sec = kTime, long nsec = 0) {
  struct timespec times[2] = {{sec, nsec}, {sec, nsec}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

// Every path under `dir` (deepest first, so directories come last) gets
// the fixed time, as a tree restored from a tar would have.
void SetTimes(const std::string& dir) {
  auto tree = ListTree(dir);
  for (auto it = tree.rbegin(); it != tree.rend(); ++it) SetTime(dir + "/" + it->first);
}

void MakeLower(const std::string& dir) {
  REQUIRE_OK(MkdirAll(dir + "/etc/conf.d"));
  REQUIRE_OK(WriteFile(dir + "/etc/hostname", "lower\n", 0644));
  REQUIRE_OK(WriteFile(dir + "/etc/conf.d/a", "a\n", 0644));
  REQUIRE_OK(WriteFile(dir + "/etc/conf.d/b", "b\n", 0644));
  REQUIRE_OK(MkdirAll(dir + "/usr/share/doc"));
  REQUIRE_OK(WriteFile(dir + "/usr/share/doc/README", "read me\n", 0644));
  REQUIRE_OK(WriteFile(dir + "/usr/share/same", "unchanged\n", 0644));
  REQUIRE_OK(MkdirAll(dir + "/var/cache/x/y"));
  REQUIRE_OK(WriteFile(dir + "/var/cache/x/y/z", "z\n", 0644));
  REQUIRE_OK(WriteFile(dir + "/becomes-dir", "file\n", 0644));
  REQUIRE_OK(MkdirAll(dir + "/becomes-file"));
  REQUIRE(symlink("etc/hostname", (dir + "/link").c_str()) == 0);
  SetTimes(dir);
}

void Copy(const std::string& from, const std::string& to) {
  REQUIRE(std::system(("cp -a " + from + " " + to).c_str()) == 0);
}

// The names in a layer, in order, with "->target" for links.
std::vector<std::string> Names(const std::string& layer) {
  std::vector<std::string> names;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, layer.data(), layer.size()) == ARCHIVE_OK);
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e);
    if (name.size() > 1 && name.back() == '/') name.pop_back();  // directories
    if (archive_entry_hardlink(e) != nullptr)
      name += " => " + std::string(archive_entry_hardlink(e));
    names.push_back(name);
  }
  archive_read_free(a);
  return names;
}

std::string Diff(const std::string& lower, const std::string& upper,
                 Compression compression = Compression::kNone, LayerDigests* digests = nullptr) {
  std::string out;
  LayerDigests written = ValueOrFail(WriteLayerFromDiff(
      lower, upper,
      [&](std::string_view data) {
        out.append(data);
        return absl::OkStatus();
      },
      compression));
  CHECK(written.size == static_cast<int64_t>(out.size()));
  if (digests != nullptr) *digests = written;
  return out;
}

TEST_CASE("WriteLayerFromDiff of equal trees is an empty layer", "[diff][compare]") {
  TempDir tmp("berth-compare");
  MakeLower(tmp.Sub("lower"));
  Copy(tmp.Sub("lower"), tmp.Sub("upper"));
  CHECK(Names(Diff(tmp.Sub("lower"), tmp.Sub("upper"))).empty());
}

TEST_CASE("WriteLayerFromDiff writes changes, parents and whiteouts", "[diff][compare]") {
  TempDir tmp("berth-compare");
  const std::string lower = tmp.Sub("lower"), upper = tmp.Sub("upper");
  MakeLower(lower);
  Copy(lower, upper);
  // Same size, same second, no nanoseconds: only the content tells.
  REQUIRE_OK(WriteFile(upper + "/etc/hostname", "upper\n", 0644));
  SetTime(upper + "/etc/hostname");
  REQUIRE_OK(WriteFile(upper + "/etc/new", "new\n", 0600));
  REQUIRE(unlink((upper + "/etc/conf.d/b").c_str()) == 0);
  REQUIRE(chmod((upper + "/usr/share/doc/README").c_str(), 0600) == 0);
  REQUIRE(std::system(("rm -rf " + upper + "/var/cache/x").c_str()) == 0);
  REQUIRE(unlink((upper + "/becomes-dir").c_str()) == 0);
  REQUIRE_OK(MkdirAll(upper + "/becomes-dir/inner"));
  REQUIRE_OK(WriteFile(upper + "/becomes-dir/inner/f", "f\n", 0644));
  REQUIRE(rmdir((upper + "/becomes-file").c_str()) == 0);
  REQUIRE_OK(WriteFile(upper + "/becomes-file", "now a file\n", 0644));
  REQUIRE(link((upper + "/etc/new").c_str(), (upper + "/etc/new-link").c_str()) == 0);
  REQUIRE(unlink((upper + "/link").c_str()) == 0);
  REQUIRE(symlink("etc/new", (upper + "/link").c_str()) == 0);

  std::string layer = Diff(lower, upper);
  std::vector<std::string> names = Names(layer);
  // "usr" and its subdirectories come only as parents of README, "var" as
  // the parent of var/cache; usr/share/same not at all.
  std::vector<std::string> expected = {"becomes-dir",
                                       "becomes-dir/inner",
                                       "becomes-dir/inner/f",
                                       "becomes-file",
                                       "etc",
                                       "etc/conf.d",
                                       "etc/conf.d/.wh.b",
                                       "etc/hostname",
                                       "etc/new",
                                       "etc/new-link => etc/new",
                                       "link",
                                       "usr",
                                       "usr/share",
                                       "usr/share/doc",
                                       "usr/share/doc/README",
                                       "var",
                                       "var/cache",
                                       "var/cache/.wh.x"};
  CHECK(names == expected);

  // Applied onto a copy of the lower tree: the upper tree.
  for (Compression c : {Compression::kNone, Compression::kGzip}) {
    LayerDigests digests;
    std::string bytes = Diff(lower, upper, c, &digests);
    std::string target = tmp.Sub(std::string("root-") + CompressionName(c));
    Copy(lower, target);
    ApplyResult applied = ValueOrFail(ApplyBytes(bytes, target));
    CHECK(applied.diff_id == digests.diff_id);
    CHECK(applied.digest == digests.digest);
    CHECK(applied.compression == c);
    CHECK(ListTree(target) == ListTree(upper));
  }
}

TEST_CASE("WriteLayerFromDiff against an empty tree writes everything", "[diff][compare]") {
  TempDir tmp("berth-compare");
  const std::string upper = tmp.Sub("upper");
  MakeLower(upper);
  REQUIRE_OK(MkdirAll(tmp.Sub("empty")));
  std::vector<std::string> names = Names(Diff(tmp.Sub("empty"), upper));
  CHECK(names.size() == ListTree(upper).size());
  for (const std::string& name : names) CHECK(name.find(".wh.") == std::string::npos);
  REQUIRE_OK(MkdirAll(tmp.Sub("root")));
  REQUIRE(ApplyBytes(Diff(tmp.Sub("empty"), upper), tmp.Sub("root")).ok());
  CHECK(ListTree(tmp.Sub("root")) == ListTree(upper));
}

TEST_CASE("WriteLayerFromDiff reports a missing tree and a failing sink", "[diff][compare]") {
  TempDir tmp("berth-compare");
  MakeLower(tmp.Sub("lower"));
  auto sink = [](std::string_view) { return absl::OkStatus(); };
  absl::StatusOr<LayerDigests> missing =
      WriteLayerFromDiff(tmp.Sub("lower"), tmp.Sub("nope"), sink, Compression::kNone);
  REQUIRE(!missing.ok());
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(std::string(missing.status().message()).find("nope") != std::string::npos);

  REQUIRE_OK(MkdirAll(tmp.Sub("empty")));
  absl::StatusOr<LayerDigests> failed = WriteLayerFromDiff(
      tmp.Sub("empty"), tmp.Sub("lower"),
      [](std::string_view) { return absl::ResourceExhaustedError("disk full"); },
      Compression::kGzip);
  REQUIRE(!failed.ok());
  CHECK(std::string(failed.status().message()).find("disk full") != std::string::npos);
}

}  // namespace
}  // namespace berth::containerd::diff
