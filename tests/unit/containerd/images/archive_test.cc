#include "containerd/core/images/archive.h"

#include <fcntl.h>
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
#include "common/unique_fd.h"
#include "containerd/core/images/tar_io.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::containerd::images {
namespace {

using testing::ValueOrFail;

std::string Msg(const absl::Status& s) { return std::string(ToStd(s.message())); }

struct Env {
  Env() : dir("berth-images-archive") {
    content = ValueOrFail(content::Store::Open(dir.Sub("content")));
    store = ValueOrFail(metadata::Store::Open(dir.Sub("metadata.db")));
  }
  absl::StatusOr<std::vector<Image>> ImportFile(const std::string& path,
                                                const ImportOptions& options = {}) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd.ok());
    return Import(*content, *store, "default", fd.get(), options);
  }
  std::vector<Image> List() {
    return ValueOrFail(store->ViewValue(
        [&](metadata::Transaction& tx) { return ImageStore(tx, "default").List(); }));
  }
  absl::Status ExportFile(const std::vector<Image>& images, const std::string& path,
                          ArchiveFormat format) {
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    REQUIRE(fd.ok());
    ExportOptions options;
    options.format = format;
    return Export(*content, images, fd.get(), options);
  }
  testing::TempDir dir;
  std::unique_ptr<content::Store> content;
  std::unique_ptr<metadata::Store> store;
};

testimage::ImageOptions SampleImage() {
  testimage::ImageOptions opts;
  opts.layers = testimage::SampleLayers(3);
  return opts;
}

// Rewrites the tar at `from` to `to`, passing each regular member through
// `edit` (return false to drop it).
void RewriteTar(const std::string& from, const std::string& to,
                const std::function<bool(const std::string&, std::string&)>& edit) {
  std::vector<testimage::TarMember> members = ValueOrFail(testimage::ReadTarFile(from));
  UniqueFd fd(open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  REQUIRE(fd.ok());
  auto w = ValueOrFail(internal::TarWriter::Open(fd.get()));
  for (testimage::TarMember& m : members) {
    if (m.type != S_IFREG) continue;
    if (!edit(m.name, m.content)) continue;
    REQUIRE_OK(w->AddFile(m.name, m.content));
  }
  REQUIRE_OK(w->Close());
}

TEST_CASE("import an OCI archive made by berth_testimage", "[images][archive]") {
  Env env;
  std::string tar = env.dir.Sub("oci.tar");
  testimage::ImageInfo info = ValueOrFail(testimage::CreateOciArchive(tar, SampleImage()));
  std::vector<Image> images = ValueOrFail(env.ImportFile(tar));
  REQUIRE(images.size() == 1);
  CHECK(images[0].name == "busybox:latest");  // from manifest.json's RepoTags
  CHECK(images[0].target.digest.str() == info.manifest_digest);
  CHECK(env.List().size() == 1);

  ResolvedImage r = ValueOrFail(ResolveImage(*env.content, images[0].target, HostPlatform()));
  REQUIRE(r.config.diff_ids.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(r.config.diff_ids[i].str() == info.layers[i].diff_id);
    CHECK(ValueOrFail(env.content->Info(r.manifest.layers[i].digest)).size == info.layers[i].size);
  }

  SECTION("importing again points the same name at the target") {
    ImportOptions options;
    options.labels = {{"imported", "yes"}};
    std::vector<Image> again = ValueOrFail(env.ImportFile(tar, options));
    REQUIRE(again.size() == 1);
    CHECK(again[0].target == images[0].target);
    CHECK(again[0].labels.at("imported") == "yes");
  }
}

TEST_CASE("import an OCI layout named only by a tag", "[images][archive]") {
  Env env;
  std::string tar = env.dir.Sub("oci.tar");
  REQUIRE_OK(testimage::CreateOciArchive(tar, SampleImage()).status());
  std::string stripped = env.dir.Sub("stripped.tar");
  RewriteTar(tar, stripped, [](const std::string& name, std::string& data) {
    if (name == "index.json") {
      json::Json index = ValueOrFail(json::Parse(data, "index.json"));
      index["manifests"][0]["annotations"].erase(std::string(kAnnotationImageName));
      data = json::Dump(index);
    }
    return name != "manifest.json";
  });
  CHECK(ValueOrFail(env.ImportFile(stripped))[0].name == "latest");
  ImportOptions options;
  options.base_name = "example.com/busybox";
  CHECK(ValueOrFail(env.ImportFile(stripped, options))[0].name == "example.com/busybox:latest");
}

TEST_CASE("import a docker-save archive", "[images][archive]") {
  Env env;
  std::string tar = env.dir.Sub("docker.tar");
  testimage::ImageOptions opts = SampleImage();
  opts.name = "example.com/busybox";
  opts.tag = "v1";
  testimage::ImageInfo info = ValueOrFail(testimage::CreateDockerArchive(tar, opts));
  std::vector<Image> images = ValueOrFail(env.ImportFile(tar));
  REQUIRE(images.size() == 1);
  CHECK(images[0].name == "example.com/busybox:v1");
  CHECK(images[0].target.media_type == kMediaTypeOciManifest);
  ResolvedImage r = ValueOrFail(ResolveImage(*env.content, images[0].target, HostPlatform()));
  CHECK(r.manifest.config.digest.str() == info.config_digest);
  REQUIRE(r.manifest.layers.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(r.manifest.layers[i].media_type == kMediaTypeOciLayer);
    CHECK(r.manifest.layers[i].digest.str() == info.layers[i].diff_id);
  }
}

TEST_CASE("a tarball with a missing or corrupt blob imports nothing", "[images][archive]") {
  Env env;
  std::string oci = env.dir.Sub("oci.tar");
  testimage::ImageInfo info = ValueOrFail(testimage::CreateOciArchive(oci, SampleImage()));
  std::string top_layer =
      "blobs/sha256/" + ValueOrFail(testimage::DigestHex(info.layers[2].digest));
  std::string bad = env.dir.Sub("bad.tar");

  SECTION("missing layer") {
    RewriteTar(oci, bad, [&](const std::string& name, std::string&) { return name != top_layer; });
    absl::Status s = env.ImportFile(bad).status();
    CHECK(absl::IsNotFound(s));
    CHECK_THAT(Msg(s), Catch::Contains(info.layers[2].digest));
  }
  SECTION("layer that does not match its digest") {
    RewriteTar(oci, bad, [&](const std::string& name, std::string& data) {
      if (name == top_layer) data[data.size() / 2] ^= 1;
      return true;
    });
    absl::Status s = env.ImportFile(bad).status();
    CHECK(absl::IsDataLoss(s));
    CHECK_THAT(Msg(s), Catch::Contains(top_layer));
    CHECK(ValueOrFail(env.content->ListStatuses()).empty());  // no ingest left behind
  }
  SECTION("docker layer that does not match its diff_id") {
    std::string docker = env.dir.Sub("docker.tar");
    REQUIRE_OK(testimage::CreateDockerArchive(docker, SampleImage()).status());
    RewriteTar(docker, bad, [&](const std::string& name, std::string& data) {
      if (name.ends_with("/layer.tar") && data.size() > 1024) data[600] ^= 1;
      return true;
    });
    CHECK(absl::IsDataLoss(env.ImportFile(bad).status()));
  }
  SECTION("not an image archive") {
    RewriteTar(oci, bad, [&](const std::string& name, std::string&) {
      return name != "index.json" && name != "manifest.json";
    });
    CHECK(absl::IsInvalidArgument(env.ImportFile(bad).status()));
    REQUIRE_OK(WriteFile(bad, "not a tar at all"));
    CHECK_FALSE(env.ImportFile(bad).ok());
  }
  CHECK(env.List().empty());
}

TEST_CASE("export then import round trips in both formats", "[images][archive]") {
  Env env;
  std::string tar = env.dir.Sub("oci.tar");
  REQUIRE_OK(testimage::CreateOciArchive(tar, SampleImage()).status());
  std::vector<Image> images = ValueOrFail(env.ImportFile(tar));
  Image renamed = images[0];
  renamed.name = "example.com/busybox:two";
  images.push_back(renamed);

  auto format = GENERATE(ArchiveFormat::kOciLayout, ArchiveFormat::kDockerSave);
  std::string out = env.dir.Sub("export.tar");
  REQUIRE_OK(env.ExportFile(images, out, format));

  Env other;
  std::vector<Image> imported = ValueOrFail(other.ImportFile(out));
  REQUIRE(imported.size() == 2);
  CHECK(imported[0].name == "busybox:latest");
  CHECK(imported[1].name == "example.com/busybox:two");
  ResolvedImage want = ValueOrFail(ResolveImage(*env.content, images[0].target, HostPlatform()));
  for (const Image& image : imported) {
    ResolvedImage got = ValueOrFail(ResolveImage(*other.content, image.target, HostPlatform()));
    CHECK(got.manifest.config.digest == want.manifest.config.digest);
    CHECK(got.config.diff_ids == want.config.diff_ids);
    if (format == ArchiveFormat::kOciLayout) CHECK(image.target.digest == images[0].target.digest);
  }
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

TEST_CASE("an index resolves to the manifest of the platform", "[images][oci]") {
  Env env;
  auto manifest_for = [&](const std::string& arch, const std::string& variant) {
    std::string config = R"({"architecture":")" + arch + R"(","os":"linux")" +
                         (variant.empty() ? "" : R"(,"variant":")" + variant + "\"") +
                         R"(,"rootfs":{"type":"layers","diff_ids":[]}})";
    Manifest m;
    m.media_type = std::string(kMediaTypeOciManifest);
    m.config = Put(*env.content, kMediaTypeOciConfig, config);
    Descriptor d = Put(*env.content, kMediaTypeOciManifest, ManifestJson(m));
    d.platform = Platform{"linux", arch, variant, "", {}};
    return d;
  };
  Index index;
  index.media_type = std::string(kMediaTypeOciIndex);
  index.manifests = {manifest_for("arm", "v6"), manifest_for("arm64", ""),
                     manifest_for("amd64", ""), manifest_for("riscv64", "")};
  Descriptor target = Put(*env.content, kMediaTypeOciIndex, IndexJson(index));

  CHECK(ValueOrFail(ResolveImage(*env.content, target, ValueOrFail(ParsePlatform("linux/arm64"))))
            .manifest_descriptor.digest == index.manifests[1].digest);
  CHECK(ValueOrFail(ResolveImage(*env.content, target, ValueOrFail(ParsePlatform("linux/amd64"))))
            .manifest_descriptor.digest == index.manifests[2].digest);
  CHECK(ValueOrFail(ResolveImage(*env.content, target, ValueOrFail(ParsePlatform("linux/arm/v7"))))
            .manifest_descriptor.digest == index.manifests[0].digest);
  CHECK(absl::IsNotFound(
      ResolveImage(*env.content, target, ValueOrFail(ParsePlatform("linux/s390x"))).status()));
  // The host's platform is the default (Berth's hosts are among these).
  CHECK(ResolveImage(*env.content, target, HostPlatform()).ok());
}

}  // namespace
}  // namespace berth::containerd::images
