#include "containerd/core/images/oci.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testutil/status_testing.h"

namespace berth::containerd::images {
namespace {

using testing::ValueOrFail;

content::Digest D(const std::string& text) { return ValueOrFail(content::Digest::Parse(text)); }

TEST_CASE("chain IDs follow the image spec's recursion", "[images][oci]") {
  // sha256("a"), sha256("b"), sha256("c"); chain IDs computed independently
  // (python hashlib) from chain(n) = sha256(chain(n-1) + " " + diff_id(n)).
  std::vector<content::Digest> diff_ids = {
      D("sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
      D("sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"),
      D("sha256:2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6"),
  };
  std::vector<content::Digest> chain = ChainIds(diff_ids);
  REQUIRE(chain.size() == 3);
  CHECK(chain[0] == diff_ids[0]);
  CHECK(chain[1].str() ==
        "sha256:51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676");
  CHECK(chain[2].str() ==
        "sha256:2fce7f8ce91bcf0a1428b36e1024639fdbd9469eea762dba98aa749631885106");
  CHECK(ChainId(diff_ids) == chain[2]);
  CHECK(ChainId({}).empty());
}

constexpr char kIndex[] = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json",
     "digest": "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
     "size": 100, "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json",
     "digest": "sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
     "size": 200, "platform": {"os": "linux", "architecture": "amd64"},
     "annotations": {"org.opencontainers.image.ref.name": "latest"}}
  ],
  "future": {"ignored": true}
})";

TEST_CASE("an OCI index parses with platforms and annotations", "[images][oci]") {
  Index index = ValueOrFail(ParseIndex(kIndex));
  REQUIRE(index.manifests.size() == 2);
  CHECK(index.manifests[0].platform->variant == "v7");
  CHECK(index.manifests[1].size == 200);
  CHECK(index.manifests[1].annotations.at(std::string(kAnnotationRefName)) == "latest");
  // Round trip through our writer.
  Index again = ValueOrFail(ParseIndex(IndexJson(index)));
  CHECK(again.manifests == index.manifests);
}

TEST_CASE("a docker manifest list is an index", "[images][oci]") {
  std::string list = R"({"schemaVersion":2,
    "mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
      "digest":"sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
      "size":7,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]})";
  Index index = ValueOrFail(ParseIndex(list));
  CHECK(IsIndexType(index.media_type));
  CHECK(IsManifestType(index.manifests[0].media_type));
  CHECK(ValueOrFail(DetectMediaType(list)) == kMediaTypeDockerManifestList);
}

TEST_CASE("OCI and docker schema2 manifests parse", "[images][oci]") {
  std::string docker = R"({"schemaVersion":2,
    "mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1469,
      "digest":"sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
    "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2,
      "digest":"sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"}]})";
  Manifest m = ValueOrFail(ParseManifest(docker));
  CHECK(IsConfigType(m.config.media_type));
  REQUIRE(m.layers.size() == 1);
  CHECK(IsLayerType(m.layers[0].media_type));
  CHECK(ValueOrFail(DetectMediaType(R"({"schemaVersion":2,"config":{}})")) ==
        kMediaTypeOciManifest);

  SECTION("errors name the JSON path") {
    absl::Status s = ParseManifest(R"({"schemaVersion":2,"config":{"mediaType":"x","size":1,
        "digest":"sha256:nothex"}})")
                         .status();
    CHECK(absl::IsInvalidArgument(s));
    CHECK(std::string(s.message()).find("manifest.config.digest") != std::string::npos);
    CHECK(absl::IsInvalidArgument(ParseManifest(R"({"schemaVersion":1})").status()));
    CHECK(absl::IsInvalidArgument(ParseManifest("not json").status()));
  }
}

TEST_CASE("an image config yields platform and diff_ids", "[images][oci]") {
  ImageConfig c = ValueOrFail(ParseConfig(R"({"architecture":"arm64","os":"linux",
    "config":{"Cmd":["sh"]},
    "rootfs":{"type":"layers","diff_ids":[
      "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"]}})"));
  CHECK(c.platform.architecture == "arm64");
  REQUIRE(c.diff_ids.size() == 1);
  CHECK(absl::IsInvalidArgument(
      ParseConfig(R"({"architecture":"amd64","os":"linux","rootfs":{"type":"x"}})").status()));
}

TEST_CASE("platforms normalize and match as containerd's do", "[images][oci]") {
  CHECK(FormatPlatform(ValueOrFail(ParsePlatform("linux/x86_64"))) == "linux/amd64");
  CHECK(FormatPlatform(ValueOrFail(ParsePlatform("linux/aarch64/v8"))) == "linux/arm64");
  CHECK(FormatPlatform(ValueOrFail(ParsePlatform("arm"))) == "linux/arm/v7");
  CHECK(FormatPlatform(ValueOrFail(ParsePlatform("linux/armhf"))) == "linux/arm/v7");
  CHECK(absl::IsInvalidArgument(ParsePlatform("linux//v7").status()));
  CHECK(absl::IsInvalidArgument(ParsePlatform("a/b/c/d").status()));

  Platform amd64{"linux", "amd64", "", "", {}};
  Platform arm64{"linux", "arm64", "v8", "", {}};
  Platform armv7{"linux", "arm", "v7", "", {}};
  Platform armv6{"linux", "arm", "v6", "", {}};
  CHECK(PlatformMatches(amd64, Platform{"linux", "x86_64", "", "", {}}));
  CHECK_FALSE(PlatformMatches(amd64, arm64));
  CHECK(PlatformMatches(Platform{"linux", "arm64", "", "", {}}, arm64));
  CHECK(PlatformMatches(armv7, armv6));
  CHECK_FALSE(PlatformMatches(armv6, armv7));
  CHECK_FALSE(PlatformMatches(amd64, Platform{"windows", "amd64", "", "", {}}));
  Platform host = HostPlatform();
  CHECK(host.os == "linux");
  CHECK(!host.architecture.empty());
}

}  // namespace
}  // namespace berth::containerd::images
