#include "cli/config/credentials.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::cli::config {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using Json = nlohmann::json;

std::string Message(const absl::Status& status) { return std::string(ToStd(status.message())); }

// A fake docker-credential-<name> in a temp dir that is first in PATH while
// the object lives. It keeps credentials as files in its state dir, logs each
// call as "<action> <stdin>" and fails every call about "broken.example".
class FakeHelper {
 public:
  explicit FakeHelper(const std::string& name) {
    const char* old = ::getenv("PATH");
    old_path_ = old ? std::optional<std::string>(old) : std::nullopt;
    std::string state = dir_.Sub("state");
    REQUIRE_OK(MkdirAll(state));
    std::string script = R"SH(#!/bin/sh
state=)SH" + state + R"SH(
input=$(cat)
echo "$1 $input" >> "$state/log"
case "$input" in *broken.example*) echo "helper exploded" >&2; exit 3;; esac
case "$1" in
get)
  f="$state/$(printf %s "$input" | md5sum | cut -c1-32)"
  if [ -f "$f" ]; then cat "$f"; exit 0; fi
  echo "credentials not found in native keychain"; exit 1;;
store)
  url=$(printf %s "$input" | sed 's/.*"ServerURL":"\([^"]*\)".*/\1/')
  printf %s "$input" > "$state/$(printf %s "$url" | md5sum | cut -c1-32)";;
erase)
  f="$state/$(printf %s "$input" | md5sum | cut -c1-32)"
  if [ -f "$f" ]; then rm "$f"; exit 0; fi
  echo "credentials not found in native keychain"; exit 1;;
*) echo "unknown action $1"; exit 1;;
esac
)SH";
    REQUIRE_OK(WriteFile(dir_.Sub("docker-credential-" + name), script, 0755));
    std::string path = dir_.path() + (old_path_ ? ":" + *old_path_ : "");
    REQUIRE(::setenv("PATH", path.c_str(), 1) == 0);
  }
  ~FakeHelper() {
    if (old_path_) {
      ::setenv("PATH", old_path_->c_str(), 1);
    } else {
      ::unsetenv("PATH");
    }
  }

  std::string Log() const { return ReadFile(dir_.Sub("state/log")).value_or(""); }

  // Runs helpers through the test's child reaper (library code's default
  // runner would race it for the exit status).
  HelperRunner Runner() const {
    return [this](const SpawnOptions& options, const std::string& input) {
      return berth::testing::RunCommand(options, input, std::chrono::seconds(20), scratch_.path());
    };
  }

 private:
  TempDir dir_{"berth-cred-helper"};
  TempDir scratch_{"berth-cred-scratch"};
  std::optional<std::string> old_path_;
};

TEST_CASE("ConvertToHostname strips scheme, user info and path", "[credentials]") {
  CHECK(ConvertToHostname("https://index.docker.io/v1/") == "index.docker.io");
  CHECK(ConvertToHostname("http://reg.example:5000/v2/x") == "reg.example:5000");
  CHECK(ConvertToHostname("reg.example:5000/path") == "reg.example:5000");
  CHECK(ConvertToHostname("reg.example") == "reg.example");
  CHECK(ConvertToHostname("https://u:p@reg.example") == "reg.example");
  CHECK(ConvertToHostname("[::1]:5000/v2/") == "[::1]:5000");
}

TEST_CASE("RegistryKey: Docker Hub's names share one key", "[credentials]") {
  for (const char* hub : {"", "docker.io", "index.docker.io", "registry-1.docker.io",
                          "https://index.docker.io/v1/", "https://registry-1.docker.io/v2/"}) {
    INFO(hub);
    CHECK(RegistryKey(hub) == kIndexServer);
  }
  CHECK(RegistryKey("https://reg.example:5000/v2/") == "reg.example:5000");
  CHECK(RegistryKey("localhost:5000") == "localhost:5000");
  CHECK(RegistryKey("ghcr.io") == "ghcr.io");
}

TEST_CASE("Credentials in the file: store, get, erase", "[credentials]") {
  TempDir tmp;
  ConfigFile config(tmp.path());
  AuthConfig none = ValueOrFail(GetCredentials(config, "docker.io"));
  CHECK(none.empty());
  CHECK(none.server_address == kIndexServer);

  REQUIRE_OK(
      StoreCredentials(&config, {.username = "u", .password = "p", .server_address = "docker.io"}));
  REQUIRE_OK(StoreCredentials(
      &config, {.server_address = "https://reg.example:5000/v2/", .identity_token = "tok"}));
  // Saved: a fresh load sees them.
  ConfigFile loaded = ValueOrFail(ConfigFile::Load(tmp.path()));
  CHECK(loaded.auths().at(kIndexServer).username == "u");
  AuthConfig hub = ValueOrFail(GetCredentials(loaded, "index.docker.io"));
  CHECK(hub == AuthConfig{.username = "u", .password = "p", .server_address = kIndexServer});
  AuthConfig reg = ValueOrFail(GetCredentials(loaded, "reg.example:5000"));
  CHECK(reg.identity_token == "tok");
  CHECK(reg.username.empty());
  CHECK(reg.server_address == "reg.example:5000");

  REQUIRE_OK(EraseCredentials(&loaded, "https://index.docker.io/v1/"));
  ConfigFile after = ValueOrFail(ConfigFile::Load(tmp.path()));
  CHECK(after.auths().count(kIndexServer) == 0);
  CHECK(after.auths().count("reg.example:5000") == 1);
  // Erasing what is not there is fine.
  REQUIRE_OK(EraseCredentials(&after, "nothing.example"));
}

TEST_CASE("Credentials in the file: legacy keys are found", "[credentials]") {
  TempDir tmp;
  REQUIRE_OK(WriteFile(tmp.Sub("config.json"),
                       R"({"auths": {"https://reg.example:5000": {"auth": "YTpi"},
                                     "docker.io": {"auth": "Yzpk"}}})"));
  ConfigFile config = ValueOrFail(ConfigFile::Load(tmp.path()));
  CHECK(ValueOrFail(GetCredentials(config, "reg.example:5000")).username == "a");
  CHECK(ValueOrFail(GetCredentials(config, "docker.io")).username == "c");
  REQUIRE_OK(EraseCredentials(&config, "reg.example:5000"));
  CHECK(config.auths().size() == 1);
}

TEST_CASE("Credentials through credsStore: the helper protocol", "[credentials]") {
  FakeHelper helper("fake");
  TempDir tmp;
  ConfigFile config(tmp.path());
  config.set_creds_store("fake");
  HelperRunner run = helper.Runner();

  // None yet: "credentials not found" is no error.
  AuthConfig none = ValueOrFail(GetCredentials(config, "docker.io", run));
  CHECK(none.empty());
  CHECK(none.server_address == kIndexServer);
  CHECK(helper.Log() == "get https://index.docker.io/v1/\n");

  REQUIRE_OK(StoreCredentials(
      &config, {.username = "u", .password = "s3cret", .server_address = "docker.io"}, run));
  CHECK_THAT(
      helper.Log(),
      Catch::Contains(
          R"(store {"ServerURL":"https://index.docker.io/v1/","Username":"u","Secret":"s3cret"})"));
  // The file holds only an empty marker entry.
  Json saved = Json::parse(ValueOrFail(ReadFile(config.path())));
  CHECK(saved["auths"] == Json::parse(R"({"https://index.docker.io/v1/": {}})"));
  CHECK(saved["credsStore"] == "fake");

  AuthConfig got = ValueOrFail(GetCredentials(config, "registry-1.docker.io", run));
  CHECK(got == AuthConfig{.username = "u", .password = "s3cret", .server_address = kIndexServer});

  // An identity token travels as Username "<token>".
  REQUIRE_OK(
      StoreCredentials(&config, {.server_address = "reg.example", .identity_token = "idt"}, run));
  CHECK_THAT(helper.Log(), Catch::Contains(R"("Username":"<token>","Secret":"idt")"));
  AuthConfig token = ValueOrFail(GetCredentials(config, "https://reg.example/v2/", run));
  CHECK(token == AuthConfig{.server_address = "reg.example", .identity_token = "idt"});

  REQUIRE_OK(EraseCredentials(&config, "docker.io", run));
  CHECK_THAT(helper.Log(), Catch::Contains("erase https://index.docker.io/v1/\n"));
  CHECK(ValueOrFail(GetCredentials(config, "docker.io", run)).empty());
  CHECK(ValueOrFail(ConfigFile::Load(tmp.path())).auths().count(kIndexServer) == 0);
  // Erasing again: the helper says not found, which is fine.
  REQUIRE_OK(EraseCredentials(&config, "docker.io", run));
}

TEST_CASE("credHelpers picks a helper per registry, before credsStore", "[credentials]") {
  FakeHelper per_registry("perreg");
  TempDir tmp;
  ConfigFile config(tmp.path());
  (*config.mutable_cred_helpers())["special.example"] = "perreg";
  CHECK(CredentialHelperFor(config, "https://special.example/v2/") == "perreg");
  CHECK(CredentialHelperFor(config, "other.example").empty());
  config.set_creds_store("missing-store");
  CHECK(CredentialHelperFor(config, "other.example") == "missing-store");

  HelperRunner run = per_registry.Runner();
  REQUIRE_OK(StoreCredentials(
      &config, {.username = "a", .password = "b", .server_address = "special.example"}, run));
  CHECK(ValueOrFail(GetCredentials(config, "special.example", run)).password == "b");
  CHECK_THAT(per_registry.Log(), Catch::Contains("get special.example"));
}

TEST_CASE("Helper failures are errors naming the helper", "[credentials]") {
  FakeHelper helper("fake");
  TempDir tmp;
  ConfigFile config(tmp.path());
  config.set_creds_store("fake");
  HelperRunner run = helper.Runner();

  absl::StatusOr<AuthConfig> got = GetCredentials(config, "broken.example", run);
  REQUIRE_FALSE(got.ok());
  CHECK_THAT(Message(got.status()), Catch::Contains("docker-credential-fake get broken.example"));
  CHECK_THAT(Message(got.status()), Catch::Contains("helper exploded"));
  CHECK_THAT(Message(got.status()), Catch::Contains("exit status 3"));

  absl::Status stored = StoreCredentials(
      &config, {.username = "u", .password = "p", .server_address = "broken.example"}, run);
  CHECK_FALSE(stored.ok());
  CHECK(config.auths().empty());  // nothing recorded for a failed store
  CHECK_FALSE(PathExists(config.path()));

  // A helper that is not installed.
  config.set_creds_store("not-installed-anywhere");
  got = GetCredentials(config, "docker.io", run);
  REQUIRE_FALSE(got.ok());
  CHECK_THAT(Message(got.status()), Catch::Contains("docker-credential-not-installed-anywhere"));
}

}  // namespace
}  // namespace berth::cli::config
