// Catch2 helpers for absl::Status / StatusOr that show the error on failure:
//   REQUIRE_OK(CreateRootfs(dir, opts));
//   ImageInfo info = ValueOrFail(CreateOciLayout(dir, opts));
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "common/strings.h"

#define REQUIRE_OK(expr)                                            \
  do {                                                              \
    const ::absl::Status berth_require_ok_ = (expr);                \
    INFO(std::string(::berth::ToStd(berth_require_ok_.message()))); \
    REQUIRE(berth_require_ok_.ok());                                \
  } while (0)

namespace berth::testing {

template <typename T>
T ValueOrFail(absl::StatusOr<T> value) {
  INFO(std::string(ToStd(value.status().message())));
  REQUIRE(value.ok());
  return std::move(value).value();
}

}  // namespace berth::testing
