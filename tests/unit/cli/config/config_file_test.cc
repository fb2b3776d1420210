#include "cli/config/config_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::cli::config {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using Json = nlohmann::json;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string Message(const absl::Status& status) { return std::string(ToStd(status.message())); }

TEST_CASE("ConfigDir: --config, then BERTH_CONFIG, then ~/.berth", "[config_file]") {
  auto env = FakeEnv({{"BERTH_CONFIG", "/env/cfg"}, {"HOME", "/home/u"}});
  CHECK(ValueOrFail(ConfigDir("/flag/cfg", env)) == "/flag/cfg");
  CHECK(ValueOrFail(ConfigDir("", env)) == "/env/cfg");
  CHECK(ValueOrFail(ConfigDir("", FakeEnv({{"HOME", "/home/u"}}))) == "/home/u/.berth");
  // An empty BERTH_CONFIG counts as unset.
  CHECK(ValueOrFail(ConfigDir("", FakeEnv({{"BERTH_CONFIG", ""}, {"HOME", "/h"}}))) == "/h/.berth");
  // Without HOME the passwd entry's home directory is used.
  std::string dir = ValueOrFail(ConfigDir("", FakeEnv({})));
  CHECK(dir.size() > std::string("/.berth").size());
  CHECK(dir.ends_with("/.berth"));
}

TEST_CASE("Load: a missing file or directory is an empty config", "[config_file]") {
  TempDir tmp;
  ConfigFile config = ValueOrFail(ConfigFile::Load(tmp.Sub("absent")));
  CHECK(config.auths().empty());
  CHECK(config.creds_store().empty());
  CHECK(config.current_context().empty());
  CHECK(config.dir() == tmp.Sub("absent"));
  CHECK(config.path() == tmp.Sub("absent/config.json"));
  // An empty file too, as docker accepts.
  REQUIRE_OK(WriteFile(tmp.Sub("config.json"), "\n"));
  CHECK(ValueOrFail(ConfigFile::Load(tmp.path())).auths().empty());
}

TEST_CASE("Load: malformed JSON is an InvalidArgument naming the file", "[config_file]") {
  TempDir tmp;
  REQUIRE_OK(WriteFile(tmp.Sub("config.json"), "{\"auths\": {"));
  absl::StatusOr<ConfigFile> config = ConfigFile::Load(tmp.path());
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(Message(config.status()), Catch::Contains(tmp.Sub("config.json")));
}

TEST_CASE("Load: a field of the wrong type names the file and the field", "[config_file]") {
  TempDir tmp;
  REQUIRE_OK(WriteFile(tmp.Sub("config.json"), R"({"credsStore": 3})"));
  absl::StatusOr<ConfigFile> config = ConfigFile::Load(tmp.path());
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(Message(config.status()), Catch::Contains(tmp.Sub("config.json")));
  CHECK_THAT(Message(config.status()), Catch::Contains("credsStore"));

  REQUIRE_OK(WriteFile(tmp.Sub("config.json"), R"({"auths": {"r.io": {"auth": "!!!"}}})"));
  config = ConfigFile::Load(tmp.path());
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(Message(config.status()), Catch::Contains("auths.r.io.auth"));

  // base64 of "nocolon": no user:password pair.
  REQUIRE_OK(WriteFile(tmp.Sub("config.json"), R"({"auths": {"r.io": {"auth": "bm9jb2xvbg=="}}})"));
  config = ConfigFile::Load(tmp.path());
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(Message(config.status()), Catch::Contains("invalid auth configuration"));

  REQUIRE_OK(WriteFile(tmp.Sub("config.json"), "[]"));
  CHECK(ConfigFile::Load(tmp.path()).status().code() == absl::StatusCode::kInvalidArgument);
}

constexpr char kDockerConfig[] = R"({
	"auths": {
		"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},
		"registry.example:5000": {"identitytoken": "tok", "email": "a@b.c", "x-extra": 1},
		"plain.example": {"username": "pu", "password": "pp"},
		"helper.example": {}
	},
	"credsStore": "desktop",
	"credHelpers": {"gcr.io": "gcloud"},
	"currentContext": "remote",
	"psFormat": "table {{.ID}}",
	"imagesFormat": "table {{.Repository}}",
	"detachKeys": "ctrl-x,x",
	"HttpHeaders": {"X-Meta": "1"},
	"plugins": {"buildx": {"x": "y"}},
	"experimental": "enabled"
})";

TEST_CASE("Load: docker's fields, typed", "[config_file]") {
  TempDir tmp;
  REQUIRE_OK(WriteFile(tmp.Sub("config.json"), kDockerConfig));
  ConfigFile config = ValueOrFail(ConfigFile::Load(tmp.path()));

  REQUIRE(config.auths().size() == 4);
  const AuthEntry& hub = config.auths().at("https://index.docker.io/v1/");
  CHECK(hub.username == "user");
  CHECK(hub.password == "pass");
  const AuthEntry& reg = config.auths().at("registry.example:5000");
  CHECK(reg.identity_token == "tok");
  CHECK(reg.email == "a@b.c");
  CHECK(reg.username.empty());
  CHECK(config.auths().at("plain.example").username == "pu");
  CHECK(config.auths().at("plain.example").password == "pp");
  CHECK(config.auths().at("helper.example") == AuthEntry{});

  CHECK(config.creds_store() == "desktop");
  CHECK(config.cred_helpers() == std::map<std::string, std::string>{{"gcr.io", "gcloud"}});
  CHECK(config.current_context() == "remote");
  CHECK(config.ps_format() == "table {{.ID}}");
  CHECK(config.images_format() == "table {{.Repository}}");
  CHECK(config.detach_keys() == "ctrl-x,x");
  CHECK(config.http_headers() == std::map<std::string, std::string>{{"X-Meta", "1"}});
}

TEST_CASE("Save: atomic, 0600 in a 0700 directory, unknown fields kept", "[config_file]") {
  TempDir tmp;
  std::string dir = tmp.Sub("cfg");
  REQUIRE_OK(MkdirAll(dir, 0700));
  REQUIRE_OK(WriteFile(dir + "/config.json", kDockerConfig, 0644));
  ConfigFile config = ValueOrFail(ConfigFile::Load(dir));
  config.set_current_context("");
  config.set_detach_keys("ctrl-a,a");
  (*config.mutable_auths())["new.example"] = AuthEntry{.username = "n", .password = "p:w"};
  config.mutable_http_headers()->clear();
  REQUIRE_OK(config.Save());

  CHECK(ModeOf(config.path()) == 0600);
  Json saved = Json::parse(ValueOrFail(ReadFile(config.path())));
  // Unknown fields, top-level and inside an auths entry, survive.
  CHECK(saved["plugins"] == Json::parse(R"({"buildx": {"x": "y"}})"));
  CHECK(saved["experimental"] == "enabled");
  CHECK(saved["auths"]["registry.example:5000"]["x-extra"] == 1);
  // Cleared fields are omitted, as docker's omitempty.
  CHECK_FALSE(saved.contains("currentContext"));
  CHECK_FALSE(saved.contains("HttpHeaders"));
  CHECK(saved["detachKeys"] == "ctrl-a,a");
  // Credentials are written as `auth` only.
  CHECK(saved["auths"]["https://index.docker.io/v1/"] ==
        Json::parse(R"({"auth": "dXNlcjpwYXNz"})"));
  CHECK(saved["auths"]["plain.example"] == Json::parse(R"({"auth": "cHU6cHA="})"));
  CHECK(saved["auths"]["new.example"]["auth"] == "bjpwOnc=");
  CHECK(saved["auths"]["helper.example"] == Json::object());
  CHECK(saved["auths"]["registry.example:5000"]["identitytoken"] == "tok");

  // And it reads back the same.
  ConfigFile again = ValueOrFail(ConfigFile::Load(dir));
  CHECK(again.auths() == config.auths());
  CHECK(again.detach_keys() == "ctrl-a,a");
  CHECK(again.creds_store() == "desktop");
  // No temp files left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("Save: creates the directory 0700 and always writes auths", "[config_file]") {
  TempDir tmp;
  ConfigFile config(tmp.Sub("a/b"));
  REQUIRE_OK(config.Save());
  CHECK(ModeOf(tmp.Sub("a/b")) == 0700);
  CHECK(ModeOf(tmp.Sub("a/b/config.json")) == 0600);
  CHECK(Json::parse(ValueOrFail(ReadFile(tmp.Sub("a/b/config.json")))) ==
        Json::parse(R"({"auths": {}})"));
}

TEST_CASE("Save: a symlinked config.json stays a symlink", "[config_file]") {
  TempDir tmp;
  REQUIRE_OK(MkdirAll(tmp.Sub("cfg"), 0700));
  REQUIRE_OK(WriteFile(tmp.Sub("real.json"), R"({"psFormat": "x"})"));
  REQUIRE(::symlink(tmp.Sub("real.json").c_str(), tmp.Sub("cfg/config.json").c_str()) == 0);
  ConfigFile config = ValueOrFail(ConfigFile::Load(tmp.Sub("cfg")));
  CHECK(config.ps_format() == "x");
  config.set_ps_format("y");
  REQUIRE_OK(config.Save());
  struct stat st;
  REQUIRE(::lstat(tmp.Sub("cfg/config.json").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(Json::parse(ValueOrFail(ReadFile(tmp.Sub("real.json"))))["psFormat"] == "y");
}

}  // namespace
}  // namespace berth::cli::config
