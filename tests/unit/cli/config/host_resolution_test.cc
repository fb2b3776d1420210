#include "cli/config/host_resolution.h"

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/config/contexts.h"
#include "common/strings.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::cli::config {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string Message(const absl::Status& status) { return std::string(ToStd(status.message())); }

struct Fixture {
  Fixture() {
    ContextStore store(tmp.path());
    REQUIRE_OK(store.Create({.name = "flagctx", .host = "tcp://flag:2376"}));
    REQUIRE_OK(store.Create({.name = "envctx", .host = "tcp://env:2376"}));
    REQUIRE_OK(store.Create({.name = "cfgctx",
                             .host = "tcp://cfg:2376",
                             .skip_tls_verify = true,
                             .tls = {.ca = "CA", .cert = "CERT", .key = "KEY"}}));
    config.set_current_context("cfgctx");
  }
  TempDir tmp;
  ConfigFile config{tmp.path()};
};

TEST_CASE("ResolveHost precedence: -H > --context > BERTH_HOST > BERTH_CONTEXT > current",
          "[host_resolution]") {
  Fixture f;
  auto all_env = FakeEnv({{"BERTH_HOST", "tcp://envhost:2375"}, {"BERTH_CONTEXT", "envctx"}});
  const std::vector<std::string> none;

  ResolvedHost r = ValueOrFail(ResolveHost({"unix:///flag.sock"}, "", all_env, f.config));
  CHECK(r.host == "unix:///flag.sock");
  CHECK(r.context_name == "default");

  r = ValueOrFail(ResolveHost(none, "flagctx", all_env, f.config));
  CHECK(r.host == "tcp://flag:2376");
  CHECK(r.context_name == "flagctx");

  r = ValueOrFail(ResolveHost(none, "", all_env, f.config));
  CHECK(r.host == "tcp://envhost:2375");
  CHECK(r.context_name == "default");

  r = ValueOrFail(ResolveHost(none, "", FakeEnv({{"BERTH_CONTEXT", "envctx"}}), f.config));
  CHECK(r.host == "tcp://env:2376");
  CHECK(r.context_name == "envctx");

  r = ValueOrFail(ResolveHost(none, "", FakeEnv({{"BERTH_HOST", ""}}), f.config));
  CHECK(r.context_name == "cfgctx");
  CHECK(r.host == "tcp://cfg:2376");
  CHECK(r.skip_tls_verify);
  ContextStore store(f.tmp.path());
  CHECK(r.ca == store.TlsDir("cfgctx") + "/ca.pem");
  CHECK(r.cert == store.TlsDir("cfgctx") + "/cert.pem");
  CHECK(r.key == store.TlsDir("cfgctx") + "/key.pem");

  f.config.set_current_context("");
  r = ValueOrFail(ResolveHost(none, "", FakeEnv({}), f.config));
  CHECK(r.host == "unix:///run/berth/berth.sock");
  CHECK(r.context_name == "default");
  CHECK(r.ca.empty());
  CHECK_FALSE(r.skip_tls_verify);

  // "default" named explicitly is the default, with BERTH_HOST applied.
  r = ValueOrFail(ResolveHost(none, "default", FakeEnv({{"BERTH_HOST", "tcp://h:1"}}), f.config));
  CHECK(r.host == "tcp://h:1");
  CHECK(ResolveContextName(none, "", FakeEnv({{"BERTH_CONTEXT", "default"}}), f.config) ==
        "default");
}

TEST_CASE("ResolveHost errors", "[host_resolution]") {
  Fixture f;
  absl::StatusOr<ResolvedHost> r = ResolveHost({"tcp://a:1"}, "flagctx", FakeEnv({}), f.config);
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(r.status()) == "conflicting options: either specify --host or --context, not both");

  r = ResolveHost({"tcp://a:1", "tcp://b:2"}, "", FakeEnv({}), f.config);
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(r.status()) == "specify only one -H");

  r = ResolveHost({}, "ghost", FakeEnv({}), f.config);
  CHECK(r.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Message(r.status()), Catch::Contains("\"ghost\""));
  CHECK_THAT(Message(r.status()), Catch::Contains(f.tmp.Sub("contexts")));

  // A currentContext that was removed behind our back.
  f.config.set_current_context("vanished");
  r = ResolveHost({}, "", FakeEnv({}), f.config);
  CHECK(r.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Message(r.status()), Catch::Contains("vanished"));
}

}  // namespace
}  // namespace berth::cli::config
