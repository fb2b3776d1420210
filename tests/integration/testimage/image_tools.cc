#include "tests/integration/testimage/image_tools.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "common/strings.h"
#include "tests/testutil/test_env.h"

namespace berth::testimage {

std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  for (std::string_view dir : Split(path != nullptr ? path : "/usr/bin:/bin", ':', true)) {
    std::string candidate = std::string(dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string RequireProgram(const std::string& name) {
  std::string path = FindProgram(name);
  if (path.empty()) berth::testing::Skip(name + " is not installed (scripts/install-deps.sh)");
  return path;
}

SpawnResult RunTool(const std::vector<std::string>& argv) {
  SpawnOptions opts;
  opts.argv = argv;
  absl::StatusOr<SpawnResult> result = RunAndCapture(opts);
  INFO(Join(argv, " "));
  REQUIRE(result.ok());
  return *std::move(result);
}

}  // namespace berth::testimage
