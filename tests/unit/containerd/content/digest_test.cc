#include "containerd/core/content/digest.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/strings.h"
#include "tests/testutil/status_testing.h"

namespace berth::containerd::content {
namespace {

using testing::ValueOrFail;

constexpr char kEmptySha256[] =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string ParseError(std::string_view text) {
  absl::StatusOr<Digest> d = Digest::Parse(text);
  REQUIRE_FALSE(d.ok());
  CHECK(absl::IsInvalidArgument(d.status()));
  return std::string(ToStd(d.status().message()));
}

TEST_CASE("content digest: parses sha256 and prints it back", "[content][digest]") {
  Digest d = ValueOrFail(Digest::Parse(kEmptySha256));
  CHECK(d.str() == kEmptySha256);
  CHECK(d.hex() == std::string(kEmptySha256).substr(7));
  CHECK(d.algorithm() == "sha256");
  CHECK_FALSE(d.empty());
  CHECK(d == Digest::Of(""));
  CHECK(ValueOrFail(Digest::FromHex(d.hex())) == d);
  CHECK(Digest::Of("hello").str() ==
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  CHECK(Digest().empty());
  CHECK(Digest().str().empty());
}

TEST_CASE("content digest: rejects anything but sha256 with 64 lowercase hex",
          "[content][digest]") {
  std::string hex = std::string(kEmptySha256).substr(7);
  CHECK(ParseError("").find("invalid digest") != std::string::npos);
  CHECK(ParseError(hex).find("invalid digest") != std::string::npos);  // no algorithm
  CHECK(ParseError(":" + hex).find("invalid digest") != std::string::npos);
  CHECK(ParseError("sha256:").find("64 lowercase hex") != std::string::npos);
  CHECK(ParseError("sha256:" + hex.substr(1)).find("64 lowercase hex") != std::string::npos);
  CHECK(ParseError("sha256:" + hex + "0").find("64 lowercase hex") != std::string::npos);
  std::string upper = hex;
  upper[0] = 'E';
  CHECK(ParseError("sha256:" + upper).find("64 lowercase hex") != std::string::npos);
  std::string bad = hex;
  bad[5] = 'g';
  CHECK(ParseError("sha256:" + bad).find(bad) != std::string::npos);  // names the text
  CHECK(ParseError("SHA256:" + hex).find("only sha256 is supported") != std::string::npos);
  std::string sha512 = ParseError("sha512:" + hex + hex);
  CHECK(sha512.find("only sha256 is supported") != std::string::npos);
  CHECK(sha512.find("\"sha512\"") != std::string::npos);
  CHECK(ParseError(" sha256:" + hex).find("only sha256") != std::string::npos);
  CHECK(ParseError("sha256:" + hex + "\n").find("64 lowercase hex") != std::string::npos);
  CHECK(absl::IsInvalidArgument(Digest::FromHex("abc").status()));
  CHECK(absl::IsInvalidArgument(Digest::FromHex(upper).status()));
}

TEST_CASE("content digest: the hasher is incremental and can report midway", "[content][digest]") {
  Sha256 h;
  h.Update("hel");
  CHECK(h.Current() == Digest::Of("hel"));
  h.Update("lo");
  CHECK(h.Current() == Digest::Of("hello"));
  CHECK(h.Current() == Digest::Of("hello"));  // Current does not consume
  h.Reset();
  CHECK(h.Current() == Digest::Of(""));
}

}  // namespace
}  // namespace berth::containerd::content
