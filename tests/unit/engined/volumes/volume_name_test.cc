#include "engined/volumes/volume_name.h"

#include <catch2/catch.hpp>

#include "common/strings.h"

namespace berth::engined::volumes {
namespace {

TEST_CASE("volume names follow docker's local driver rule", "[volumes]") {
  for (const char* ok : {"ab", "data", "my-vol_1.x", "0abc", "A.B"}) {
    INFO(ok);
    CHECK(ValidateVolumeName(ok).ok());
  }
  for (const char* bad : {"", "a", "-ab", ".ab", "_ab", "a/b", "a b", "vol:x", "/abs", "é1"}) {
    INFO(bad);
    absl::Status s = ValidateVolumeName(bad);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ToStd(s.message()).find(std::string("\"") + bad + "\" includes invalid characters") !=
          std::string::npos);
  }
}

TEST_CASE("anonymous names are 64 random hex digits", "[volumes]") {
  std::string a = GenerateVolumeName();
  std::string b = GenerateVolumeName();
  CHECK(a.size() == 64);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
  CHECK(ValidateVolumeName(a).ok());
}

}  // namespace
}  // namespace berth::engined::volumes
