// skopeo reads what berth_testimage writes: OCI layouts, OCI archives and
// docker archives, and agrees on the digests. Local transports only.
#include <catch2/catch.hpp>

#include "common/json_util.h"
#include "common/strings.h"
#include "tests/integration/testimage/image_tools.h"
#include "tests/testimage/docker_archive.h"
#include "tests/testimage/oci_layout.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testimage {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using json::Json;

Json Inspect(const std::string& skopeo, const std::string& reference) {
  SpawnResult r = RunTool({skopeo, "inspect", reference});
  INFO(reference << ": " << r.err);
  REQUIRE(r.status.success());
  return ValueOrFail(json::Parse(r.out, "skopeo inspect"));
}

std::vector<std::string> Digests(const std::vector<LayerInfo>& layers, bool diff_ids) {
  std::vector<std::string> out;
  for (const LayerInfo& l : layers) out.push_back(diff_ids ? l.diff_id : l.digest);
  return out;
}

ImageOptions Sample() {
  ImageOptions opts;
  opts.layers = SampleLayers(3);
  opts.name = "berth/busybox";
  opts.tag = "it";
  opts.cmd = {"/bin/sh", "-c", "echo hi"};
  opts.labels = {{"org.berth.test", "skopeo"}};
  return opts;
}

TEST_CASE("skopeo inspects the OCI layout and the docker archive alike", "[testimage][skopeo]") {
  std::string skopeo = RequireProgram("skopeo");
  TempDir tmp;
  ImageOptions opts = Sample();
  opts.gzip = false;  // docker archives hold plain tars, so digests match
  ImageInfo oci = ValueOrFail(CreateOciLayout(tmp.Sub("layout"), opts));
  ImageInfo docker = ValueOrFail(CreateDockerArchive(tmp.Sub("docker.tar"), opts));

  Json from_oci = Inspect(skopeo, "oci:" + tmp.Sub("layout") + ":it");
  Json from_docker = Inspect(skopeo, "docker-archive:" + tmp.Sub("docker.tar"));
  CHECK(from_oci["Digest"] == oci.manifest_digest);
  CHECK(from_oci["Layers"] == Json(Digests(oci.layers, false)));
  CHECK(from_docker["Layers"] == from_oci["Layers"]);
  CHECK(from_docker["Layers"] == Json(Digests(docker.layers, false)));
  CHECK(from_oci["Architecture"] == from_docker["Architecture"]);
  CHECK(from_oci["Labels"] == Json{{"org.berth.test", "skopeo"}});
  CHECK(from_docker["Labels"] == Json{{"org.berth.test", "skopeo"}});

  // The RepoTag picks the image out of the archive.
  Inspect(skopeo, "docker-archive:" + tmp.Sub("docker.tar") + ":berth/busybox:it");
}

TEST_CASE("skopeo inspects gzip layouts and OCI archives", "[testimage][skopeo]") {
  std::string skopeo = RequireProgram("skopeo");
  TempDir tmp;
  ImageInfo layout = ValueOrFail(CreateOciLayout(tmp.Sub("layout"), Sample()));
  ImageInfo archive = ValueOrFail(CreateOciArchive(tmp.Sub("oci.tar"), Sample()));
  CHECK(layout.manifest_digest == archive.manifest_digest);

  Json from_layout = Inspect(skopeo, "oci:" + tmp.Sub("layout") + ":it");
  CHECK(from_layout["Layers"] == Json(Digests(layout.layers, false)));
  Json from_archive = Inspect(skopeo, "oci-archive:" + tmp.Sub("oci.tar") + ":it");
  CHECK(from_archive["Layers"] == from_layout["Layers"]);
  CHECK(from_archive["Digest"] == layout.manifest_digest);

  // The OCI archive's docker-style manifest.json also reads as a docker
  // archive; skopeo then reports the uncompressed digests.
  Json as_docker = Inspect(skopeo, "docker-archive:" + tmp.Sub("oci.tar"));
  CHECK(as_docker["Layers"] == Json(Digests(layout.layers, true)));

  Json config = ValueOrFail(json::Parse(
      RunTool({skopeo, "inspect", "--config", "oci:" + tmp.Sub("layout") + ":it"}).out, "config"));
  CHECK(config["config"]["Cmd"] == Json{"/bin/sh", "-c", "echo hi"});
  CHECK(config["rootfs"]["diff_ids"] == Json(Digests(layout.layers, true)));
}

TEST_CASE("skopeo copy verifies every blob", "[testimage][skopeo]") {
  std::string skopeo = RequireProgram("skopeo");
  TempDir tmp;
  ValueOrFail(CreateOciLayout(tmp.Sub("layout"), Sample()));
  ValueOrFail(CreateDockerArchive(tmp.Sub("docker.tar"), Sample()));
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"oci:" + tmp.Sub("layout") + ":it", "oci:" + tmp.Sub("copy1") + ":it"},
           {"docker-archive:" + tmp.Sub("docker.tar"), "oci:" + tmp.Sub("copy2") + ":it"},
       }) {
    SpawnResult r = RunTool({skopeo, "--insecure-policy", "copy", "--quiet", from, to});
    INFO(from << " -> " << to << ": " << r.err);
    CHECK(r.status.success());
  }
}

}  // namespace
}  // namespace berth::testimage
