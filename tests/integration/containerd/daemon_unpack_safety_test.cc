// Hostile layers through the daemon: Images.Import of images whose layers
// try to write outside their snapshot, then Images.Unpack. Either the
// unpack fails naming the entry and leaves no snapshot of the bad layer, or
// (absolute names, symlinks: resolved as in a chroot of the snapshot, as
// containerd does) the write lands inside the snapshot. Never on the host.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "containerd/core/content/digest.h"
#include "tests/integration/containerd/daemon_fixture.h"
#include "tests/integration/containerd/diff_helpers.h"
#include "tests/unit/containerd/diff/test_layer.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;
using namespace berth::containerd::diff::testing;

std::string Sha(const std::string& data) { return containerd::content::Digest::Of(data).str(); }

// An OCI archive (oci-layout, index.json, blobs) of an image whose layers
// are the given uncompressed tars, tagged `tag`.
std::string OciArchive(const std::vector<std::string>& layers, const std::string& tag) {
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"config", nlohmann::json::object()},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}}};
#if defined(__aarch64__)
  config["architecture"] = "arm64";
#endif
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"layers", nlohmann::json::array()}};
  std::vector<TarEntry> files = {Dir("blobs"), Dir("blobs/sha256")};
  auto blob = [&](const std::string& data) {
    files.push_back(File("blobs/sha256/" + Sha(data).substr(7), data));
  };
  for (const std::string& tar : layers) {
    config["rootfs"]["diff_ids"].push_back(Sha(tar));
    manifest["layers"].push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                  {"digest", Sha(tar)},
                                  {"size", tar.size()}});
    blob(tar);
  }
  std::string config_json = config.dump();
  manifest["config"] = {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                        {"digest", Sha(config_json)},
                        {"size", config_json.size()}};
  std::string manifest_json = manifest.dump();
  blob(config_json);
  blob(manifest_json);
  nlohmann::json index = {{"schemaVersion", 2},
                          {"manifests",
                           {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"digest", Sha(manifest_json)},
                             {"size", manifest_json.size()},
                             {"annotations", {{"org.opencontainers.image.ref.name", tag}}}}}}};
  files.push_back(File("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  files.push_back(File("index.json", index.dump()));
  return BuildTar(files);
}

grpc::Status ImportBytes(DaemonFixture& f, const std::string& data, const std::string& base_name,
                         std::vector<ctrpb::Image>* images) {
  auto context = Ctx();
  ctrpb::ImportImageResponse response;
  auto writer = f.images().Import(context.get(), &response);
  for (size_t i = 0; i < data.size() || i == 0; i += 100000) {
    ctrpb::ImportImageRequest chunk;
    if (i == 0) chunk.set_base_name(base_name);
    chunk.set_data(data.substr(i, 100000));
    if (!writer->Write(chunk)) break;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  images->assign(response.images().begin(), response.images().end());
  return s;
}

std::vector<ctrpb::SnapshotInfo> Snapshots(DaemonFixture& f) {
  ctrpb::ListSnapshotsRequest list;
  ctrpb::ListSnapshotsResponse listed;
  REQUIRE(f.snapshots().List(Ctx().get(), list, &listed).ok());
  return {listed.info().begin(), listed.info().end()};
}

struct Case {
  std::string name;
  std::vector<TarEntry> entries;
  // Empty: unpack succeeds (the write is kept inside the snapshot).
  std::string error;
  StatusCode code = StatusCode::INVALID_ARGUMENT;
};

TEST_CASE("Unpack through the daemon never writes outside the snapshot",
          "[containerd][images][safety]") {
  DaemonFixture f;
  // Canaries on the host: the layers aim at them.
  const std::string host = f.Path("host");
  REQUIRE(MkdirAll(host).ok());
  REQUIRE(WriteFile(host + "/victim", "original\n").ok());
  const std::string up = "../../../../../../../../../../../..";  // enough to reach / from anywhere

  std::vector<Case> cases = {
      {"dotdot", {File(up + host + "/dotdot", "x")}, "escapes the root"},
      {"dotdot-dir", {Dir("a"), File("a/" + up + host + "/dotdot2", "x")}, "escapes the root"},
      {"absolute", {File(host + "/absolute", "x")}, ""},
      {"symlink-abs", {Symlink("evil", host), File("evil/through-abs", "x")}, ""},
      {"symlink-rel", {Symlink("evil", up + host), File("evil/through-rel", "x")}, ""},
      {"symlink-victim", {Symlink("v", host + "/victim"), File("v", "overwritten\n")}, ""},
      {"hardlink-host",
       {Hardlink("passwd", "/etc/passwd")},
       "hardlink target",
       StatusCode::NOT_FOUND},
      {"hardlink-dotdot", {Hardlink("victim", up + host + "/victim")}, "escapes the root"},
      {"device",
       {TarEntry{.name = "sda", .type = AE_IFBLK, .perm = 0600, .dev_major = 8}},
       "device node not allowed"},
      {"whiteout-dotdot", {File(up + host + "/.wh.victim", "")}, "escapes the root"},
      {"whiteout-dots", {Dir("d"), File("d/.wh..", "")}, "invalid whiteout"},
      {"whiteout-symlink", {Symlink("w", host), File("w/.wh.victim", "")}, ""},
  };
  const std::string base = BuildTar({Dir("tmp")});
  int unpacked_images = 0;
  for (const Case& c : cases) {
    INFO("case " << c.name);
    std::vector<ctrpb::Image> images;
    const std::string name = "localhost/evil/" + c.name;
    // Two layers: a good base and the bad one on top.
    grpc::Status s =
        ImportBytes(f, OciArchive({base, BuildTar(c.entries)}, "latest"), name, &images);
    INFO(s.error_message());
    REQUIRE(s.ok());
    REQUIRE(images.size() == 1);

    ctrpb::UnpackImageRequest unpack;
    unpack.set_name(images[0].name());
    ctrpb::UnpackImageResponse unpacked;
    s = f.images().Unpack(Ctx().get(), unpack, &unpacked);
    if (c.error.empty()) {
      INFO(s.error_message());
      CHECK(s.ok());
    } else {
      CHECK(s.error_code() == c.code);
      CHECK_THAT(s.error_message(), Catch::Contains(c.error));
      CHECK_THAT(s.error_message(), Catch::Contains("layer entry"));
    }
    if (s.ok()) ++unpacked_images;
    // The base is committed; nothing of a bad layer, not even its active
    // extraction snapshot.
    int top_layers = 0;
    for (const ctrpb::SnapshotInfo& info : Snapshots(f)) {
      INFO("snapshot " << info.name());
      CHECK(info.kind() == ctrpb::SNAPSHOT_KIND_COMMITTED);
      if (!info.parent().empty()) ++top_layers;
    }
    CHECK(top_layers == unpacked_images);
    // Nothing new on the host, the victim intact.
    std::vector<std::string> host_files;
    for (const auto& entry : std::filesystem::directory_iterator(host)) {
      host_files.push_back(entry.path().filename());
    }
    CHECK(host_files == std::vector<std::string>{"victim"});
    CHECK(ReadFile(host + "/victim").value_or("") == "original\n");
    CHECK(PathExists("/etc/passwd"));
  }

  // The contained writes are inside the snapshots: absolute names under
  // the snapshot's own copy of the host path.
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           f.RootDir() + "/snapshots",
           std::filesystem::directory_options::skip_permission_denied)) {
    std::string fname = entry.path().filename();
    if (fname == "absolute" || fname == "through-abs" || fname == "through-rel") {
      found.push_back(fname);
      CHECK(entry.path().string().find(host) != std::string::npos);  // <snapshot>/fs/<host path>
    }
  }
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<std::string>{"absolute", "through-abs", "through-rel"});
  CHECK(MountsUnder(f.RootDir()).empty());
}

}  // namespace
}  // namespace berth::testing
