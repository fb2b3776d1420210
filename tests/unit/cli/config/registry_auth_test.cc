#include "cli/config/registry_auth.h"

#include <catch2/catch.hpp>
#include <string>

#include "cli/config/base64.h"
#include "tests/testutil/status_testing.h"

namespace berth::cli::config {
namespace {

using berth::testing::ValueOrFail;

TEST_CASE("Base64: std and URL alphabets, padded as Go's", "[registry_auth]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("user:pass") == "dXNlcjpwYXNz");
  CHECK(Base64Encode(">>>???") == "Pj4+Pz8/");
  CHECK(Base64Encode(">>>???", Base64Alphabet::kUrl) == "Pj4-Pz8_");
  CHECK(ValueOrFail(Base64Decode("Pj4-Pz8_", Base64Alphabet::kUrl)) == ">>>???");
  CHECK(ValueOrFail(Base64Decode("Zm8=")) == "fo");
  CHECK(ValueOrFail(Base64Decode("Zm8")) == "fo");
  CHECK_FALSE(Base64Decode("Pj4-").ok());  // '-' is not in the std alphabet
  CHECK_FALSE(Base64Decode("Z").ok());
}

TEST_CASE("EncodeRegistryAuth: base64url JSON, empty fields omitted", "[registry_auth]") {
  CHECK(EncodeRegistryAuth({}) == "e30=");  // "{}"
  std::string header = EncodeRegistryAuth(
      {.username = "u", .password = "p", .server_address = "https://index.docker.io/v1/"});
  CHECK(header ==
        "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJzZXJ2ZXJhZGRyZXNzIjoiaHR0cHM6Ly9pbmRleC5kb2Nr"
        "ZXIuaW8vdjEvIn0=");
  CHECK(ValueOrFail(Base64Decode(
            EncodeRegistryAuth({.server_address = "r.example", .identity_token = "t"}),
            Base64Alphabet::kUrl)) == R"({"serveraddress":"r.example","identitytoken":"t"})");
  // Characters that differ between the alphabets come out URL-safe.
  std::string tricky = EncodeRegistryAuth({.password = "?>?>"});
  CHECK(tricky.find_first_of("+/") == std::string::npos);
  CHECK(ValueOrFail(Base64Decode(tricky, Base64Alphabet::kUrl)) == R"({"password":"?>?>"})");
}

TEST_CASE("RegistryOfReference follows docker's domain rule", "[registry_auth]") {
  CHECK(RegistryOfReference("busybox") == "docker.io");
  CHECK(RegistryOfReference("busybox:1.36") == "docker.io");
  CHECK(RegistryOfReference("library/busybox") == "docker.io");
  CHECK(RegistryOfReference("user/app:1") == "docker.io");
  CHECK(RegistryOfReference("docker.io/library/busybox") == "docker.io");
  CHECK(RegistryOfReference("index.docker.io/library/busybox") == "docker.io");
  CHECK(RegistryOfReference("127.0.0.1:5000/x:1") == "127.0.0.1:5000");
  CHECK(RegistryOfReference("localhost/x") == "localhost");
  CHECK(RegistryOfReference("localhost:5000/a/b@sha256:abc") == "localhost:5000");
  CHECK(RegistryOfReference("a.b/c") == "a.b");
  CHECK(RegistryOfReference("ghcr.io/org/img:tag") == "ghcr.io");
  CHECK(RegistryOfReference("Registry/x") == "Registry");  // upper case: a domain
}

}  // namespace
}  // namespace berth::cli::config
