// Unpack into real snapshotters, as root, and skopeo interop. Mounts happen
// only in forked children that unshare their mount namespace first.
#include "containerd/core/images/unpack.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/strings.h"
#include "containerd/core/images/archive.h"
#include "containerd/core/snapshots/native.h"
#include "containerd/core/snapshots/overlay.h"
#include "tests/integration/runtime/forked_child.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::containerd::images {
namespace {

using testing::ValueOrFail;

std::string Msg(const absl::Status& s) { return std::string(ToStd(s.message())); }

struct Env {
  Env() : dir("berth-images-unpack") {
    testing::RequireRoot();
    content = ValueOrFail(content::Store::Open(dir.Sub("content")));
    store = ValueOrFail(metadata::Store::Open(dir.Sub("metadata.db")));
    REQUIRE_OK(MkdirAll(dir.Sub("snapshotter"), 0700));
  }
  Image ImportSample() {
    testimage::ImageOptions opts;
    opts.layers = testimage::SampleLayers(3);
    std::string tar = dir.Sub("image.tar");
    REQUIRE_OK(testimage::CreateOciArchive(tar, opts).status());
    UniqueFd fd(open(tar.c_str(), O_RDONLY | O_CLOEXEC));
    std::vector<Image> images = ValueOrFail(Import(*content, *store, "default", fd.get()));
    REQUIRE(images.size() == 1);
    return images[0];
  }
  testing::TempDir dir;
  std::unique_ptr<content::Store> content;
  std::unique_ptr<metadata::Store> store;
};

std::unique_ptr<snapshots::Snapshotter> OpenSnapshotter(Env& env, bool overlay) {
  std::string root = env.dir.Sub("snapshotter");
  if (overlay) {
    if (!snapshots::OverlaySupported(root)) testing::Skip("overlayfs does not mount on " + root);
    return ValueOrFail(snapshots::OverlaySnapshotter::Open(root, env.store.get()));
  }
  return ValueOrFail(snapshots::NativeSnapshotter::Open(root, env.store.get()));
}

// Mounts `mounts` in a child with a private mount namespace and runs
// `check(target)` there; "" means success.
std::string InMount(const std::vector<snapshots::Mount>& mounts,
                    const std::function<std::string(const std::string&)>& check) {
  testing::TempDir target("berth-images-mnt");
  testing::ChildResult r = testing::RunInChild([&](int out) {
    if (unshare(CLONE_NEWNS) != 0) return testing::Report(out, "unshare failed", 1);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return testing::Report(out, "make / private failed", 1);
    }
    absl::Status s = snapshots::MountAll(mounts, target.path());
    if (!s.ok()) return testing::Report(out, Msg(s), 1);
    std::string problem = check(target.path());
    if (!problem.empty()) return testing::Report(out, problem, 1);
    return 0;
  });
  if (!r.ok) return "child did not finish";
  if (!r.status.success()) return "child failed: " + r.output;
  return "";
}

// The sample image's files as seen through a view of its top layer.
std::string CheckSampleTree(const std::string& root) {
  struct stat st;
  auto exists = [&](const std::string& p) { return lstat((root + "/" + p).c_str(), &st) == 0; };
  if (!exists("bin/busybox")) return "bin/busybox missing";
  if (!exists("etc/motd")) return "etc/motd missing";
  if (exists("usr/bin/yes")) return "usr/bin/yes not whited out";
  if (exists("mnt")) return "mnt not whited out";
  if (!exists("opt/berth/c.txt")) return "opt/berth/c.txt missing";
  if (exists("opt/berth/a.txt")) return "opt/berth/a.txt visible under an opaque dir";
  return "";
}

void UnpackAndCheck(bool overlay) {
  Env env;
  auto sn = OpenSnapshotter(env, overlay);
  Image image = env.ImportSample();
  UnpackResult r = ValueOrFail(Unpack(*env.content, *sn, "default", image.target));
  CHECK(r.layers_applied == 3);
  CHECK(r.layers_skipped == 0);
  ResolvedImage resolved = ValueOrFail(ResolveImage(*env.content, image.target, HostPlatform()));
  std::vector<content::Digest> chain = ChainIds(resolved.config.diff_ids);
  CHECK(r.chain_id == chain.back());
  for (const content::Digest& id : chain) {
    snapshots::Info info = ValueOrFail(sn->Stat("default", id.str()));
    CHECK(info.kind == snapshots::Kind::kCommitted);
    CHECK(info.labels.at(std::string(kSnapshotRefLabel)) == id.str());
  }
  CHECK(ValueOrFail(sn->List("default", {"kind==active"})).empty());

  auto mounts = ValueOrFail(sn->View("default", "check-view", r.chain_id.str(), {}));
  CHECK(InMount(mounts, CheckSampleTree) == "");
  REQUIRE_OK(sn->Remove("default", "check-view"));

  // Again: every layer is there already.
  UnpackResult again = ValueOrFail(Unpack(*env.content, *sn, "default", image.target));
  CHECK(again.layers_applied == 0);
  CHECK(again.layers_skipped == 3);
  CHECK(again.chain_id == r.chain_id);

  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    REQUIRE_OK(sn->Remove("default", it->str()));
}

TEST_CASE("unpack a multi-layer image with the overlayfs snapshotter", "[images][unpack]") {
  UnpackAndCheck(/*overlay=*/true);
}

TEST_CASE("unpack a multi-layer image with the native snapshotter", "[images][unpack]") {
  UnpackAndCheck(/*overlay=*/false);
}

// Writes `data` into the content store.
Descriptor Put(content::Store& store, std::string_view media_type, const std::string& data) {
  content::Digest d = content::Digest::Of(data);
  auto w = ValueOrFail(store.OpenWriter("put-" + d.hex()));
  REQUIRE_OK(w->Write(data));
  absl::Status s = w->Commit(static_cast<int64_t>(data.size()), d);
  REQUIRE((s.ok() || absl::IsAlreadyExists(s)));
  return Descriptor{
      std::string(media_type), d, static_cast<int64_t>(data.size()), {}, {}, std::nullopt};
}

TEST_CASE("a layer whose diff_id does not match is rejected", "[images][unpack]") {
  Env env;
  auto sn = OpenSnapshotter(env, snapshots::OverlaySupported(env.dir.Sub("snapshotter")));
  Image image = env.ImportSample();
  ResolvedImage resolved = ValueOrFail(ResolveImage(*env.content, image.target, HostPlatform()));
  std::string config = ValueOrFail(env.content->ReadBlob(resolved.manifest.config.digest, 1 << 20));
  json::Json j = ValueOrFail(json::Parse(config, "config"));
  // The middle layer fails while the one above it may already be applied
  // in its scratch snapshot; the top one fails after both below committed.
  const size_t bad = GENERATE(1, 2);
  j["rootfs"]["diff_ids"][bad] = content::Digest::Of("not the layer").str();
  Manifest m = resolved.manifest;
  m.config = Put(*env.content, kMediaTypeOciConfig, json::Dump(j));
  Descriptor target = Put(*env.content, kMediaTypeOciManifest, ManifestJson(m));

  absl::StatusOr<UnpackResult> r = Unpack(*env.content, *sn, "default", target);
  CHECK(absl::IsDataLoss(r.status()));
  CHECK_THAT(Msg(r.status()), Catch::Contains("diff_id"));
  // The good layers below are committed; nothing of the bad one or above,
  // no active (scratch) snapshot left.
  std::vector<snapshots::Info> all = ValueOrFail(sn->List("default", {}));
  CHECK(all.size() == bad);
  for (const snapshots::Info& info : all) CHECK(info.kind == snapshots::Kind::kCommitted);
}

// Runs `argv`; "" on exit 0, else its output.
std::string Run(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const std::string& a : argv) cmd += "'" + a + "' ";
  cmd += "2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  return rc == 0 ? "" : (out.empty() ? "failed" : out);
}

TEST_CASE("skopeo reads our exports and we import skopeo's archives", "[images][interop]") {
  if (!PathExists("/usr/bin/skopeo")) testing::Skip("skopeo is not installed");
  Env env;
  Image image = env.ImportSample();
  std::string exported = env.dir.Sub("export.tar");
  {
    UniqueFd fd(open(exported.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    REQUIRE_OK(Export(*env.content, {image}, fd.get()));
  }
  CHECK(Run({"skopeo", "copy", "oci-archive:" + exported, "dir:" + env.dir.Sub("dir")}) == "");
  std::string docker_exported = env.dir.Sub("export-docker.tar");
  {
    UniqueFd fd(open(docker_exported.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ExportOptions options;
    options.format = ArchiveFormat::kDockerSave;
    REQUIRE_OK(Export(*env.content, {image}, fd.get(), options));
  }
  CHECK(Run({"skopeo", "copy", "docker-archive:" + docker_exported,
             "dir:" + env.dir.Sub("dir-docker")}) == "");

  // skopeo writes both formats from our export; we import them.
  std::string from_skopeo_oci = env.dir.Sub("skopeo-oci.tar");
  std::string from_skopeo_docker = env.dir.Sub("skopeo-docker.tar");
  REQUIRE(Run({"skopeo", "copy", "oci-archive:" + exported,
               "oci-archive:" + from_skopeo_oci + ":example.com/skopeo:oci"}) == "");
  REQUIRE(Run({"skopeo", "copy", "oci-archive:" + exported,
               "docker-archive:" + from_skopeo_docker + ":example.com/skopeo:docker"}) == "");
  Env other;
  auto sn = OpenSnapshotter(other, snapshots::OverlaySupported(other.dir.Sub("snapshotter")));
  for (const std::string& tar : {from_skopeo_oci, from_skopeo_docker}) {
    UniqueFd fd(open(tar.c_str(), O_RDONLY | O_CLOEXEC));
    std::vector<Image> images =
        ValueOrFail(Import(*other.content, *other.store, "default", fd.get()));
    REQUIRE(images.size() == 1);
    INFO(images[0].name);
    CHECK(images[0].name.starts_with("example.com/skopeo:"));
    UnpackResult r = ValueOrFail(Unpack(*other.content, *sn, "default", images[0].target));
    auto mounts =
        ValueOrFail(sn->View("default", "view-" + images[0].name.substr(19), r.chain_id.str(), {}));
    CHECK(InMount(mounts, CheckSampleTree) == "");
  }
}

}  // namespace
}  // namespace berth::containerd::images
