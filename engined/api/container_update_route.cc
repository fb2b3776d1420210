#include "engined/api/container_update_route.h"

namespace berth::engined::api {

void AddContainerUpdateRoute(http::Router& router, ContainerManager& containers) {
  router.Add("POST", "/containers/{id}/update", [&](http::Request& r, http::ResponseWriter& w) {
    absl::StatusOr<nlohmann::json> body = r.JsonBody();
    if (!body.ok()) return w.Error(body.status());
    absl::StatusOr<std::vector<std::string>> warnings = containers.Update(r.Param("id"), *body);
    if (!warnings.ok()) return w.Error(warnings.status());
    w.Json(200, {{"Warnings", *warnings}});
  });
}

}  // namespace berth::engined::api
