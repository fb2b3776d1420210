#include "engined/images/image_routes.h"

#include "common/status.h"
#include "engined/images/registry_auth.h"

namespace berth::engined::images {
namespace {

using http::Request;
using http::ResponseWriter;

// A sink that starts the JSON stream on its first message, so an error
// before any message is still a plain HTTP error.
MessageSink StreamSink(ResponseWriter& w) {
  return [&w](const nlohmann::json& m) {
    if (!w.Started()) w.BeginStream(200, "application/json");
    return w.Write(m.dump() + "\r\n");
  };
}

void Finish(ResponseWriter& w, const absl::Status& s) {
  if (s.ok()) {
    if (!w.Started()) w.BeginStream(200, "application/json");
    return;
  }
  if (!w.Started()) {
    w.Error(s);
  } else {
    w.Write(ErrorMessage(s).dump() + "\r\n");
  }
}

void Reply(ResponseWriter& w, const absl::StatusOr<nlohmann::json>& r) {
  if (!r.ok()) return w.Error(r.status());
  w.Json(200, *r);
}

absl::StatusOr<std::optional<ctrpb::RegistryAuth>> Auth(const Request& r) {
  return DecodeRegistryAuth(r.Header("x-registry-auth"));
}

void Create(ImageService& images, Request& r, ResponseWriter& w) {
  if (r.HasQuery("fromSrc")) {
    if (r.Query("fromSrc") != "-") {
      return w.Error(absl::UnimplementedError("import from a URL is not supported; use fromSrc=-"));
    }
    absl::StatusOr<std::string> id = images.Import(r.body, r.Query("repo"), r.Query("tag"),
                                                   r.Query("message"), r.QueryAll("changes"));
    if (!id.ok()) return w.Error(id.status());
    MessageSink sink = StreamSink(w);
    sink({{"status", *id}});
    return;
  }
  absl::StatusOr<std::optional<ctrpb::RegistryAuth>> auth = Auth(r);
  if (!auth.ok()) return w.Error(auth.status());
  PullOptions options;
  options.image = r.Query("fromImage");
  options.tag = r.Query("tag");
  options.platform = r.Query("platform");
  options.auth = *auth;
  if (options.image.empty()) return w.Error(absl::InvalidArgumentError("fromImage is required"));
  Finish(w, images.Pull(options, StreamSink(w)));
}

}  // namespace

void AddImageRoutes(http::Router& router, ImageService& images) {
  ImageService* s = &images;
  router.Add("GET", "/images/json", [s](Request& r, ResponseWriter& w) {
    Reply(w, s->List(r.QueryBool("all"), r.Query("filters"), r.QueryBool("digests")));
  });
  router.Add("POST", "/images/create", [s](Request& r, ResponseWriter& w) { Create(*s, r, w); });
  router.Add(
      "POST", "/images/load",
      [s](Request& r, ResponseWriter& w) {
        // Streamed: a saved image is often larger than any body berthd buffers.
        Finish(w, s->Load([&r](char* buf, size_t n) { return r.ReadBody(buf, n); },
                          r.QueryBool("quiet"), StreamSink(w)));
      },
      http::RouteOptions{.stream_body = true});
  router.Add("POST", "/images/prune",
             [s](Request& r, ResponseWriter& w) { Reply(w, s->Prune(r.Query("filters"))); });
  auto save = [s](const std::vector<std::string>& names, ResponseWriter& w) {
    absl::Status st = s->Save(names, [&w](std::string_view data) {
      if (!w.Started()) w.BeginStream(200, "application/x-tar");
      return w.Write(data);
    });
    if (!st.ok() && !w.Started()) w.Error(st);
  };
  router.Add("GET", "/images/get",
             [save](Request& r, ResponseWriter& w) { save(r.QueryAll("names"), w); });
  router.Add("GET", "/images/{name*}/get",
             [save](Request& r, ResponseWriter& w) { save({r.Param("name")}, w); });
  router.Add("GET", "/images/{name*}/json",
             [s](Request& r, ResponseWriter& w) { Reply(w, s->Inspect(r.Param("name"))); });
  router.Add("GET", "/images/{name*}/history",
             [s](Request& r, ResponseWriter& w) { Reply(w, s->History(r.Param("name"))); });
  router.Add("POST", "/images/{name*}/tag", [s](Request& r, ResponseWriter& w) {
    absl::Status st = s->Tag(r.Param("name"), r.Query("repo"), r.Query("tag"));
    if (!st.ok()) return w.Error(st);
    w.NoBody(201);
  });
  router.Add("POST", "/images/{name*}/push", [s](Request& r, ResponseWriter& w) {
    absl::StatusOr<std::optional<ctrpb::RegistryAuth>> auth = Auth(r);
    if (!auth.ok()) return w.Error(auth.status());
    PushOptions options{r.Param("name"), r.Query("tag"), *auth};
    Finish(w, s->Push(options, StreamSink(w)));
  });
  router.Add("DELETE", "/images/{name*}", [s](Request& r, ResponseWriter& w) {
    Reply(w, s->Delete(r.Param("name"), r.QueryBool("force"), r.QueryBool("noprune")));
  });
}

}  // namespace berth::engined::images
