#include "tests/testimage/oci_layout.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testimage/digest.h"
#include "tests/testimage/tar_reader.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testimage {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using json::Json;

// Reads the blob a descriptor points at and checks its size and digest.
std::string VerifiedBlob(const std::string& layout, const Json& descriptor) {
  std::string digest = descriptor["digest"].get<std::string>();
  INFO(digest);
  std::string hex = ValueOrFail(DigestHex(digest));
  std::string blob = ValueOrFail(ReadFile(layout + "/blobs/sha256/" + hex));
  CHECK(static_cast<int64_t>(blob.size()) == descriptor["size"].get<int64_t>());
  CHECK(ValueOrFail(Sha256Digest(blob)) == digest);
  return blob;
}

Json ParseJson(const std::string& text) { return ValueOrFail(json::Parse(text, "blob")); }

ImageOptions SampleImage(int layers) {
  ImageOptions opts;
  opts.layers = SampleLayers(layers);
  opts.tag = "v1";
  return opts;
}

TEST_CASE("OCI layout: index, manifest, config and layers all verify", "[testimage][oci]") {
  TempDir tmp;
  std::string layout = tmp.Sub("layout");
  ImageInfo info = ValueOrFail(CreateOciLayout(layout, SampleImage(3)));

  CHECK(ParseJson(ValueOrFail(ReadFile(layout + "/oci-layout"))) ==
        Json{{"imageLayoutVersion", "1.0.0"}});
  Json index = ParseJson(ValueOrFail(ReadFile(layout + "/index.json")));
  CHECK(index["schemaVersion"] == 2);
  CHECK(index["mediaType"] == kMediaTypeIndex);
  REQUIRE(index["manifests"].size() == 1);
  const Json& entry = index["manifests"][0];
  CHECK(entry["mediaType"] == kMediaTypeManifest);
  CHECK(entry["annotations"][kAnnotationRefName] == "v1");
  CHECK(entry["digest"] == info.manifest_digest);

  Json manifest = ParseJson(VerifiedBlob(layout, entry));
  CHECK(manifest["schemaVersion"] == 2);
  CHECK(manifest["mediaType"] == kMediaTypeManifest);
  CHECK(manifest["config"]["mediaType"] == kMediaTypeConfig);
  CHECK(manifest["config"]["digest"] == info.config_digest);
  Json config = ParseJson(VerifiedBlob(layout, manifest["config"]));

  REQUIRE(manifest["layers"].size() == 3);
  REQUIRE(info.layers.size() == 3);
  REQUIRE(config["rootfs"]["type"] == "layers");
  REQUIRE(config["rootfs"]["diff_ids"].size() == 3);
  CHECK(config["history"].size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    INFO("layer " << i + 1);
    const Json& descriptor = manifest["layers"][i];
    CHECK(descriptor["mediaType"] == kMediaTypeLayerGzip);
    CHECK(descriptor["digest"] == info.layers[i].digest);
    std::string blob = VerifiedBlob(layout, descriptor);
    std::string tar = ValueOrFail(Decompress(blob));
    CHECK(blob.substr(0, 2) == "\x1f\x8b");
    std::string diff_id = ValueOrFail(Sha256Digest(tar));
    CHECK(config["rootfs"]["diff_ids"][i] == diff_id);
    CHECK(info.layers[i].diff_id == diff_id);
  }
}

TEST_CASE("OCI layout: the base layer is the busybox rootfs", "[testimage][oci]") {
  TempDir tmp;
  ImageOptions opts;
  opts.timestamp = 1700000000;
  ImageInfo info = ValueOrFail(CreateOciLayout(tmp.path(), opts));
  REQUIRE(info.layers.size() == 1);
  std::string blob = ValueOrFail(
      ReadFile(tmp.Sub("blobs/sha256/" + ValueOrFail(DigestHex(info.layers[0].digest)))));
  std::vector<TarMember> members = ValueOrFail(ReadTar(blob));

  const TarMember* busybox = FindMember(members, "bin/busybox");
  REQUIRE(busybox != nullptr);
  CHECK(busybox->type == S_IFREG);
  CHECK(busybox->mode == 0755);
  CHECK(busybox->content == ValueOrFail(ReadFile("/bin/busybox")));
  const TarMember* sh = FindMember(members, "bin/sh");
  REQUIRE(sh != nullptr);
  CHECK(sh->type == S_IFLNK);
  CHECK(sh->link_target == "/bin/busybox");
  const TarMember* tmp_dir = FindMember(members, "tmp");
  REQUIRE(tmp_dir != nullptr);
  CHECK(tmp_dir->mode == 01777);
  for (const TarMember& m : members) {
    INFO(m.name);
    CHECK(m.uid == 0);
    CHECK(m.gid == 0);
    CHECK(m.mtime == 1700000000);
  }
  // Parents always precede children.
  CHECK(members.front().name == "bin");
}

TEST_CASE("OCI layout: whiteouts and opaque directories", "[testimage][oci]") {
  TempDir tmp;
  ImageInfo info = ValueOrFail(CreateOciLayout(tmp.path(), SampleImage(3)));
  auto layer = [&](size_t i) {
    std::string hex = ValueOrFail(DigestHex(info.layers[i].digest));
    return ValueOrFail(ReadTar(ValueOrFail(ReadFile(tmp.Sub("blobs/sha256/" + hex)))));
  };
  std::vector<TarMember> layer2 = layer(1);
  CHECK(FindMember(layer2, ".wh.mnt") != nullptr);
  CHECK(FindMember(layer2, "usr/bin/.wh.yes") != nullptr);
  CHECK(FindMember(layer2, "usr/bin") != nullptr);
  REQUIRE(FindMember(layer2, "opt/berth/a.txt") != nullptr);
  CHECK(FindMember(layer2, "opt/berth/a.txt")->content == "a\n");
  CHECK(FindMember(layer2, "bin/busybox") == nullptr);

  std::vector<TarMember> layer3 = layer(2);
  std::vector<std::string> names;
  for (const TarMember& m : layer3) names.push_back(m.name);
  CHECK(names ==
        std::vector<std::string>{"opt", "opt/berth", "opt/berth/.wh..wh..opq", "opt/berth/c.txt"});
}

TEST_CASE("OCI layout: custom layers and config fields", "[testimage][oci]") {
  TempDir tmp;
  ImageOptions opts;
  LayerSpec spec;
  spec.files = {{"/app/run.sh", "#!/bin/sh\n"}};
  spec.whiteouts = {"/etc/motd"};
  spec.opaque_dirs = {"/var"};
  opts.layers = {spec};
  opts.entrypoint = {"/app/run.sh"};
  opts.cmd = {"--flag"};
  opts.env = {"PATH=/bin", "A=b"};
  opts.working_dir = "/app";
  opts.user = "1000:1000";
  opts.labels = {{"org.example", "yes"}};
  opts.exposed_ports = {"8080/tcp"};
  opts.volumes = {"/data"};
  opts.architecture = "arm64";
  ImageInfo info = ValueOrFail(CreateOciLayout(tmp.path(), opts));

  Json config = ParseJson(
      ValueOrFail(ReadFile(tmp.Sub("blobs/sha256/" + ValueOrFail(DigestHex(info.config_digest))))));
  CHECK(config["architecture"] == "arm64");
  CHECK(config["os"] == "linux");
  CHECK(config["created"] == "1970-01-01T00:00:00Z");
  const Json& c = config["config"];
  CHECK(c["Entrypoint"] == Json{"/app/run.sh"});
  CHECK(c["Cmd"] == Json{"--flag"});
  CHECK(c["Env"] == Json{"PATH=/bin", "A=b"});
  CHECK(c["WorkingDir"] == "/app");
  CHECK(c["User"] == "1000:1000");
  CHECK(c["Labels"] == Json{{"org.example", "yes"}});
  CHECK(c["ExposedPorts"] == Json{{"8080/tcp", Json::object()}});
  CHECK(c["Volumes"] == Json{{"/data", Json::object()}});

  std::string hex = ValueOrFail(DigestHex(info.layers[1].digest));
  std::vector<TarMember> layer2 =
      ValueOrFail(ReadTar(ValueOrFail(ReadFile(tmp.Sub("blobs/sha256/" + hex)))));
  CHECK(FindMember(layer2, "app/run.sh") != nullptr);
  CHECK(FindMember(layer2, "etc/.wh.motd") != nullptr);
  CHECK(FindMember(layer2, "var/.wh..wh..opq") != nullptr);
}

TEST_CASE("OCI layout: the same inputs give the same digests", "[testimage][oci]") {
  TempDir tmp;
  ImageInfo a = ValueOrFail(CreateOciLayout(tmp.Sub("a"), SampleImage(3)));
  ImageInfo b = ValueOrFail(CreateOciLayout(tmp.Sub("b"), SampleImage(3)));
  CHECK(a.manifest_digest == b.manifest_digest);
  CHECK(a.config_digest == b.config_digest);
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    CHECK(a.layers[i].digest == b.layers[i].digest);
    CHECK(a.layers[i].diff_id == b.layers[i].diff_id);
  }
  CHECK(ValueOrFail(ReadFile(tmp.Sub("a/index.json"))) ==
        ValueOrFail(ReadFile(tmp.Sub("b/index.json"))));

  ImageOptions later = SampleImage(3);
  later.timestamp = 86400;
  ImageInfo c = ValueOrFail(CreateOciLayout(tmp.Sub("c"), later));
  CHECK(c.layers[0].diff_id != a.layers[0].diff_id);
  CHECK(c.manifest_digest != a.manifest_digest);
}

TEST_CASE("OCI layout: uncompressed layers", "[testimage][oci]") {
  TempDir tmp;
  ImageOptions opts = SampleImage(2);
  opts.gzip = false;
  ImageInfo info = ValueOrFail(CreateOciLayout(tmp.path(), opts));
  ImageInfo gz = ValueOrFail(CreateOciLayout(tmp.Sub("gz"), SampleImage(2)));
  for (size_t i = 0; i < info.layers.size(); ++i) {
    CHECK(info.layers[i].media_type == kMediaTypeLayer);
    CHECK(info.layers[i].digest == info.layers[i].diff_id);
    CHECK(info.layers[i].diff_id == gz.layers[i].diff_id);
    CHECK(info.layers[i].size == info.layers[i].uncompressed_size);
  }
  // The config names diff_ids only, so compression does not change it.
  CHECK(info.config_digest == gz.config_digest);
}

TEST_CASE("OCI archive holds the layout plus a docker manifest", "[testimage][oci]") {
  TempDir tmp;
  std::string archive = tmp.Sub("image.tar");
  ImageInfo info = ValueOrFail(CreateOciArchive(archive, SampleImage(2)));
  std::vector<TarMember> members = ValueOrFail(ReadTarFile(archive));
  REQUIRE(FindMember(members, "oci-layout") != nullptr);
  REQUIRE(FindMember(members, "index.json") != nullptr);
  Json index = ParseJson(FindMember(members, "index.json")->content);
  CHECK(index["manifests"][0]["digest"] == info.manifest_digest);
  for (const std::string& digest :
       {info.manifest_digest, info.config_digest, info.layers[0].digest, info.layers[1].digest}) {
    const TarMember* blob = FindMember(members, "blobs/sha256/" + ValueOrFail(DigestHex(digest)));
    REQUIRE(blob != nullptr);
    CHECK(ValueOrFail(Sha256Digest(blob->content)) == digest);
  }
  Json docker = ParseJson(FindMember(members, "manifest.json")->content);
  CHECK(docker[0]["RepoTags"] == Json{"busybox:v1"});
  for (const Json& layer : docker[0]["Layers"]) {
    CHECK(FindMember(members, layer.get<std::string>()) != nullptr);
  }
}

TEST_CASE("SetReference splits name and tag", "[testimage][oci]") {
  ImageOptions opts;
  REQUIRE_OK(SetReference("v2", &opts));
  CHECK((opts.name == "busybox" && opts.tag == "v2"));
  REQUIRE_OK(SetReference("example.com:5000/team/app:1.0", &opts));
  CHECK((opts.name == "example.com:5000/team/app" && opts.tag == "1.0"));
  REQUIRE_OK(SetReference("localhost:5000/app", &opts));
  CHECK((opts.name == "localhost:5000/app" && opts.tag == "latest"));
  CHECK_FALSE(SetReference("app:", &opts).ok());
  CHECK_FALSE(SetReference(":tag", &opts).ok());
  CHECK_FALSE(SetReference("", &opts).ok());
}

}  // namespace
}  // namespace berth::testimage
