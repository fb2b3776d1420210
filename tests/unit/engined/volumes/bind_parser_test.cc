#include "engined/volumes/bind_parser.h"

#include <catch2/catch.hpp>

#include "common/strings.h"
#include "tests/testutil/status_testing.h"

namespace berth::engined::volumes {
namespace {

using berth::testing::ValueOrFail;

std::string ErrorOf(const std::string& raw) {
  absl::StatusOr<MountPoint> mp = ParseBind(raw, "");
  REQUIRE_FALSE(mp.ok());
  CHECK(mp.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(ToStd(mp.status().message()));
}

TEST_CASE("host binds with modes and propagation", "[volumes]") {
  MountPoint mp = ValueOrFail(ParseBind("/host/dir:/ctr", ""));
  CHECK(mp.type == "bind");
  CHECK(mp.source == "/host/dir");
  CHECK(mp.destination == "/ctr");
  CHECK(mp.rw);
  CHECK(mp.mode.empty());
  CHECK(mp.propagation == "rprivate");
  CHECK_FALSE(mp.copy_data);

  mp = ValueOrFail(ParseBind("/h//x/../y:/c/./d/:ro,Z,rshared", ""));
  CHECK(mp.source == "/h/y");
  CHECK(mp.destination == "/c/d");
  CHECK_FALSE(mp.rw);
  CHECK(mp.mode == "ro,Z,rshared");
  CHECK(mp.propagation == "rshared");

  for (const char* p : {"private", "rprivate", "shared", "rshared", "slave", "rslave"}) {
    mp = ValueOrFail(ParseBind(std::string("/a:/b:") + p, ""));
    CHECK(mp.propagation == p);
    CHECK(mp.rw);
  }
  mp = ValueOrFail(ParseBind("/a:/b:rw,z", ""));
  CHECK(mp.rw);
}

TEST_CASE("named and anonymous volumes in binds", "[volumes]") {
  MountPoint mp = ValueOrFail(ParseBind("data:/var/lib/data", ""));
  CHECK(mp.type == "volume");
  CHECK(mp.name == "data");
  CHECK(mp.source.empty());
  CHECK(mp.copy_data);
  CHECK_FALSE(mp.anonymous);

  mp = ValueOrFail(ParseBind("data:/d:ro,nocopy", ""));
  CHECK_FALSE(mp.rw);
  CHECK_FALSE(mp.copy_data);

  mp = ValueOrFail(ParseBind("/only/target", ""));
  CHECK(mp.type == "volume");
  CHECK(mp.anonymous);
  CHECK(mp.destination == "/only/target");

  mp = ValueOrFail(ParseBind("data:/d", "local"));
  CHECK(mp.driver == "local");
}

TEST_CASE("bad bind specs give docker's errors", "[volumes]") {
  CHECK(ErrorOf("") == "invalid volume specification: ''");
  CHECK(ErrorOf(":/x") == "invalid volume specification: ':/x'");
  CHECK(ErrorOf("/foo:rw") == "invalid volume specification: '/foo:rw'");
  CHECK(ErrorOf("/a:/b:ro:extra") == "invalid volume specification: '/a:/b:ro:extra'");
  CHECK(ErrorOf("/a:/b:xyz") == "invalid mode: xyz");
  CHECK(ErrorOf("/a:/b:ro,rw") == "invalid mode: ro,rw");
  CHECK(ErrorOf("/a:/b:shared,slave") == "invalid mode: shared,slave");
  CHECK(ErrorOf("/a:relative") ==
        "invalid volume specification: '/a:relative': invalid mount config for type \"bind\": "
        "invalid mount path: 'relative' mount path must be absolute");
  CHECK(ErrorOf("vol:relative") ==
        "invalid volume specification: 'vol:relative': invalid mount config for type \"volume\": "
        "invalid mount path: 'relative' mount path must be absolute");
  CHECK(ErrorOf("/a:/") ==
        "invalid volume specification: '/a:/': invalid mount config for type \"bind\": "
        "invalid specification: destination can't be '/'");
  CHECK(ErrorOf("/a:/b:nocopy") ==
        "invalid volume specification: '/a:/b:nocopy': invalid mount config for type \"bind\": "
        "field VolumeOptions must not be specified");
  CHECK(ErrorOf("vol:/b:rshared") ==
        "invalid volume specification: 'vol:/b:rshared': invalid mount config for type "
        "\"volume\": field BindOptions must not be specified");
  CHECK(ErrorOf("relative") ==
        "invalid volume specification: 'relative': invalid mount config for type \"volume\": "
        "invalid mount path: 'relative' mount path must be absolute");
}

TEST_CASE("mode validation counts each kind once", "[volumes]") {
  CHECK(ValidMountMode(""));
  CHECK(ValidMountMode("ro,z,rslave,nocopy,cached"));
  CHECK_FALSE(ValidMountMode("z,Z"));
  CHECK_FALSE(ValidMountMode("nocopy,nocopy"));
  CHECK_FALSE(ValidMountMode("ro,"));
  CHECK(ModeIsReadWrite(""));
  CHECK_FALSE(ModeIsReadWrite("z,ro"));
}

TEST_CASE("volumes-from specs", "[volumes]") {
  VolumesFrom f = ValueOrFail(ParseVolumesFrom("data"));
  CHECK(f.container == "data");
  CHECK(f.mode == "rw");
  f = ValueOrFail(ParseVolumesFrom("data:ro"));
  CHECK(f.mode == "ro");
  CHECK(ToStd(ParseVolumesFrom("").status().message()) ==
        "volumes-from specification cannot be an empty string");
  CHECK(ToStd(ParseVolumesFrom("c:bogus").status().message()) == "invalid mode: bogus");
  CHECK(ToStd(ParseVolumesFrom("c:ro,shared").status().message()) == "invalid mode: ro,shared");
  CHECK(ToStd(ParseVolumesFrom("c:nocopy").status().message()) == "invalid mode: nocopy");
}

}  // namespace
}  // namespace berth::engined::volumes
