#include "tests/testimage/docker_archive.h"

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

const TarMember& Member(const std::vector<TarMember>& members, const std::string& name) {
  const TarMember* m = FindMember(members, name);
  INFO(name);
  REQUIRE(m != nullptr);
  return *m;
}

TEST_CASE("docker archive: manifest.json references existing members", "[testimage][docker]") {
  TempDir tmp;
  std::string archive = tmp.Sub("image.tar");
  ImageOptions opts;
  opts.layers = SampleLayers(3);
  opts.name = "berth/busybox";
  opts.tag = "test";
  ImageInfo info = ValueOrFail(CreateDockerArchive(archive, opts));
  std::vector<TarMember> members = ValueOrFail(ReadTarFile(archive));

  Json manifest = ValueOrFail(json::Parse(Member(members, "manifest.json").content, "manifest"));
  REQUIRE(manifest.is_array());
  REQUIRE(manifest.size() == 1);
  CHECK(manifest[0]["RepoTags"] == Json{"berth/busybox:test"});

  std::string config_name = manifest[0]["Config"].get<std::string>();
  CHECK(config_name == ValueOrFail(DigestHex(info.config_digest)) + ".json");
  const TarMember& config_member = Member(members, config_name);
  CHECK(ValueOrFail(Sha256Digest(config_member.content)) == info.config_digest);
  Json config = ValueOrFail(json::Parse(config_member.content, "config"));

  const Json& layers = manifest[0]["Layers"];
  REQUIRE(layers.size() == 3);
  REQUIRE(info.layers.size() == 3);
  for (size_t i = 0; i < layers.size(); ++i) {
    const TarMember& layer = Member(members, layers[i].get<std::string>());
    std::string digest = ValueOrFail(Sha256Digest(layer.content));
    CHECK(config["rootfs"]["diff_ids"][i] == digest);
    CHECK(info.layers[i].digest == digest);
    CHECK(info.layers[i].diff_id == digest);
    // docker save writes plain tars.
    CHECK(ValueOrFail(ReadTar(layer.content)).size() > 0);
    CHECK(layer.content.substr(0, 2) != "\x1f\x8b");
  }

  Json repositories = ValueOrFail(json::Parse(Member(members, "repositories").content, "repos"));
  std::string top = repositories["berth/busybox"]["test"].get<std::string>();
  CHECK(layers.back() == top + "/layer.tar");
}

TEST_CASE("docker archive: same config as the OCI image of the same options",
          "[testimage][docker]") {
  TempDir tmp;
  ImageOptions opts;
  opts.layers = SampleLayers(2);
  ImageInfo a = ValueOrFail(CreateDockerArchive(tmp.Sub("a.tar"), opts));
  ImageInfo b = ValueOrFail(CreateDockerArchive(tmp.Sub("b.tar"), opts));
  CHECK(a.config_digest == b.config_digest);
  CHECK(ValueOrFail(ReadFile(tmp.Sub("a.tar"))) == ValueOrFail(ReadFile(tmp.Sub("b.tar"))));
}

}  // namespace
}  // namespace berth::testimage
