// The Diff service through berth-containerd: layers applied onto snapshots
// (whiteouts, opaque directories), layers computed from a snapshot's
// changes and applied again, and bad input.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "common/file_util.h"
#include "containerd/core/content/digest.h"
#include "tests/integration/containerd/daemon_fixture.h"
#include "tests/integration/containerd/diff_helpers.h"
#include "tests/unit/containerd/diff/test_layer.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;
using namespace berth::containerd::diff::testing;
using berth::containerd::diff::Compression;

constexpr char kTar[] = "application/vnd.oci.image.layer.v1.tar";
constexpr char kTarGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";

std::string Sha(const std::string& data) { return containerd::content::Digest::Of(data).str(); }

grpc::Status Apply(DaemonFixture& f, const std::string& media_type, const std::string& digest,
                   int64_t size, const google::protobuf::RepeatedPtrField<ctrpb::Mount>& mounts,
                   ctrpb::ApplyResponse* response) {
  ctrpb::ApplyRequest request;
  request.mutable_diff()->set_media_type(media_type);
  request.mutable_diff()->set_digest(digest);
  request.mutable_diff()->set_size(size);
  *request.mutable_mounts() = mounts;
  request.set_sync_fs(true);
  return f.diff().Apply(WorkCtx().get(), request, response);
}

// Puts `tar` (compressed as asked) in the content store, applies it onto a
// new snapshot `name` on `parent` and commits it.
void ApplyLayer(DaemonFixture& f, const std::string& tar, Compression compression,
                const std::string& name, const std::string& parent) {
  std::string blob = Compress(tar, compression);
  std::string digest = PutBlob(f, blob);
  auto mounts = Prepare(f, name + "-extract", parent);
  ctrpb::ApplyResponse applied;
  grpc::Status s = Apply(f, compression == Compression::kNone ? kTar : kTarGzip, digest,
                         static_cast<int64_t>(blob.size()), mounts, &applied);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(applied.applied().media_type() == kTar);
  CHECK(applied.applied().digest() == Sha(tar));
  CHECK(applied.applied().size() == static_cast<int64_t>(tar.size()));
  Commit(f, name, name + "-extract");
}

std::string BaseLayer() {
  return BuildTar({Dir("etc"), File("etc/keep", "keep\n"), File("etc/gone", "gone\n"), Dir("opt"),
                   Dir("opt/old"), File("opt/old/a", "a\n"), File("opt/old/b", "b\n"), Dir("usr"),
                   Dir("usr/bin"), File("usr/bin/tool", "tool\n", 0755), Dir("var"), Dir("var/lib"),
                   File("var/lib/state", "state\n")});
}

// Whites out etc/gone, makes opt/old opaque with only c in it, adds etc/new.
std::string SecondLayer() {
  return BuildTar({Dir("etc"), File("etc/.wh.gone", ""), File("etc/new", "new\n"), Dir("opt"),
                   Dir("opt/old"), File("opt/old/.wh..wh..opq", ""), File("opt/old/c", "c\n")});
}

grpc::Status Diff(DaemonFixture& f, const google::protobuf::RepeatedPtrField<ctrpb::Mount>& left,
                  const google::protobuf::RepeatedPtrField<ctrpb::Mount>& right,
                  const std::string& media_type, ctrpb::DiffResponse* response) {
  ctrpb::DiffRequest request;
  *request.mutable_left() = left;
  *request.mutable_right() = right;
  request.set_media_type(media_type);
  (*request.mutable_labels())["test"] = "yes";
  return f.diff().Diff(WorkCtx().get(), request, response);
}

TEST_CASE("Diff applies layers with whiteouts and writes a snapshot's changes back",
          "[containerd][diff]") {
  DaemonFixture f;
  f.CreateLease(kDiffTestLease);
  ApplyLayer(f, BaseLayer(), Compression::kGzip, "l1", "");
  ApplyLayer(f, SecondLayer(), Compression::kGzip, "l2", "l1");

  {
    auto view = MountSnapshot(f, Prepare(f, "l2-view", "l2", /*view=*/true));
    const std::string& root = view->path();
    CHECK(ReadFile(root + "/etc/keep").value_or("?") == "keep\n");
    CHECK(ReadFile(root + "/etc/new").value_or("?") == "new\n");
    CHECK_FALSE(Exists(root + "/etc/gone"));
    CHECK_FALSE(Exists(root + "/opt/old/a"));
    CHECK_FALSE(Exists(root + "/opt/old/b"));
    CHECK(ReadFile(root + "/opt/old/c").value_or("?") == "c\n");
    CHECK(ReadFile(root + "/usr/bin/tool").value_or("?") == "tool\n");
  }
  REQUIRE(RemoveSnapshot(f, "l2-view").ok());

  // Changes on top: add, modify, delete, and an opaque directory.
  auto work = Prepare(f, "work", "l2");
  {
    auto mounted = MountSnapshot(f, work);
    const std::string& root = mounted->path();
    REQUIRE(WriteFile(root + "/etc/added", "added\n").ok());
    REQUIRE(WriteFile(root + "/etc/keep", "modified\n").ok());
    REQUIRE(unlink((root + "/usr/bin/tool").c_str()) == 0);
    std::filesystem::remove_all(root + "/var/lib");
    REQUIRE(mkdir((root + "/var/lib").c_str(), 0750) == 0);
    REQUIRE(WriteFile(root + "/var/lib/fresh", "fresh\n").ok());
  }
  auto lower = Prepare(f, "l2-lower", "l2", /*view=*/true);

  // Overlay over the same lowers: the upper directory is the change set.
  ctrpb::DiffResponse diffed;
  grpc::Status s = Diff(f, lower, work, "", &diffed);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(diffed.diff().media_type() == kTarGzip);
  std::string blob = GetBlob(f, diffed.diff().digest());
  CHECK(Sha(blob) == diffed.diff().digest());
  CHECK(static_cast<int64_t>(blob.size()) == diffed.diff().size());
  std::vector<std::string> names = LayerNames(blob);
  std::vector<std::string> expected = {"etc",          "etc/added", "etc/keep",
                                       "usr",          "usr/bin",   "usr/bin/.wh.tool",
                                       "var",          "var/lib",   "var/lib/.wh..wh..opq",
                                       "var/lib/fresh"};
  CHECK(names == expected);

  // Applied onto a fresh snapshot of the parent: the same tree.
  auto replay = Prepare(f, "replay", "l2");
  ctrpb::ApplyResponse applied;
  s = Apply(f, kTarGzip, diffed.diff().digest(), diffed.diff().size(), replay, &applied);
  INFO(s.error_message());
  REQUIRE(s.ok());
  {
    auto a = MountSnapshot(f, work);
    auto b = MountSnapshot(f, replay);
    CHECK(ListTree(a->path()) == ListTree(b->path()));
  }

  // Against l1 (other lowers): both trees compared whole, uncompressed.
  auto l1 = Prepare(f, "l1-lower", "l1", /*view=*/true);
  s = Diff(f, l1, work, kTar, &diffed);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(diffed.diff().media_type() == kTar);
  names = LayerNames(GetBlob(f, diffed.diff().digest()));
  for (const char* name :
       {"etc/.wh.gone", "etc/added", "etc/keep", "etc/new", "opt/old/.wh.a", "opt/old/.wh.b",
        "opt/old/c", "usr/bin/.wh.tool", "var/lib/.wh.state", "var/lib/fresh"}) {
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  }
  auto replay1 = Prepare(f, "replay1", "l1");
  s = Apply(f, kTar, diffed.diff().digest(), diffed.diff().size(), replay1, &applied);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(applied.applied().digest() == diffed.diff().digest());  // uncompressed: its own diff_id
  {
    auto a = MountSnapshot(f, work);
    auto b = MountSnapshot(f, replay1);
    std::map<std::string, std::string> want = ListTree(a->path()), got = ListTree(b->path());
    // opt/old was opaque in work; replay1 has whiteouts instead: same view.
    CHECK(got == want);
  }
  // The right side with no parent: everything in it.
  auto bottom = Prepare(f, "bottom", "");
  REQUIRE(WriteFile(FromProto(bottom)[0].source + "/only", "x").ok());
  google::protobuf::RepeatedPtrField<ctrpb::Mount> none;
  s = Diff(f, none, bottom, kTar, &diffed);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(LayerNames(GetBlob(f, diffed.diff().digest())) == std::vector<std::string>{"only"});
  CHECK(MountsUnder(f.RootDir()).empty());
  CHECK(std::filesystem::is_empty(f.RootDir() + "/tmpmounts"));
}

TEST_CASE("Diff reports bad input and leaves nothing mounted", "[containerd][diff]") {
  DaemonFixture f;
  f.CreateLease(kDiffTestLease);
  std::string tar = BuildTar({Dir("d"), File("d/f", std::string(4096, 'x'))});
  std::string digest = PutBlob(f, tar);
  auto mounts = Prepare(f, "target", "");
  ctrpb::ApplyResponse applied;

  // Unknown digest.
  grpc::Status s = Apply(f, kTar, Sha("nothing"), 7, mounts, &applied);
  CHECK(s.error_code() == StatusCode::NOT_FOUND);
  CHECK_THAT(s.error_message(), Catch::Contains(Sha("nothing")));
  // Not a digest.
  s = Apply(f, kTar, "md5:abc", 7, mounts, &applied);
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  // Not a layer.
  s = Apply(f, "application/vnd.oci.image.config.v1+json", digest, 0, mounts, &applied);
  CHECK(s.error_code() == StatusCode::UNIMPLEMENTED);
  CHECK_THAT(s.error_message(), Catch::Contains("media type"));
  // Wrong size in the descriptor.
  s = Apply(f, kTar, digest, 12, mounts, &applied);
  CHECK(s.error_code() == StatusCode::DATA_LOSS);

  // A blob corrupted on disk: still a valid tar, other bytes.
  std::string path = f.RootDir() + "/content/blobs/sha256/" + digest.substr(7);
  REQUIRE(chmod(path.c_str(), 0644) == 0);
  std::string corrupt = tar;
  corrupt[1024] = 'y';
  REQUIRE(WriteFile(path, corrupt).ok());
  s = Apply(f, kTar, digest, static_cast<int64_t>(tar.size()), mounts, &applied);
  CHECK(s.error_code() == StatusCode::DATA_LOSS);
  CHECK_THAT(s.error_message(), Catch::Contains(digest));

  // Bad mounts: none, read-only, a filesystem type that does not exist,
  // a bind of a missing directory.
  google::protobuf::RepeatedPtrField<ctrpb::Mount> bad;
  s = Apply(f, kTar, digest, 0, bad, &applied);
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  auto view_parent = Prepare(f, "p-extract", "");
  Commit(f, "p", "p-extract");
  auto view = Prepare(f, "p-view", "p", /*view=*/true);
  s = Apply(f, kTar, digest, 0, view, &applied);
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(s.error_message(), Catch::Contains("read-only"));
  ctrpb::Mount* m = bad.Add();
  m->set_type("nosuchfs");
  m->set_source("none");
  ctrpb::Mount* m2 = bad.Add();
  m2->set_type("bind");
  m2->set_source(f.Path("missing"));
  s = Apply(f, kTar, digest, 0, bad, &applied);
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.error_message(), Catch::Contains("mount"));
  ctrpb::DiffResponse diffed;
  s = Diff(f, bad, mounts, "", &diffed);
  CHECK_FALSE(s.ok());
  s = Diff(f, view, bad, "", &diffed);
  CHECK_FALSE(s.ok());
  s = Diff(f, view, mounts, "application/x-nope", &diffed);
  CHECK(s.error_code() == StatusCode::UNIMPLEMENTED);
  bad.RemoveLast();
  bad.RemoveLast();
  m = bad.Add();
  m->set_type("bind");
  m->set_source(f.Path("missing"));
  s = Apply(f, kTar, digest, 0, bad, &applied);
  CHECK(s.error_code() == StatusCode::NOT_FOUND);

  // Nothing mounted, no ingest left by the failed diffs.
  CHECK(MountsUnder(f.RootDir()).empty());
  CHECK(std::filesystem::is_empty(f.RootDir() + "/tmpmounts"));
  ctrpb::ListStatusesResponse statuses;
  REQUIRE(f.content().ListStatuses(WorkCtx().get(), {}, &statuses).ok());
  CHECK(statuses.statuses().empty());
}

}  // namespace
}  // namespace berth::testing
