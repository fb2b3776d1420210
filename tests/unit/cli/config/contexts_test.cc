#include "cli/config/contexts.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::cli::config {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using Json = nlohmann::json;

constexpr char kRemoteId[] = "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a";

std::string Message(const absl::Status& status) { return std::string(ToStd(status.message())); }

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::vector<std::string> Names(const std::vector<Context>& contexts) {
  std::vector<std::string> names;
  for (const Context& c : contexts) names.push_back(c.name);
  return names;
}

TEST_CASE("Context names are validated as docker's", "[contexts]") {
  for (const char* good : {"ab", "remote", "my-ctx_1.2+x", "0x"}) {
    INFO(good);
    REQUIRE_OK(ValidateContextName(good));
  }
  for (const char* bad : {"", "a", "-ab", ".ab", "a/b", "a b", "ctx!", "../x"}) {
    INFO(bad);
    CHECK(ValidateContextName(bad).code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK_THAT(Message(ValidateContextName("default")), Catch::Contains("reserved"));
  CHECK_THAT(Message(ValidateContextName("a/b")), Catch::Contains(kContextNamePattern));
}

TEST_CASE("An empty store lists the default context", "[contexts]") {
  TempDir tmp;
  ContextStore store(tmp.path(), "tcp://from-env:2375");
  std::vector<Context> contexts = ValueOrFail(store.List());
  REQUIRE(contexts.size() == 1);
  CHECK(contexts[0].name == "default");
  CHECK(contexts[0].host == "tcp://from-env:2375");
  CHECK(ValueOrFail(store.Inspect("default")).host == "tcp://from-env:2375");
  CHECK(store.Inspect("nope").status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Message(store.Inspect("nope").status()), Catch::Contains("\"nope\""));
}

TEST_CASE("Create writes docker's layout", "[contexts]") {
  TempDir tmp;
  ContextStore store(tmp.path());
  CHECK(ContextStore::ContextId("remote") == kRemoteId);
  Context remote{.name = "remote",
                 .description = "the lab box",
                 .host = "tcp://lab:2376",
                 .skip_tls_verify = false,
                 .tls = {.ca = "CA PEM", .cert = "CERT PEM", .key = "KEY PEM"}};
  REQUIRE_OK(store.Create(remote));

  std::string meta = tmp.Sub(std::string("contexts/meta/") + kRemoteId + "/meta.json");
  CHECK(store.MetaPath("remote") == meta);
  CHECK(Json::parse(ValueOrFail(ReadFile(meta))) == Json::parse(R"({
    "Name": "remote", "Metadata": {"Description": "the lab box"},
    "Endpoints": {"docker": {"Host": "tcp://lab:2376", "SkipTLSVerify": false}}})"));
  std::string tls = tmp.Sub(std::string("contexts/tls/") + kRemoteId + "/docker");
  CHECK(store.TlsDir("remote") == tls);
  CHECK(ValueOrFail(ReadFile(tls + "/ca.pem")) == "CA PEM");
  CHECK(ValueOrFail(ReadFile(tls + "/cert.pem")) == "CERT PEM");
  CHECK(ModeOf(tls + "/key.pem") == 0600);
  CHECK(ModeOf(tls) == 0700);

  Context back = ValueOrFail(store.Inspect("remote"));
  CHECK(back.description == "the lab box");
  CHECK(back.host == "tcp://lab:2376");
  CHECK(back.tls.key == "KEY PEM");
  CHECK(back.tls_paths.ca == tls + "/ca.pem");
  CHECK(back.tls_paths.key == tls + "/key.pem");

  // Taken and reserved names.
  CHECK(store.Create(remote).code() == absl::StatusCode::kAlreadyExists);
  CHECK(store.Create({.name = "default", .host = "unix:///x"}).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(store.Create({.name = "bad/name"}).code() == absl::StatusCode::kInvalidArgument);

  REQUIRE_OK(
      store.Create({.name = "alpha", .host = "unix:///alpha.sock", .skip_tls_verify = true}));
  std::vector<Context> all = ValueOrFail(store.List());
  CHECK(Names(all) == std::vector<std::string>{"alpha", "default", "remote"});
  CHECK(all[0].skip_tls_verify);
  CHECK(all[0].tls_paths.ca.empty());
  CHECK(all[2].tls_paths.cert == tls + "/cert.pem");

  Json inspect = store.InspectJson(back);
  CHECK(inspect["Endpoints"]["docker"]["Host"] == "tcp://lab:2376");
  CHECK(inspect["TLSMaterial"]["docker"] == Json::parse(R"(["ca.pem", "cert.pem", "key.pem"])"));
  CHECK(inspect["Storage"]["MetadataPath"] == tmp.Sub(std::string("contexts/meta/") + kRemoteId));
  CHECK(store.InspectJson(ValueOrFail(store.Inspect("default")))["Storage"]["TLSPath"] ==
        "<IN MEMORY>");
}

TEST_CASE("A context docker wrote is read", "[contexts]") {
  TempDir tmp;
  std::string dir = tmp.Sub(std::string("contexts/meta/") + kRemoteId);
  REQUIRE_OK(MkdirAll(dir));
  REQUIRE_OK(WriteFile(dir + "/meta.json",
                       R"({"Name":"remote","Metadata":{"StackOrchestrator":"swarm"},)"
                       R"("Endpoints":{"docker":{"Host":"ssh://me@box","SkipTLSVerify":true}}})"));
  // A directory without meta.json is ignored.
  REQUIRE_OK(MkdirAll(tmp.Sub("contexts/meta/junk")));
  ContextStore store(tmp.path());
  Context remote = ValueOrFail(store.Inspect("remote"));
  CHECK(remote.host == "ssh://me@box");
  CHECK(remote.skip_tls_verify);
  CHECK(remote.description.empty());
  CHECK(Names(ValueOrFail(store.List())) == std::vector<std::string>{"default", "remote"});

  // A malformed one is an error naming the file.
  REQUIRE_OK(WriteFile(dir + "/meta.json", "{"));
  CHECK_THAT(Message(store.List().status()), Catch::Contains(dir + "/meta.json"));
}

TEST_CASE("Use and Remove keep currentContext right", "[contexts]") {
  TempDir tmp;
  ContextStore store(tmp.path());
  ConfigFile config(tmp.path());
  REQUIRE_OK(store.Create({.name = "remote", .host = "tcp://lab:2376", .tls = {.ca = "CA"}}));
  REQUIRE_OK(store.Create({.name = "other", .host = "tcp://other:2376"}));

  REQUIRE_OK(store.Use("remote", &config));
  CHECK(ValueOrFail(ConfigFile::Load(tmp.path())).current_context() == "remote");
  CHECK(store.Use("missing", &config).code() == absl::StatusCode::kNotFound);
  CHECK(config.current_context() == "remote");

  // The current context is not removed without force.
  absl::Status in_use = store.Remove("remote", &config, /*force=*/false);
  CHECK(in_use.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(Message(in_use),
             Catch::Contains("context \"remote\" is in use, set -f flag to force remove"));
  CHECK(PathExists(store.MetaPath("remote")));

  CHECK(store.Remove("default", &config, true).code() == absl::StatusCode::kInvalidArgument);
  CHECK(store.Remove("missing", &config, false).code() == absl::StatusCode::kNotFound);
  REQUIRE_OK(store.Remove("missing", &config, true));

  REQUIRE_OK(store.Remove("other", &config, false));
  CHECK_FALSE(PathExists(store.MetaPath("other")));
  CHECK(config.current_context() == "remote");

  REQUIRE_OK(store.Remove("remote", &config, /*force=*/true));
  CHECK_FALSE(PathExists(store.MetaPath("remote")));
  CHECK_FALSE(PathExists(tmp.Sub(std::string("contexts/tls/") + kRemoteId)));
  CHECK(config.current_context().empty());
  CHECK(ValueOrFail(ConfigFile::Load(tmp.path())).current_context().empty());

  REQUIRE_OK(store.Create({.name = "again", .host = "unix:///a"}));
  REQUIRE_OK(store.Use("again", &config));
  REQUIRE_OK(store.Use("default", &config));
  CHECK(ValueOrFail(ConfigFile::Load(tmp.path())).current_context().empty());
}

}  // namespace
}  // namespace berth::cli::config
