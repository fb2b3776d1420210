// The runtime's parsed form of a config.json "linux.seccomp" object, for
// the seccomp unit tests.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "runtime/spec/parse.h"

namespace berth::runtime::linux {

inline spec::Seccomp ParseSeccomp(const std::string& seccomp_json) {
  std::string config = R"({"ociVersion": "1.0.2", "linux": {"seccomp": )" + seccomp_json + "}}";
  absl::StatusOr<spec::Spec> parsed = spec::ParseSpec(config);
  INFO(parsed.status());
  REQUIRE(parsed.ok());
  REQUIRE(parsed->linux.has_value());
  REQUIRE(parsed->linux->seccomp.has_value());
  return *parsed->linux->seccomp;
}

}  // namespace berth::runtime::linux
