// WriteLayerFromUpper without root: plain trees (no whiteout devices, no
// trusted.* xattrs; those are in the integration tests).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
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

void MakeTree(const std::string& dir) {
  REQUIRE_OK(MkdirAll(dir + "/usr/bin"));
  REQUIRE_OK(WriteFile(dir + "/usr/bin/tool", "#!/bin/sh\necho hi\n", 0755));
  REQUIRE(link((dir + "/usr/bin/tool").c_str(), (dir + "/usr/bin/tool2").c_str()) == 0);
  REQUIRE_OK(WriteFile(dir + "/big", std::string(200000, 'b'), 0600));
  REQUIRE_OK(WriteFile(dir + "/empty", "", 0644));
  REQUIRE(symlink("usr/bin/tool", (dir + "/link").c_str()) == 0);
  REQUIRE_OK(MkdirAll(dir + "/empty-dir"));
  REQUIRE(chmod((dir + "/empty-dir").c_str(), 0710) == 0);
  REQUIRE(mkfifo((dir + "/fifo").c_str(), 0640) == 0);
  // Fixed times so the two writes below see the same tree.
  for (const char* p : {"/usr/bin/tool", "/big", "/empty", "/empty-dir", "/usr/bin", "/usr"}) {
    struct timespec times[2] = {{1600000000, 0}, {1600000000, 0}};
    REQUIRE(utimensat(AT_FDCWD, (dir + p).c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
  }
}

TEST_CASE("WriteLayerFromUpper round-trips through ApplyLayer", "[diff]") {
  TempDir tmp("berth-diff");
  std::string upper = tmp.Sub("upper");
  MakeTree(upper);

  std::string diff_id;
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    DYNAMIC_SECTION("compression " << CompressionName(c)) {
      UniqueFd out(memfd_create("layer", MFD_CLOEXEC));
      LayerDigests written = ValueOrFail(WriteLayerFromUpper(upper, out.get(), c));
      std::string layer = ReadAll(out.get());
      CHECK(written.size == static_cast<int64_t>(layer.size()));
      if (c == Compression::kNone) CHECK(written.digest == written.diff_id);

      std::string root = tmp.Sub(std::string("root-") + CompressionName(c));
      REQUIRE_OK(MkdirAll(root));
      ApplyResult applied = ValueOrFail(ApplyBytes(layer, root));
      CHECK(applied.compression == c);
      CHECK(applied.diff_id == written.diff_id);
      CHECK(applied.uncompressed_size == written.uncompressed_size);
      CHECK(applied.digest == written.digest);
      CHECK(ListTree(root) == ListTree(upper));
      struct stat st;
      REQUIRE(lstat((root + "/usr/bin/tool2").c_str(), &st) == 0);
      CHECK(st.st_nlink == 2);

      // Same tree, same bytes: the diff_id does not depend on compression
      // nor on the run.
      UniqueFd again(memfd_create("layer", MFD_CLOEXEC));
      LayerDigests second = ValueOrFail(WriteLayerFromUpper(upper, again.get(), c));
      CHECK(second.digest == written.digest);
      CHECK(ReadAll(again.get()) == layer);
    }
    UniqueFd out(memfd_create("layer", MFD_CLOEXEC));
    LayerDigests written = ValueOrFail(WriteLayerFromUpper(upper, out.get(), c));
    if (diff_id.empty()) diff_id = written.diff_id;
    CHECK(written.diff_id == diff_id);
  }
}

TEST_CASE("WriteLayerFromUpper reports a missing upper dir", "[diff]") {
  TempDir tmp("berth-diff");
  UniqueFd out(memfd_create("layer", MFD_CLOEXEC));
  absl::Status status =
      WriteLayerFromUpper(tmp.Sub("missing"), out.get(), Compression::kGzip).status();
  CHECK(status.code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace berth::containerd::diff
