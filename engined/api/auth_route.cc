#include "engined/api/auth_route.h"

#include "common/reference.h"
#include "common/strings.h"
#include "containerd/core/registry/client.h"
#include "engined/api/api_util.h"

namespace berth::engined::api {
namespace {

namespace registry = ::berth::containerd::registry;
using http::Request;
using http::ResponseWriter;

// "https://host:5000/v1/" or "host" -> "host:5000"; docker.io's names ->
// the registry host pulls use.
std::string LoginHost(std::string_view server) {
  if (size_t scheme = server.find("://"); scheme != std::string_view::npos) {
    server.remove_prefix(scheme + 3);
  }
  server = server.substr(0, server.find('/'));
  if (server.empty() || server == "docker.io" || server == "index.docker.io") {
    return RegistryHostFor("docker.io");
  }
  return std::string(server);
}

}  // namespace

void AddAuthRoute(http::Router& router) {
  router.Add("POST", "/auth", [](Request& r, ResponseWriter& w) {
    absl::StatusOr<nlohmann::json> body = r.JsonBody();
    if (!body.ok()) return w.Error(body.status());
    registry::ClientOptions options;
    options.credentials =
        registry::Credentials{JsonString(*body, "username"), JsonString(*body, "password")};
    options.http.user_agent = "berthd";
    // The certs dir of the berth-containerd berthd starts (its default).
    options.http.certs_dir = registry::kDefaultCertsDir;
    registry::Client client(options);
    std::string host = LoginHost(JsonString(*body, "serveraddress"));
    absl::Status s = client.CheckLogin(host);
    if (s.code() == absl::StatusCode::kUnauthenticated) {
      return w.Json(401, {{"message", std::string(s.message())}});
    }
    if (!s.ok()) return w.Error(s);
    w.Json(200, {{"Status", "Login Succeeded"}, {"IdentityToken", ""}});
  });
}

}  // namespace berth::engined::api
