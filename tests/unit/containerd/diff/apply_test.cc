// ApplyLayer without root: delete-mode whiteouts, metadata, digests,
// compression detection, and the refusals that keep writes inside the root.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "containerd/core/diff/diff.h"
#include "containerd/core/diff/digest.h"
#include "containerd/core/diff/fs_at.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/containerd/diff/test_layer.h"

namespace berth::containerd::diff {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using namespace berth::containerd::diff::testing;

std::string Digest(std::string_view data) {
  Sha256 hash = ValueOrFail(Sha256::New());
  hash.Update(data);
  return ValueOrFail(hash.Digest());
}

// A root three levels below the temp dir, so "../../x" still lands inside
// the temp dir, where the test can look for it.
struct Fixture {
  TempDir tmp{"berth-diff"};
  std::string root = tmp.Sub("a/b/root");
  Fixture() { REQUIRE_OK(MkdirAll(root)); }
};

std::string Message(const absl::Status& status) { return std::string(ToStd(status.message())); }

TEST_CASE("CleanEntryName keeps names inside the root", "[diff]") {
  CHECK(ValueOrFail(CleanEntryName("a/b/../c")) == "a/c");
  CHECK(ValueOrFail(CleanEntryName("/etc/passwd")) == "etc/passwd");
  CHECK(ValueOrFail(CleanEntryName("/../../x")) == "x");
  CHECK(ValueOrFail(CleanEntryName("./")) == ".");
  CHECK(ValueOrFail(CleanEntryName("a/.wh.../../x")) == "a/x");
  CHECK(CleanEntryName("../x").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(CleanEntryName("a/../../x").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(CleanEntryName("..").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(CleanEntryName("").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("ApplyLayer writes files, directories, symlinks and hardlinks", "[diff]") {
  Fixture f;
  TarEntry script = File("usr/bin/tool", "#!/bin/sh\n", 0755);
  script.mtime = 1600000000;
  TarEntry dir = Dir("usr/share", 0750);
  dir.mtime = 1500000000;
  std::string tar =
      BuildTar({Dir("usr"), Dir("usr/bin"), script, dir, File("usr/share/doc", "hello", 0600),
                Symlink("usr/bin/link", "/usr/bin/tool"), Symlink("dangling", "../../../nowhere"),
                Hardlink("usr/bin/tool2", "usr/bin/tool"), File("implicit/parent/file", "x")});
  ApplyResult result = ValueOrFail(ApplyBytes(tar, f.root));
  CHECK(result.diff_id == Digest(tar));
  CHECK(result.digest == result.diff_id);
  CHECK(result.uncompressed_size == static_cast<int64_t>(tar.size()));
  CHECK(result.compression == Compression::kNone);

  struct stat st;
  REQUIRE(lstat((f.root + "/usr/bin/tool").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(st.st_mtim.tv_sec == 1600000000);
  CHECK(st.st_nlink == 2);
  CHECK(ValueOrFail(ReadFile(f.root + "/usr/bin/tool2")) == "#!/bin/sh\n");
  REQUIRE(lstat((f.root + "/usr/share").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0750);
  // Set after its children were written.
  CHECK(st.st_mtim.tv_sec == 1500000000);
  REQUIRE(lstat((f.root + "/usr/share/doc").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  char target[256];
  ssize_t n = readlink((f.root + "/usr/bin/link").c_str(), target, sizeof(target));
  CHECK(std::string(target, static_cast<size_t>(std::max<ssize_t>(n, 0))) == "/usr/bin/tool");
  n = readlink((f.root + "/dangling").c_str(), target, sizeof(target));
  CHECK(std::string(target, static_cast<size_t>(std::max<ssize_t>(n, 0))) == "../../../nowhere");
  CHECK(ValueOrFail(ReadFile(f.root + "/implicit/parent/file")) == "x");
}

TEST_CASE("ApplyLayer detects gzip and zstd from the bytes, same diff_id", "[diff]") {
  std::string tar =
      BuildTar({Dir("etc"), File("etc/hostname", "box\n"), File("big", std::string(300000, 'z'))});
  std::string want = Digest(tar);
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    DYNAMIC_SECTION("compression " << CompressionName(c)) {
      Fixture f;
      std::string layer = Compress(tar, c);
      ApplyResult result = ValueOrFail(ApplyBytes(layer, f.root));
      CHECK(result.compression == c);
      CHECK(result.diff_id == want);
      CHECK(result.uncompressed_size == static_cast<int64_t>(tar.size()));
      CHECK(result.digest == Digest(layer));
      CHECK(result.size == static_cast<int64_t>(layer.size()));
      CHECK(ValueOrFail(ReadFile(f.root + "/etc/hostname")) == "box\n");
      CHECK(ValueOrFail(ReadFile(f.root + "/big")).size() == 300000);
    }
  }
}

TEST_CASE("ApplyLayer counts bytes after the end of the tar in the diff_id", "[diff]") {
  Fixture f;
  std::string tar = BuildTar({File("a", "1")}) + std::string(4096, '\0');
  std::string layer = Compress(tar, Compression::kGzip);
  ApplyResult result = ValueOrFail(ApplyBytes(layer, f.root));
  CHECK(result.diff_id == Digest(tar));
  CHECK(result.uncompressed_size == static_cast<int64_t>(tar.size()));
}

TEST_CASE("ApplyLayer refuses names that climb out of the root", "[diff][safety]") {
  Fixture f;
  for (std::string name : {"../../etc/x", "a/../../x", "../x"}) {
    DYNAMIC_SECTION("name " << name) {
      absl::Status status = ApplyBytes(BuildTar({File(name, "evil")}), f.root).status();
      CHECK(status.code() == absl::StatusCode::kInvalidArgument);
      CHECK(Message(status).find(name) != std::string::npos);
      CHECK_FALSE(Exists(f.tmp.Sub("a/etc/x")));
      CHECK_FALSE(Exists(f.tmp.Sub("a/b/x")));
      CHECK_FALSE(Exists(f.tmp.Sub("a/x")));
    }
  }
}

TEST_CASE("ApplyLayer puts absolute names inside the root", "[diff][safety]") {
  Fixture f;
  std::string host_passwd = ValueOrFail(ReadFile("/etc/passwd"));
  ValueOrFail(ApplyBytes(
      BuildTar({File("/etc/passwd", "evil:x:0:0::/:/bin/sh\n"), File("/../../outside", "x")}),
      f.root));
  CHECK(ValueOrFail(ReadFile(f.root + "/etc/passwd")) == "evil:x:0:0::/:/bin/sh\n");
  CHECK(ValueOrFail(ReadFile(f.root + "/outside")) == "x");
  CHECK(ValueOrFail(ReadFile("/etc/passwd")) == host_passwd);
}

TEST_CASE("ApplyLayer resolves symlinks inside the root, never on the host", "[diff][safety]") {
  Fixture f;
  // evil -> / then evil/etc/x: written to <root>/etc/x.
  ValueOrFail(ApplyBytes(
      BuildTar({Symlink("evil", "/"), File("evil/etc/berth-diff-x", "1"), Symlink("up", "../../.."),
                File("up/berth-diff-y", "2"), Symlink("host", f.tmp.path()), File("host/z", "3"),
                Symlink("loop", "loop")}),
      f.root));
  CHECK(ValueOrFail(ReadFile(f.root + "/etc/berth-diff-x")) == "1");
  CHECK(ValueOrFail(ReadFile(f.root + "/berth-diff-y")) == "2");
  CHECK(ValueOrFail(ReadFile(f.root + f.tmp.path() + "/z")) == "3");
  // A symlink that loops is an error, not a way out.
  absl::Status status = ApplyBytes(BuildTar({File("loop/x", "")}), f.root).status();
  CHECK(ErrnoOf(status) == ELOOP);
  CHECK_FALSE(Exists("/etc/berth-diff-x"));
  CHECK_FALSE(Exists(f.tmp.Sub("berth-diff-y")));
  CHECK_FALSE(Exists(f.tmp.Sub("z")));
}

TEST_CASE("ApplyLayer replaces a symlink instead of writing through it", "[diff][safety]") {
  Fixture f;
  REQUIRE_OK(WriteFile(f.tmp.Sub("target"), "outside"));
  REQUIRE(symlink(f.tmp.Sub("target").c_str(), (f.root + "/link").c_str()) == 0);
  ValueOrFail(ApplyBytes(BuildTar({File("link", "inside")}), f.root));
  CHECK(ValueOrFail(ReadFile(f.root + "/link")) == "inside");
  CHECK(ValueOrFail(ReadFile(f.tmp.Sub("target"))) == "outside");
}

TEST_CASE("ApplyLayer keeps hardlinks inside the root", "[diff][safety]") {
  Fixture f;
  REQUIRE_OK(WriteFile(f.tmp.Sub("a/secret"), "s"));
  SECTION("absolute target is taken inside the root") {
    absl::Status status =
        ApplyBytes(BuildTar({Hardlink("shadow", "/etc/shadow")}), f.root).status();
    CHECK(status.code() == absl::StatusCode::kNotFound);
    CHECK(Message(status).find("shadow") != std::string::npos);
  }
  SECTION("target climbing out is refused") {
    absl::Status status = ApplyBytes(BuildTar({Hardlink("s", "../../secret")}), f.root).status();
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(status).find("../../secret") != std::string::npos);
  }
  SECTION("target through a symlink resolves inside the root") {
    absl::Status status =
        ApplyBytes(BuildTar({Symlink("out", f.tmp.Sub("a")), Hardlink("s", "out/secret")}), f.root)
            .status();
    CHECK(status.code() == absl::StatusCode::kNotFound);
  }
  SECTION("a link to a symlink links the symlink") {
    ValueOrFail(ApplyBytes(BuildTar({Symlink("out", f.tmp.Sub("a/secret")), Hardlink("s", "out")}),
                           f.root));
    struct stat st;
    REQUIRE(lstat((f.root + "/s").c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
  }
  struct stat st;
  REQUIRE(stat(f.tmp.Sub("a/secret").c_str(), &st) == 0);
  CHECK(st.st_nlink == 1);
  CHECK_FALSE(Exists(f.root + "/shadow"));
}

TEST_CASE("ApplyLayer refuses malformed whiteouts", "[diff][safety]") {
  Fixture f;
  for (std::string name : {".wh...", ".wh..", ".wh.", "d/.wh..."}) {
    DYNAMIC_SECTION("whiteout " << name) {
      absl::Status status = ApplyBytes(BuildTar({File(name, "")}), f.root).status();
      CHECK(status.code() == absl::StatusCode::kInvalidArgument);
      CHECK(Message(status).find("whiteout") != std::string::npos);
    }
  }
  SECTION("climbing whiteout") {
    absl::Status status = ApplyBytes(BuildTar({File("../.wh.b", "")}), f.root).status();
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(Exists(f.tmp.Sub("a/b")));
}

TEST_CASE("ApplyLayer whiteouts never delete outside the root", "[diff][safety]") {
  Fixture f;
  REQUIRE_OK(WriteFile(f.tmp.Sub("sentinel"), "keep"));
  REQUIRE_OK(WriteFile(f.root + "/sentinel", "inner"));
  // ".wh.../../sentinel" cleans to "sentinel": a plain file, not a whiteout.
  ValueOrFail(ApplyBytes(BuildTar({Symlink("out", f.tmp.path()), File("out/.wh.sentinel", ""),
                                   Symlink("up", "../../.."), File("up/.wh.a", ""),
                                   File(".wh.../../sentinel", "replaced")}),
                         f.root));
  CHECK(ValueOrFail(ReadFile(f.tmp.Sub("sentinel"))) == "keep");
  CHECK(Exists(f.tmp.Sub("a")));
  CHECK(ValueOrFail(ReadFile(f.root + "/sentinel")) == "replaced");
}

TEST_CASE("ApplyLayer refuses device nodes unless allowed", "[diff][safety]") {
  Fixture f;
  TarEntry dev{.name = "dev/sda", .type = AE_IFBLK, .perm = 0660, .dev_major = 8};
  absl::Status status = ApplyBytes(BuildTar({Dir("dev"), dev}), f.root).status();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(status).find("dev/sda") != std::string::npos);
  CHECK(Message(status).find("device") != std::string::npos);
  CHECK_FALSE(Exists(f.root + "/dev/sda"));
  // FIFOs are not devices.
  TarEntry fifo{.name = "fifo", .type = AE_IFIFO, .perm = 0600};
  ValueOrFail(ApplyBytes(BuildTar({fifo}), f.root));
  struct stat st;
  REQUIRE(lstat((f.root + "/fifo").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("ApplyLayer reports truncated and corrupt streams", "[diff]") {
  Fixture f;
  std::string tar = BuildTar({File("a", std::string(100000, 'a')), File("b", "b")});
  SECTION("truncated gzip") {
    std::string gz = Compress(tar, Compression::kGzip);
    absl::Status status = ApplyBytes(gz.substr(0, gz.size() / 2), f.root).status();
    CHECK(status.code() == absl::StatusCode::kDataLoss);
  }
  SECTION("truncated zstd") {
    std::string zst = Compress(tar, Compression::kZstd);
    absl::Status status = ApplyBytes(zst.substr(0, zst.size() - 10), f.root).status();
    CHECK(status.code() == absl::StatusCode::kDataLoss);
  }
  SECTION("truncated tar inside a file") {
    absl::Status status = ApplyBytes(tar.substr(0, 50000), f.root).status();
    CHECK(status.code() == absl::StatusCode::kDataLoss);
    CHECK(Message(status).find("\"a\"") != std::string::npos);
  }
  SECTION("corrupt deflate data") {
    std::string gz = Compress(tar, Compression::kGzip);
    gz[10] = static_cast<char>(0xff);  // first deflate block: reserved type
    absl::Status status = ApplyBytes(gz, f.root).status();
    CHECK(status.code() == absl::StatusCode::kDataLoss);
  }
  SECTION("not a tar") {
    absl::Status status = ApplyBytes(std::string(2048, 'x'), f.root).status();
    CHECK(status.code() == absl::StatusCode::kDataLoss);
  }
  SECTION("empty") {
    absl::Status status = ApplyBytes("", f.root).status();
    CHECK(status.code() == absl::StatusCode::kDataLoss);
  }
}

TEST_CASE("ApplyLayer in delete mode removes whited-out paths", "[diff]") {
  Fixture f;
  ValueOrFail(ApplyBytes(
      BuildTar({Dir("etc"), File("etc/keep", "k"), Dir("etc/gone"), File("etc/gone/deep", "d"),
                File("file", "f"), Dir("opq"), File("opq/old", "o"), Dir("opq/sub"),
                File("opq/sub/old", "o"), Symlink("link", "/etc")}),
      f.root));
  ValueOrFail(
      ApplyBytes(BuildTar({File("etc/.wh.gone", ""), File(".wh.link", ""), File(".wh.missing", ""),
                           File("opq/new", "n"), File("opq/.wh..wh..opq", ""), Dir("opq/sub"),
                           File("opq/sub/new", "n"), File("file", "replaced")}),
                 f.root));
  CHECK(Exists(f.root + "/etc/keep"));
  CHECK_FALSE(Exists(f.root + "/etc/gone"));
  CHECK_FALSE(Exists(f.root + "/link"));
  CHECK_FALSE(Exists(f.root + "/.wh.missing"));
  CHECK_FALSE(Exists(f.root + "/opq/.wh..wh..opq"));
  CHECK_FALSE(Exists(f.root + "/opq/old"));
  CHECK_FALSE(Exists(f.root + "/opq/sub/old"));
  CHECK(ValueOrFail(ReadFile(f.root + "/opq/new")) == "n");
  CHECK(ValueOrFail(ReadFile(f.root + "/opq/sub/new")) == "n");
  CHECK(ValueOrFail(ReadFile(f.root + "/file")) == "replaced");
}

TEST_CASE("ApplyLayer replaces across types", "[diff]") {
  Fixture f;
  ValueOrFail(ApplyBytes(
      BuildTar({File("x", "file"), Dir("y"), File("y/child", "c"), Dir("z"), File("z/keep", "k")}),
      f.root));
  ValueOrFail(ApplyBytes(
      BuildTar({Dir("x"), File("y", "now a file"), Dir("z", 0700), File("z/new", "n")}), f.root));
  struct stat st;
  REQUIRE(lstat((f.root + "/x").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK(ValueOrFail(ReadFile(f.root + "/y")) == "now a file");
  // A directory over a directory merges.
  CHECK(Exists(f.root + "/z/keep"));
  CHECK(Exists(f.root + "/z/new"));
  REQUIRE(lstat((f.root + "/z").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
}

}  // namespace
}  // namespace berth::containerd::diff
