#include "containerd/core/registry/manifest.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/strings.h"
#include "tests/testutil/status_testing.h"

namespace berth::containerd::registry {
namespace {

using images::kMediaTypeDockerManifest;
using images::kMediaTypeOciIndex;
using images::kMediaTypeOciManifest;
using testing::ValueOrFail;

Platform P(const std::string& os, const std::string& arch, const std::string& variant) {
  return Platform{.os = os, .architecture = arch, .variant = variant};
}

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');
const std::string kD3 = "sha256:" + std::string(64, '3');
const std::string kD4 = "sha256:" + std::string(64, '4');

std::string Entry(const std::string& digest, const std::string& platform) {
  return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest +
         R"(","size":10,"platform":)" + platform + "}";
}

Index SampleIndex() {
  std::string doc = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
    "manifests":[)" +
                    Entry(kD1, R"({"os":"linux","architecture":"amd64"})") + "," +
                    Entry(kD2, R"({"os":"linux","architecture":"arm","variant":"v6"})") + "," +
                    Entry(kD3, R"({"os":"linux","architecture":"arm","variant":"v7"})") + "," +
                    Entry(kD4, R"({"os":"linux","architecture":"arm64","variant":"v8"})") + "]}";
  return ValueOrFail(ParseIndex(doc));
}

TEST_CASE("registry manifest: parses manifests and detects media types", "[registry][manifest]") {
  std::string doc = R"({"schemaVersion":2,
    "mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" +
                    kD1 + R"(","size":7},
    "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":")" +
                    kD2 + R"(","size":100,"annotations":{"a":"b"}}]})";
  Manifest m = ValueOrFail(ParseManifest(doc));
  CHECK(m.media_type == kMediaTypeDockerManifest);
  CHECK(m.config.digest.str() == kD1);
  CHECK(m.config.size == 7);
  REQUIRE(m.layers.size() == 1);
  CHECK(m.layers[0].digest.str() == kD2);
  CHECK(m.layers[0].annotations.at("a") == "b");
  CHECK(ValueOrFail(DetectMediaType(doc, "")) == kMediaTypeDockerManifest);

  // No mediaType field: the Content-Type, else the shape.
  std::string bare =
      R"({"schemaVersion":2,"config":{"digest":")" + kD1 + R"(","size":1},"layers":[]})";
  CHECK(ValueOrFail(DetectMediaType(bare, std::string(kMediaTypeDockerManifest) + "; x=y")) ==
        kMediaTypeDockerManifest);
  CHECK(ValueOrFail(DetectMediaType(bare, "application/json")) == kMediaTypeOciManifest);
  CHECK(ValueOrFail(DetectMediaType(R"({"manifests":[]})", "")) == kMediaTypeOciIndex);

  absl::StatusOr<std::string> v1 = DetectMediaType(R"({"schemaVersion":1,"fsLayers":[]})", "");
  REQUIRE_FALSE(v1.ok());
  CHECK(ToStd(v1.status().message()).find("schema1") != std::string_view::npos);

  absl::StatusOr<Manifest> bad =
      ParseManifest(R"({"config":{"digest":"sha256:nothex","size":1},"layers":[]})");
  REQUIRE_FALSE(bad.ok());
  CHECK(absl::IsInvalidArgument(bad.status()));
  CHECK(ToStd(bad.status().message()).find("manifest.config.digest") != std::string_view::npos);
  bad = ParseManifest(R"({"config":{"digest":")" + kD1 + R"(","size":1},"layers":[{"size":"x"}]})");
  REQUIRE_FALSE(bad.ok());
  CHECK(ToStd(bad.status().message()).find("manifest.layers[0]") != std::string_view::npos);
  CHECK_FALSE(ParseManifest("[]").ok());
  CHECK_FALSE(ParseManifest(R"({"layers":[]})").ok());
  CHECK_FALSE(
      ParseIndex(R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]})")
          .ok());
}

TEST_CASE("registry manifest: selects a platform from an index", "[registry][manifest]") {
  Index index = SampleIndex();
  REQUIRE(index.manifests.size() == 4);
  CHECK(ValueOrFail(SelectPlatform(index, P("linux", "amd64", ""))).digest.str() == kD1);
  CHECK(ValueOrFail(SelectPlatform(index, P("linux", "arm", "v6"))).digest.str() == kD2);
  // arm without a variant means v7; arm64 without one means v8.
  CHECK(ValueOrFail(SelectPlatform(index, P("linux", "arm", ""))).digest.str() == kD3);
  CHECK(ValueOrFail(SelectPlatform(index, P("linux", "arm64", ""))).digest.str() == kD4);
  CHECK(ValueOrFail(SelectPlatform(index, P("linux", "arm64", "v8"))).digest.str() == kD4);

  absl::StatusOr<Descriptor> none = SelectPlatform(index, P("windows", "amd64", ""));
  REQUIRE_FALSE(none.ok());
  CHECK(absl::IsNotFound(none.status()));
  CHECK(ToStd(none.status().message()).find("linux/arm/v7") != std::string_view::npos);
  CHECK_FALSE(SelectPlatform(index, P("linux", "arm", "v5")).ok());

  // The host's platform (images::HostPlatform) picks its own entry.
  Platform host = images::HostPlatform();
  CHECK(host.os == "linux");
  CHECK_FALSE(host.architecture.empty());
  if (host.architecture == "amd64") {
    CHECK(ValueOrFail(SelectPlatform(index, host)).digest.str() == kD1);
  }
}

}  // namespace
}  // namespace berth::containerd::registry
