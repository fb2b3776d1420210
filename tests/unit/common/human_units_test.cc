#include "common/human_units.h"

#include <catch2/catch.hpp>

namespace berth {
namespace {

TEST_CASE("HumanSize is go-units' decimal size at 4 digits", "[human_units]") {
  CHECK(HumanSize(0) == "0B");
  CHECK(HumanSize(512) == "512B");
  CHECK(HumanSize(1000) == "1kB");
  CHECK(HumanSize(1024) == "1.024kB");
  CHECK(HumanSize(1234567) == "1.235MB");
  CHECK(HumanSize(7.2e9) == "7.2GB");
  CHECK(HumanSize(999999) == "1000kB");
  CHECK(HumanSize(1e27) == "1000YB");
}

TEST_CASE("HumanSizeWithPrecision 3 is what docker images shows", "[human_units]") {
  CHECK(HumanSizeWithPrecision(77808127, 3) == "77.8MB");
  CHECK(HumanSizeWithPrecision(4261974, 3) == "4.26MB");
  CHECK(HumanSizeWithPrecision(187, 3) == "187B");
  CHECK(HumanSizeWithPrecision(1.5e9, 3) == "1.5GB");
  CHECK(HumanSizeWithPrecision(999999, 3) == "1e+03kB");  // Go's %g rounds past the unit too
}

TEST_CASE("BytesSize is binary", "[human_units]") {
  CHECK(BytesSize(0) == "0B");
  CHECK(BytesSize(1024) == "1KiB");
  CHECK(BytesSize(1536 * 1024) == "1.5MiB");
  CHECK(BytesSize(1023) == "1023B");
  CHECK(BytesSize(2.0 * 1024 * 1024 * 1024) == "2GiB");
}

TEST_CASE("HumanDuration matches go-units", "[human_units]") {
  CHECK(HumanDuration(-5) == "Less than a second");
  CHECK(HumanDuration(0) == "Less than a second");
  CHECK(HumanDuration(1) == "1 second");
  CHECK(HumanDuration(59) == "59 seconds");
  CHECK(HumanDuration(60) == "About a minute");
  CHECK(HumanDuration(119) == "About a minute");
  CHECK(HumanDuration(120) == "2 minutes");
  CHECK(HumanDuration(59 * 60 + 59) == "59 minutes");
  CHECK(HumanDuration(3600) == "About an hour");
  CHECK(HumanDuration(89 * 60) == "About an hour");
  CHECK(HumanDuration(90 * 60) == "2 hours");  // hours are rounded
  CHECK(HumanDuration(47 * 3600) == "47 hours");
  CHECK(HumanDuration(48 * 3600) == "2 days");
  CHECK(HumanDuration(13 * 86400) == "13 days");
  CHECK(HumanDuration(14 * 86400) == "2 weeks");
  CHECK(HumanDuration(60 * 86400) == "2 months");
  CHECK(HumanDuration(729 * 86400) == "24 months");
  CHECK(HumanDuration(730 * 86400) == "2 years");
}

TEST_CASE("RAMInBytes parses docker's memory flags", "[human_units]") {
  CHECK(*RAMInBytes("32") == 32);
  CHECK(*RAMInBytes("32b") == 32);
  CHECK(*RAMInBytes("32B") == 32);
  CHECK(*RAMInBytes("32k") == 32 * 1024);
  CHECK(*RAMInBytes("32K") == 32 * 1024);
  CHECK(*RAMInBytes("32kb") == 32 * 1024);
  CHECK(*RAMInBytes("32Kib") == 32 * 1024);
  CHECK(*RAMInBytes("32Mb") == 32 * 1024 * 1024);
  CHECK(*RAMInBytes("512m") == 512LL * 1024 * 1024);
  CHECK(*RAMInBytes("1g") == 1024LL * 1024 * 1024);
  CHECK(*RAMInBytes("1.5g") == 1536LL * 1024 * 1024);
  CHECK(*RAMInBytes("2 GiB") == 2LL * 1024 * 1024 * 1024);
  CHECK(*RAMInBytes("32Tb") == 32LL * 1024 * 1024 * 1024 * 1024);
  CHECK(*RAMInBytes("32PB") == 32LL * 1024 * 1024 * 1024 * 1024 * 1024);
  CHECK(*RAMInBytes("0.3m") == 314572);  // truncated like Go's int64()
  CHECK(*RAMInBytes("10 ") == 10);
}

TEST_CASE("RAMInBytes errors name what was wrong", "[human_units]") {
  auto message = [](std::string_view s) { return std::string(RAMInBytes(s).status().message()); };
  CHECK(RAMInBytes("").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(message("") == "invalid size: ''");
  CHECK(message("hello") == "invalid size: 'hello'");
  CHECK(message("-1") == "invalid size: '-1'");
  CHECK(message("-32k") == "invalid size: '-32k'");
  CHECK(message("32x") == "invalid suffix: 'x'");
  CHECK(message("32mm") == "invalid suffix: 'mm'");
  CHECK(message("32bb") == "invalid suffix: 'bb'");
  CHECK(message("32mib2") == "strconv.ParseFloat: parsing \"32mib2\": invalid syntax");
  CHECK(message("32kbit") == "invalid suffix: 'kbit'");
  CHECK(message("1.2.3m") == "strconv.ParseFloat: parsing \"1.2.3\": invalid syntax");
  CHECK(message(" 32") == "strconv.ParseFloat: parsing \" 32\": invalid syntax");
  CHECK(message("9999999999p") == "invalid size: '9999999999p'");
}

}  // namespace
}  // namespace berth
