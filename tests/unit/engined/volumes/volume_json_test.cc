#include "engined/volumes/volume_json.h"

#include <catch2/catch.hpp>

#include "common/strings.h"
#include "engined/volumes/mount_point.h"
#include "tests/testutil/status_testing.h"

namespace berth::engined::volumes {
namespace {

using berth::testing::ValueOrFail;

TEST_CASE("the API's Volume object", "[volumes]") {
  Volume v;
  v.name = "data";
  v.mountpoint = "/var/lib/berth/volumes/data/_data";
  v.created_at = "2026-12-02T15:00:00Z";
  v.options = {{"type", "tmpfs"}, {"device", "tmpfs"}};
  nlohmann::json j = VolumeToApiJson(v);
  CHECK(j == nlohmann::json::parse(R"({"Name":"data","Driver":"local",
      "Mountpoint":"/var/lib/berth/volumes/data/_data","CreatedAt":"2026-12-02T15:00:00Z",
      "Labels":{},"Scope":"local","Options":{"type":"tmpfs","device":"tmpfs"}})"));
  VolumeUsage u;
  u.size = 42;
  u.ref_count = 2;
  j = VolumeToApiJson(v, &u);
  CHECK(j["UsageData"] == nlohmann::json{{"Size", 42}, {"RefCount", 2}});
}

TEST_CASE("metadata round trip and its errors", "[volumes]") {
  Volume v;
  v.name = "m1";
  v.created_at = "2026-12-02T15:00:00Z";
  v.labels = {{"a", "b"}};
  v.options = {{"o", "size=1m"}};
  Volume back = ValueOrFail(VolumeFromMetadata(VolumeToMetadata(v), "volume.json"));
  CHECK(back.name == "m1");
  CHECK(back.driver == "local");
  CHECK(back.created_at == v.created_at);
  CHECK(back.labels == v.labels);
  CHECK(back.options == v.options);
  absl::StatusOr<Volume> bad = VolumeFromMetadata(R"({"Name":"x","Labels":[1]})", "/r/volume.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(ToStd(bad.status().message()).find("Labels") != std::string::npos);
  CHECK_FALSE(VolumeFromMetadata("{", "/r/volume.json").ok());
  CHECK_FALSE(VolumeFromMetadata("{}", "/r/volume.json").ok());
}

TEST_CASE("create request bodies", "[volumes]") {
  VolumeCreateOptions o = ValueOrFail(CreateOptionsFromJson(nlohmann::json::parse(
      R"({"Name":"n1","Driver":"local","DriverOpts":{"type":"tmpfs"},"Labels":{"x":"y"}})")));
  CHECK(o.name == "n1");
  CHECK(o.driver == "local");
  CHECK(o.options.at("type") == "tmpfs");
  CHECK(o.labels.at("x") == "y");
  CHECK_FALSE(CreateOptionsFromJson(nlohmann::json::parse(R"({"Name":7})")).ok());
  CHECK_FALSE(CreateOptionsFromJson(nlohmann::json::array()).ok());
}

TEST_CASE("a stored mount point without its OCI part gets it rebuilt", "[volumes]") {
  nlohmann::json j = nlohmann::json::parse(R"({"Type":"volume","Name":"v","Source":"/s",
      "Destination":"/d","Driver":"local","Mode":"z","RW":false,"Propagation":""})");
  MountPoint mp = ValueOrFail(MountPointFromRecordJson(j, "Mounts[0]"));
  CHECK(mp.oci.type == "bind");
  CHECK(mp.oci.source == "/s");
  CHECK(mp.oci.destination == "/d");
  CHECK(mp.oci.options == std::vector<std::string>{"rbind", "ro", "rprivate"});
  CHECK(MountPointToApiJson(mp) == j);
  CHECK_FALSE(MountPointFromRecordJson(nlohmann::json::parse(R"({"Type":"bind"})"), "M").ok());
}

}  // namespace
}  // namespace berth::engined::volumes
