#include "engined/api/container_routes.h"

#include <algorithm>

#include "common/status.h"
#include "engined/api/api_util.h"
#include "engined/daemon/container_json.h"

namespace berth::engined::api {

namespace {

using http::Request;
using http::ResponseWriter;

absl::StatusOr<WaitCondition> ParseWaitCondition(const std::string& text) {
  if (text.empty() || text == "not-running") return WaitCondition::kNotRunning;
  if (text == "next-exit") return WaitCondition::kNextExit;
  if (text == "removed") return WaitCondition::kRemoved;
  return InvalidArgumentf("invalid condition: {:?}", text);
}

void ListContainers(ContainerManager& containers, Request& r, ResponseWriter& w) {
  absl::StatusOr<Filters> filters = ParseFilters(r.Query("filters"));
  if (!filters.ok()) return w.Error(filters.status());
  if (absl::Status s = CheckFilterKeys(
          *filters, {"id", "name", "label", "exited", "status", "ancestor", "before", "since",
                     "volume", "network", "health", "is-task", "publish", "expose"});
      !s.ok()) {
    return w.Error(s);
  }
  absl::StatusOr<int64_t> limit = r.QueryInt("limit", -1);
  if (!limit.ok()) return w.Error(limit.status());
  bool all = r.QueryBool("all") || *limit > 0;
  std::vector<Container> list;
  for (const ContainerRef& entry : containers.store().List()) {
    std::lock_guard<std::mutex> lock(entry->mu);
    list.push_back(entry->c);
  }
  // Newest first, as docker lists them.
  std::sort(list.begin(), list.end(),
            [](const Container& a, const Container& b) { return a.created > b.created; });
  auto bound = [&](const char* key) -> std::optional<std::string> {
    auto it = filters->find(key);
    if (it == filters->end() || it->second.empty()) return std::nullopt;
    absl::StatusOr<ContainerRef> ref = containers.store().Get(*it->second.begin());
    if (!ref.ok()) return std::string("\x01missing");
    std::lock_guard<std::mutex> lock((*ref)->mu);
    return (*ref)->c.created;
  };
  std::optional<std::string> before = bound("before"), since = bound("since");
  for (const char* key : {"before", "since"}) {
    auto it = filters->find(key);
    if (it != filters->end() && !it->second.empty() &&
        !containers.store().Get(*it->second.begin()).ok()) {
      return w.Error(NotFoundf("No such container: {}", *it->second.begin()));
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const Container& c : list) {
    if (before && c.created >= *before) continue;
    if (since && c.created <= *since) continue;
    bool shown = all || c.state.status == RunState::kRunning ||
                 c.state.status == RunState::kPaused || c.state.status == RunState::kRestarting;
    // A status filter asks for those states even without -a.
    if (!shown && filters->count("status") == 0 && filters->count("exited") == 0) continue;
    if (!MatchesContainerFilters(c, *filters)) continue;
    out.push_back(ContainerSummaryJson(c));
    if (*limit > 0 && static_cast<int64_t>(out.size()) >= *limit) break;
  }
  w.Json(200, out);
}

}  // namespace

void AddContainerRoutes(http::Router& router, ContainerManager& containers, ExecManager& execs) {
  router.Add("GET", "/containers/json",
             [&](Request& r, ResponseWriter& w) { ListContainers(containers, r, w); });

  router.Add("POST", "/containers/create", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<nlohmann::json> body = r.JsonBody(nlohmann::json());
    if (!body.ok()) return w.Error(body.status());
    if (!body->is_object()) {
      return w.Error(400, "config cannot be empty in order to create a container");
    }
    absl::StatusOr<CreateResult> created = containers.Create(r.Query("name"), *body);
    if (!created.ok()) return w.Error(created.status());
    w.Json(201, {{"Id", created->id}, {"Warnings", created->warnings}});
  });

  router.Add("GET", "/containers/{id}/json", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<ContainerRef> entry = containers.Get(r.Param("id"));
    if (!entry.ok()) return w.Error(entry.status());
    Container c;
    {
      std::lock_guard<std::mutex> lock((*entry)->mu);
      c = (*entry)->c;
    }
    w.Json(200, ContainerInspectJson(c, execs.IdsOf(c.id)));
  });

  router.Add("POST", "/containers/{id}/start", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<bool> started = containers.Start(r.Param("id"));
    if (!started.ok()) return w.Error(started.status());
    w.NoBody(*started ? 204 : 304);
  });

  router.Add("POST", "/containers/{id}/stop", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<std::optional<int>> t = OptionalInt(r, "t");
    if (!t.ok()) return w.Error(t.status());
    absl::StatusOr<bool> stopped = containers.Stop(r.Param("id"), *t, r.Query("signal"));
    if (!stopped.ok()) return w.Error(stopped.status());
    w.NoBody(*stopped ? 204 : 304);
  });

  router.Add("POST", "/containers/{id}/restart", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<std::optional<int>> t = OptionalInt(r, "t");
    if (!t.ok()) return w.Error(t.status());
    Reply(w, containers.Restart(r.Param("id"), *t, r.Query("signal")));
  });

  router.Add("POST", "/containers/{id}/kill", [&](Request& r, ResponseWriter& w) {
    Reply(w, containers.Kill(r.Param("id"), r.Query("signal")));
  });

  router.Add("POST", "/containers/{id}/pause",
             [&](Request& r, ResponseWriter& w) { Reply(w, containers.Pause(r.Param("id"))); });
  router.Add("POST", "/containers/{id}/unpause",
             [&](Request& r, ResponseWriter& w) { Reply(w, containers.Unpause(r.Param("id"))); });

  router.Add("DELETE", "/containers/{id}", [&](Request& r, ResponseWriter& w) {
    if (r.QueryBool("link")) return w.Error(400, "links are not supported by berthd");
    Reply(w, containers.Remove(r.Param("id"), r.QueryBool("force"), r.QueryBool("v")));
  });

  router.Add("POST", "/containers/{id}/rename", [&](Request& r, ResponseWriter& w) {
    std::string name = r.Query("name");
    if (name.empty()) return w.Error(400, "missing name");
    Reply(w, containers.Rename(r.Param("id"), name));
  });

  router.Add("POST", "/containers/{id}/resize", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<int> h = RequiredInt(r, "h", 0, 65535);
    absl::StatusOr<int> width = RequiredInt(r, "w", 0, 65535);
    if (!h.ok()) return w.Error(h.status());
    if (!width.ok()) return w.Error(width.status());
    Reply(w, containers.Resize(r.Param("id"), "", *h, *width), 200);
  });

  router.Add("POST", "/containers/{id}/wait", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<WaitCondition> condition = ParseWaitCondition(r.Query("condition"));
    if (!condition.ok()) return w.Error(condition.status());
    absl::StatusOr<ContainerRef> entry = containers.Get(r.Param("id"));
    if (!entry.ok()) return w.Error(entry.status());
    // As dockerd: the headers go out at once, so the client knows the wait
    // is in place before it starts the container.
    w.BeginStream(200, "application/json");
    absl::StatusOr<WaitResult> result =
        containers.Wait((*entry)->c.id, *condition, [&w] { return w.ClientGone(); });
    if (!result.ok()) {
      w.Write(nlohmann::json{{"StatusCode", -1},
                             {"Error", {{"Message", std::string(result.status().message())}}}}
                  .dump() +
              "\n");
      return;
    }
    nlohmann::json body = {{"StatusCode", result->status_code}, {"Error", nullptr}};
    if (!result->error.empty()) body["Error"] = {{"Message", result->error}};
    w.Write(body.dump() + "\n");
  });

  router.Add("POST", "/containers/prune", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<Filters> filters = ParseFilters(r.Query("filters"));
    if (!filters.ok()) return w.Error(filters.status());
    if (absl::Status s = CheckFilterKeys(*filters, {"label", "until"}); !s.ok()) return w.Error(s);
    nlohmann::json deleted = nlohmann::json::array();
    for (const ContainerRef& entry : containers.store().List()) {
      Container c;
      {
        std::lock_guard<std::mutex> lock(entry->mu);
        c = entry->c;
      }
      if (c.state.status != RunState::kExited && c.state.status != RunState::kCreated &&
          c.state.status != RunState::kDead) {
        continue;
      }
      Filters labels;
      if (auto it = filters->find("label"); it != filters->end()) labels["label"] = it->second;
      if (!MatchesContainerFilters(c, labels)) continue;
      if (containers.Remove(c.id, false, false).ok()) deleted.push_back(c.id);
    }
    w.Json(200, {{"ContainersDeleted", deleted.empty() ? nlohmann::json(nullptr) : deleted},
                 {"SpaceReclaimed", 0}});
  });

  router.Add("POST", "/containers/{id}/exec", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<nlohmann::json> body = r.JsonBody();
    if (!body.ok()) return w.Error(body.status());
    absl::StatusOr<std::string> id = execs.Create(r.Param("id"), *body);
    if (!id.ok()) return w.Error(id.status());
    w.Json(201, {{"Id", *id}});
  });

  router.Add("GET", "/exec/{id}/json", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<nlohmann::json> info = execs.Inspect(r.Param("id"));
    if (!info.ok()) return w.Error(info.status());
    w.Json(200, *info);
  });

  router.Add("POST", "/exec/{id}/resize", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<int> h = RequiredInt(r, "h", 0, 65535);
    absl::StatusOr<int> width = RequiredInt(r, "w", 0, 65535);
    if (!h.ok()) return w.Error(h.status());
    if (!width.ok()) return w.Error(width.status());
    Reply(w, execs.Resize(r.Param("id"), *h, *width), 200);
  });
}

}  // namespace berth::engined::api
