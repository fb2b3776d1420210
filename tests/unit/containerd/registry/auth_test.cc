#include "containerd/core/registry/auth.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/file_util.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::containerd::registry {
namespace {

using testing::ValueOrFail;

TEST_CASE("registry auth: parses WWW-Authenticate challenges", "[registry][auth]") {
  std::vector<Challenge> c = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
      R"(scope="repository:library/busybox:pull,push")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "bearer");
  CHECK(c[0].params["realm"] == "https://auth.docker.io/token");
  CHECK(c[0].params["service"] == "registry.docker.io");
  CHECK(c[0].params["scope"] == "repository:library/busybox:pull,push");

  c = ParseWwwAuthenticate(R"(Basic realm="basic-realm")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "basic");
  CHECK(c[0].params["realm"] == "basic-realm");

  c = ParseWwwAuthenticate(R"(BASIC realm=x, Bearer Realm="a\"b", error="insufficient_scope")");
  REQUIRE(c.size() == 2);
  CHECK(c[0].scheme == "basic");
  CHECK(c[0].params["realm"] == "x");
  CHECK(c[1].scheme == "bearer");
  CHECK(c[1].params["realm"] == "a\"b");
  CHECK(c[1].params["error"] == "insufficient_scope");

  CHECK(ParseWwwAuthenticate("").empty());
  c = ParseWwwAuthenticate("Negotiate");
  REQUIRE(c.size() == 1);
  CHECK(c[0].params.empty());
}

TEST_CASE("registry auth: base64 round trip", "[registry][auth]") {
  for (std::string s : {"", "a", "ab", "abc", "user:pass", "x:y:z\xff"}) {
    CHECK(ValueOrFail(Base64Decode(Base64Encode(s))) == s);
  }
  CHECK(Base64Encode("user:pass") == "dXNlcjpwYXNz");
  CHECK(ValueOrFail(Base64Decode("dXNlcjpwYXNz")) == "user:pass");
  CHECK(ValueOrFail(Base64Decode("YQ")) == "a");  // unpadded
  CHECK_FALSE(Base64Decode("!!!!").ok());
}

TEST_CASE("registry auth: credentials from a docker config.json", "[registry][auth]") {
  const std::string config = R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
      "localhost:5000": {"auth": "dXNlcjpwYXNz"},
      "https://reg.example.com": {"username": "u2", "password": "p2"},
      "empty.example.com": {}
    },
    "credsStore": "desktop"
  })";
  auto lookup = [&](const std::string& host) {
    return ValueOrFail(LookupCredentialsIn(config, host));
  };
  std::optional<Credentials> c = lookup("docker.io");
  REQUIRE(c);
  CHECK(c->username == "hub");
  CHECK(c->password == "secret");
  REQUIRE(lookup("registry-1.docker.io"));
  c = lookup("localhost:5000");
  REQUIRE(c);
  CHECK(c->username == "user");
  CHECK(c->password == "pass");
  c = lookup("reg.example.com");
  REQUIRE(c);
  CHECK(c->username == "u2");
  CHECK(c->password == "p2");
  CHECK_FALSE(lookup("empty.example.com"));
  CHECK_FALSE(lookup("localhost:5001"));
  CHECK_FALSE(ValueOrFail(LookupCredentialsIn("{}", "x")));

  absl::StatusOr<std::optional<Credentials>> bad =
      LookupCredentialsIn(R"({"auths": {"x": {"auth": "bm9jb2xvbg=="}}})", "x");
  REQUIRE_FALSE(bad.ok());
  CHECK(absl::IsInvalidArgument(bad.status()));
  CHECK_FALSE(LookupCredentialsIn("not json", "x").ok());

  berth::testing::TempDir tmp;
  REQUIRE_OK(WriteFile(tmp.Sub("config.json"), config));
  c = ValueOrFail(LookupCredentials(tmp.Sub("config.json"), "localhost:5000"));
  REQUIRE(c);
  CHECK(c->username == "user");
  CHECK_FALSE(LookupCredentials(tmp.Sub("missing.json"), "x").ok());
}

}  // namespace
}  // namespace berth::containerd::registry
