#include "tests/testimage/bundle.h"

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testimage/runtime_config.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testimage {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;

TEST_CASE("CreateBundle writes config.json and the rootfs", "[testimage][bundle]") {
  TempDir tmp;
  std::string bundle = tmp.Sub("bundle");
  ConfigOptions config;
  config.args = {"/bin/berth-probe", "ids"};
  REQUIRE_OK(CreateBundle(bundle, DefaultRuntimeConfig(config), {}));

  json::Json written =
      ValueOrFail(json::Parse(ValueOrFail(ReadFile(bundle + "/config.json")), "config.json"));
  CHECK(written == DefaultRuntimeConfig(config));
  CHECK(PathExists(bundle + "/rootfs/bin/busybox"));
  CHECK(PathExists(bundle + "/rootfs/bin/sh"));
}

TEST_CASE("CreateBundle follows root.path", "[testimage][bundle]") {
  TempDir tmp;
  ConfigOptions config;
  config.root_path = "fs";
  REQUIRE_OK(CreateBundle(tmp.path(), DefaultRuntimeConfig(config), {}));
  CHECK(PathExists(tmp.Sub("fs/bin/busybox")));
  CHECK_FALSE(PathExists(tmp.Sub("rootfs")));
}

}  // namespace
}  // namespace berth::testimage
