#include "engined/volumes/mount_parser.h"

#include <catch2/catch.hpp>

#include "common/strings.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::volumes {
namespace {

using berth::testing::ValueOrFail;

MountSpec SpecOf(const char* text) {
  nlohmann::json j = nlohmann::json::parse(text);
  return ValueOrFail(MountSpecFromJson(j, "HostConfig.Mounts[0]"));
}

std::string ErrorOf(const char* text) {
  absl::StatusOr<MountPoint> mp = ParseMountSpec(SpecOf(text), true);
  REQUIRE_FALSE(mp.ok());
  CHECK(mp.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(ToStd(mp.status().message()));
}

TEST_CASE("Mounts entries of each type", "[volumes]") {
  berth::testing::TempDir dir;
  std::string bind = R"({"Type":"bind","Source":")" + dir.path() +
                     R"(","Target":"/x/","ReadOnly":true,"BindOptions":{"Propagation":"rslave"}})";
  MountPoint mp = ValueOrFail(ParseMountSpec(SpecOf(bind.c_str()), true));
  CHECK(mp.type == "bind");
  CHECK(mp.source == dir.path());
  CHECK(mp.destination == "/x");
  CHECK_FALSE(mp.rw);
  CHECK(mp.propagation == "rslave");
  CHECK(mp.mode.empty());

  mp = ValueOrFail(ParseMountSpec(
      SpecOf(R"({"Type":"volume","Source":"v1","Target":"/data","VolumeOptions":{"NoCopy":true,
          "Labels":{"a":"b"},"DriverConfig":{"Name":"local","Options":{"type":"tmpfs"}}}})"),
      true));
  CHECK(mp.type == "volume");
  CHECK(mp.name == "v1");
  CHECK(mp.driver == "local");
  CHECK_FALSE(mp.copy_data);
  CHECK(mp.propagation.empty());

  MountSpec spec = SpecOf(R"({"Type":"volume","Target":"/anon"})");
  mp = ValueOrFail(ParseMountSpec(spec, true));
  CHECK(mp.anonymous);
  CHECK(mp.copy_data);

  spec =
      SpecOf(R"({"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":10485760,"Mode":1023}})");
  mp = ValueOrFail(ParseMountSpec(spec, true));
  CHECK(mp.type == "tmpfs");
  CHECK(mp.tmpfs_data == "mode=1777,size=10m");
  spec = SpecOf(R"({"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1000}})");
  CHECK(TmpfsOptionsData(spec) == "size=1000");
  spec = SpecOf(R"({"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":2048}})");
  CHECK(TmpfsOptionsData(spec) == "size=2k");
}

TEST_CASE("bad Mounts entries give docker's errors", "[volumes]") {
  CHECK(ErrorOf(R"({"Type":"bind","Source":"/berth-no-such-dir-x","Target":"/x"})") ==
        "invalid mount config for type \"bind\": bind source path does not exist: "
        "/berth-no-such-dir-x");
  CHECK(ErrorOf(R"({"Type":"bind","Target":"/x"})") ==
        "invalid mount config for type \"bind\": field Source must not be empty");
  CHECK(ErrorOf(R"({"Type":"bind","Source":"/tmp"})") ==
        "invalid mount config for type \"bind\": field Target must not be empty");
  CHECK(ErrorOf(R"({"Type":"bind","Source":"rel","Target":"/x"})") ==
        "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be "
        "absolute");
  CHECK(ErrorOf(R"({"Type":"bind","Source":"/tmp","Target":"x"})") ==
        "invalid mount config for type \"bind\": invalid mount path: 'x' mount path must be "
        "absolute");
  CHECK(ErrorOf(R"({"Type":"bind","Source":"/tmp","Target":"/"})") ==
        "invalid mount config for type \"bind\": invalid specification: destination can't be '/'");
  CHECK(
      ErrorOf(
          R"({"Type":"bind","Source":"/tmp","Target":"/x","BindOptions":{"Propagation":"odd"}})") ==
      "invalid mount config for type \"bind\": invalid propagation mode: odd");
  CHECK(ErrorOf(R"({"Type":"bind","Source":"/tmp","Target":"/x","VolumeOptions":{}})") ==
        "invalid mount config for type \"bind\": field VolumeOptions must not be specified");
  CHECK(ErrorOf(R"({"Type":"bind","Source":"/tmp","Target":"/x","TmpfsOptions":{}})") ==
        "invalid mount config for type \"bind\": field TmpfsOptions must not be specified");
  CHECK(ErrorOf(R"({"Type":"volume","Target":"/x","BindOptions":{}})") ==
        "invalid mount config for type \"volume\": field BindOptions must not be specified");
  CHECK(ErrorOf(R"({"Type":"volume","Target":"/x","TmpfsOptions":{}})") ==
        "invalid mount config for type \"volume\": field TmpfsOptions must not be specified");
  CHECK(ErrorOf(R"({"Type":"volume","Target":"/x","ReadOnly":true})") ==
        "invalid mount config for type \"volume\": must not set ReadOnly mode when using "
        "anonymous volumes");
  CHECK(ErrorOf(R"({"Type":"tmpfs","Source":"x","Target":"/x"})") ==
        "invalid mount config for type \"tmpfs\": field Source must not be specified");
  CHECK(ErrorOf(R"({"Type":"tmpfs","Target":"/x","VolumeOptions":{}})") ==
        "invalid mount config for type \"tmpfs\": field VolumeOptions must not be specified");
  CHECK(ErrorOf(R"({"Type":"tmpfs","Target":"/x","BindOptions":{}})") ==
        "invalid mount config for type \"tmpfs\": field BindOptions must not be specified");
  CHECK(ErrorOf(R"({"Type":"npipe","Target":"/x"})") ==
        "invalid mount config for type \"npipe\": mount type unknown");
}

TEST_CASE("Mounts JSON errors name the path", "[volumes]") {
  nlohmann::json j = nlohmann::json::parse(R"({"Type":"bind","ReadOnly":"yes"})");
  absl::StatusOr<MountSpec> spec = MountSpecFromJson(j, "HostConfig.Mounts[2]");
  REQUIRE_FALSE(spec.ok());
  CHECK(ToStd(spec.status().message()).find("HostConfig.Mounts[2].ReadOnly") != std::string::npos);
}

}  // namespace
}  // namespace berth::engined::volumes
