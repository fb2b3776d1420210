#include "engined/api/commit.h"

namespace berth::engined::api {

void AddCommitRoute(http::Router& router, ContainerManager& containers,
                    images::ImageService& images) {
  router.Add("POST", "/commit", [&](http::Request& r, http::ResponseWriter& w) {
    // No body is no config (the docker CLI sends none).
    absl::StatusOr<nlohmann::json> body = r.JsonBody(nlohmann::json());
    if (!body.ok()) return w.Error(body.status());
    CommitRequest request;
    request.container = r.Query("container");
    request.repo = r.Query("repo");
    request.tag = r.Query("tag");
    request.comment = r.Query("comment");
    request.author = r.Query("author");
    // Pause unless asked not to (API >= 1.13 default).
    request.pause = r.Query("pause").empty() || r.QueryBool("pause");
    request.config = *body;
    request.changes = r.QueryAll("changes");
    absl::StatusOr<std::string> id = CommitContainer(containers, images, request);
    if (!id.ok()) return w.Error(id.status());
    w.Json(201, {{"Id", *id}});
  });
}

}  // namespace berth::engined::api
