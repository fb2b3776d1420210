#include "common/reference.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/strings.h"
#include "tests/testutil/status_testing.h"

namespace berth {
namespace {

using testing::ValueOrFail;

constexpr char kDigest[] =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST_CASE("registry reference: normalizes valid references", "[registry][reference]") {
  struct Case {
    std::string in, canonical, familiar, host;
  };
  std::string d = kDigest;
  const Case cases[] = {
      {"busybox", "docker.io/library/busybox:latest", "busybox:latest", "registry-1.docker.io"},
      {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36", "registry-1.docker.io"},
      {"user/app", "docker.io/user/app:latest", "user/app:latest", "registry-1.docker.io"},
      {"docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest",
       "registry-1.docker.io"},
      {"index.docker.io/x", "docker.io/library/x:latest", "x:latest", "registry-1.docker.io"},
      {"localhost/x", "localhost/x:latest", "localhost/x:latest", "localhost"},
      {"localhost:5000/a/b:v1", "localhost:5000/a/b:v1", "localhost:5000/a/b:v1", "localhost:5000"},
      {"127.0.0.1:5000/x@" + d, "127.0.0.1:5000/x@" + d, "127.0.0.1:5000/x@" + d, "127.0.0.1:5000"},
      {"busybox:1@" + d, "docker.io/library/busybox:1@" + d, "busybox:1@" + d,
       "registry-1.docker.io"},
      {"[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000/x:latest", "[::1]:5000"},
      {"ghcr.io/o-r/n.a_m__e-x:T_a.g-1", "ghcr.io/o-r/n.a_m__e-x:T_a.g-1",
       "ghcr.io/o-r/n.a_m__e-x:T_a.g-1", "ghcr.io"},
      {"Example.com/x", "Example.com/x:latest", "Example.com/x:latest", "Example.com"},
  };
  for (const Case& c : cases) {
    INFO(c.in);
    Reference r = ValueOrFail(Reference::Parse(c.in));
    CHECK(r.String() == c.canonical);
    CHECK(r.Familiar() == c.familiar);
    CHECK(r.RegistryHost() == c.host);
    CHECK(ValueOrFail(Reference::Parse(r.String())) == r);
  }
  Reference r = ValueOrFail(Reference::Parse("localhost:5000/a/b@" + d));
  CHECK(r.domain == "localhost:5000");
  CHECK(r.path == "a/b");
  CHECK(r.tag.empty());
  CHECK(r.Object() == d);
  CHECK(ValueOrFail(Reference::Parse("x")).Object() == "latest");
}

TEST_CASE("registry reference: rejects invalid references naming the problem",
          "[registry][reference]") {
  struct Case {
    std::string in, problem;
  };
  const Case cases[] = {
      {"", "empty"},
      {"Busybox", "must be lowercase"},
      {"user/App", "must be lowercase"},
      {"busybox:", "invalid tag"},
      {"busybox:-x", "invalid tag"},
      {"busybox:" + std::string(129, 'a'), "invalid tag"},
      {"busybox@sha256:abc", "invalid digest"},
      {"busybox@md5:d41d8cd98f00b204e9800998ecf8427e", "invalid digest"},
      {"a//b", "empty path component"},
      {"a/-b", "invalid path component"},
      {"a/b_", "invalid path component"},
      {"a/b...c", "invalid path component"},
      {"localhost:port/x", "invalid registry host"},
      {"-bad.com/x", "invalid registry host"},
      {"localhost:5000/", "empty repository name"},
      {":tag", "empty repository name"},
      {"a/" + std::string(300, 'b'), "longer than 255"},
  };
  for (const Case& c : cases) {
    INFO(c.in);
    absl::StatusOr<Reference> r = Reference::Parse(c.in);
    REQUIRE_FALSE(r.ok());
    CHECK(absl::IsInvalidArgument(r.status()));
    std::string msg(ToStd(r.status().message()));
    INFO(msg);
    CHECK(msg.find(c.problem) != std::string::npos);
    CHECK(msg.find("invalid reference") != std::string::npos);
  }
}

}  // namespace
}  // namespace berth
