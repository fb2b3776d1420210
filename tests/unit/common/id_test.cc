#include "common/id.h"

#include <catch2/catch.hpp>

namespace berth {
namespace {

TEST_CASE("runtime ids follow runc's rule", "[id]") {
  CHECK(ValidateRuntimeId("abc-123_x.y+z").ok());
  CHECK_FALSE(ValidateRuntimeId("").ok());
  CHECK_FALSE(ValidateRuntimeId(".").ok());
  CHECK_FALSE(ValidateRuntimeId("..").ok());
  CHECK_FALSE(ValidateRuntimeId("a/b").ok());
  CHECK_FALSE(ValidateRuntimeId("a b").ok());
  CHECK_FALSE(ValidateRuntimeId(std::string(1025, 'a')).ok());
}

TEST_CASE("containerd ids follow containerd's identifier rule", "[id]") {
  CHECK(ValidateContainerdId("default").ok());
  CHECK(ValidateContainerdId("a.b_c-d").ok());
  CHECK_FALSE(ValidateContainerdId("").ok());
  CHECK_FALSE(ValidateContainerdId("-a").ok());
  CHECK_FALSE(ValidateContainerdId("a-").ok());
  CHECK_FALSE(ValidateContainerdId("a..b").ok());
  CHECK_FALSE(ValidateContainerdId("a/b").ok());
  CHECK(ValidateContainerdId(std::string(76, 'a')).ok());
  CHECK_FALSE(ValidateContainerdId(std::string(77, 'a')).ok());
}

}  // namespace
}  // namespace berth
