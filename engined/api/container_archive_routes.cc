#include "engined/api/container_archive_routes.h"

#include <memory>

#include "common/logger.h"
#include "common/status.h"
#include "engined/daemon/container_archive.h"

namespace berth::engined::api {
namespace {

using http::Request;
using http::ResponseWriter;

constexpr char kPathStatHeader[] = "X-Docker-Container-Path-Stat";
constexpr char kTar[] = "application/x-tar";

// docker's ArchiveFormValues: the path is required.
absl::StatusOr<std::string> PathParam(const Request& r) {
  std::string path = r.Query("path");
  if (path.empty()) return InvalidArgumentf("bad parameter: path cannot be empty");
  return path;
}

// A sink writing chunks of a response started on its first bytes.
TarSink StreamTo(ResponseWriter& w) {
  return [&w](std::string_view data) -> absl::Status {
    if (!w.Started()) w.BeginStream(200, kTar);
    if (!w.Write(data)) return absl::CancelledError("client went away");
    return absl::OkStatus();
  };
}

// An error before the stream started is docker's error JSON; after, the
// connection just ends (the client sees a truncated tar).
void Finish(ResponseWriter& w, const absl::Status& s, const std::string& what) {
  if (s.ok()) {
    if (!w.Started()) w.BeginStream(200, kTar);  // an empty tar cannot happen, but be whole
    return;
  }
  if (!w.Started()) return w.Error(s);
  if (s.code() != absl::StatusCode::kCancelled) log::Warnf("{}: {}", what, s);
}

void HeadArchive(ContainerArchive& archive, Request& r, ResponseWriter& w) {
  absl::StatusOr<std::string> path = PathParam(r);
  if (!path.ok()) return w.Error(path.status());
  absl::StatusOr<PathStat> stat = archive.Stat(r.Param("id"), *path);
  if (!stat.ok()) return w.Error(stat.status());
  w.SetHeader(kPathStatHeader, PathStatHeader(*stat));
  w.NoBody(200);
}

void GetArchive(ContainerArchive& archive, Request& r, ResponseWriter& w) {
  absl::StatusOr<std::string> path = PathParam(r);
  if (!path.ok()) return w.Error(path.status());
  absl::Status s = archive.Archive(
      r.Param("id"), *path,
      [&w](const PathStat& stat) {
        w.SetHeader(kPathStatHeader, PathStatHeader(stat));
        w.BeginStream(200, kTar);
      },
      StreamTo(w));
  Finish(w, s, "archive " + *path + " of " + r.Param("id"));
}

void PutArchive(ContainerArchive& archive, Request& r, ResponseWriter& w) {
  absl::StatusOr<std::string> path = PathParam(r);
  if (!path.ok()) return w.Error(path.status());
  ExtractOptions options;
  options.no_overwrite_dir_non_dir = r.QueryBool("noOverwriteDirNonDir");
  options.copy_uid_gid = r.QueryBool("copyUIDGID");
  absl::Status s = archive.Extract(r.Param("id"), *path, options,
                                   [&r](char* buf, size_t n) { return r.ReadBody(buf, n); });
  if (!s.ok()) return w.Error(s);
  w.NoBody(200);
}

void Export(ContainerArchive& archive, Request& r, ResponseWriter& w) {
  absl::Status s = archive.Export(r.Param("id"), StreamTo(w));
  Finish(w, s, "export " + r.Param("id"));
}

void Changes(ContainerArchive& archive, Request& r, ResponseWriter& w) {
  absl::StatusOr<std::vector<Change>> changes = archive.Changes(r.Param("id"));
  if (!changes.ok()) return w.Error(changes.status());
  w.Json(200, ChangesJson(*changes));
}

}  // namespace

void AddContainerArchiveRoutes(http::Router& router, ContainerManager& containers) {
  auto archive = std::make_shared<ContainerArchive>(containers);
  router.Add("HEAD", "/containers/{id}/archive",
             [archive](Request& r, ResponseWriter& w) { HeadArchive(*archive, r, w); });
  router.Add("GET", "/containers/{id}/archive",
             [archive](Request& r, ResponseWriter& w) { GetArchive(*archive, r, w); });
  router.Add(
      "PUT", "/containers/{id}/archive",
      [archive](Request& r, ResponseWriter& w) { PutArchive(*archive, r, w); },
      http::RouteOptions{.stream_body = true});
  router.Add("GET", "/containers/{id}/export",
             [archive](Request& r, ResponseWriter& w) { Export(*archive, r, w); });
  router.Add("GET", "/containers/{id}/changes",
             [archive](Request& r, ResponseWriter& w) { Changes(*archive, r, w); });
}

}  // namespace berth::engined::api
