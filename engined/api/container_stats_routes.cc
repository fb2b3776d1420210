// docker top and docker stats, from containerd's ListPids and Metrics.
#include "common/status.h"
#include "engined/api/api_util.h"
#include "engined/api/container_routes.h"
#include "engined/logs/host_stats.h"
#include "engined/logs/stats_json.h"
#include "engined/logs/time_parse.h"
#include "engined/logs/top.h"

namespace berth::engined::api {

namespace {

using http::Request;
using http::ResponseWriter;

struct Running {
  std::string id;
  std::string name;
  bool running = false;
};

absl::StatusOr<Running> Lookup(ContainerManager& containers, const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers.Get(ref));
  std::lock_guard<std::mutex> lock(entry->mu);
  return Running{
      entry->c.id, entry->c.BareName(),
      entry->c.state.status == RunState::kRunning || entry->c.state.status == RunState::kPaused};
}

absl::StatusOr<std::optional<logs::StatsSample>> Sample(ContainerdClient& containerd,
                                                        const std::string& id) {
  ctrpb::MetricsRequest request;
  request.add_filters("id==" + id);
  ctrpb::MetricsResponse response;
  grpc::Status s = containerd.tasks().Metrics(containerd.Ctx().get(), request, &response);
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) return std::optional<logs::StatsSample>();
  BERTH_RETURN_IF_ERROR(CallStatus(s, "stats " + id));
  for (const ctrpb::Metric& m : response.metrics()) {
    if (m.id() != id) continue;
    logs::StatsSample sample;
    if (!m.data().UnpackTo(&sample.stats)) continue;
    BERTH_ASSIGN_OR_RETURN(sample.host, logs::ReadHostCpu());
    sample.read_nanos = logs::NowNanos();
    return std::optional<logs::StatsSample>(std::move(sample));
  }
  return std::optional<logs::StatsSample>();
}

void Stats(ContainerManager& containers, Request& r, ResponseWriter& w) {
  absl::StatusOr<Running> c = Lookup(containers, r.Param("id"));
  if (!c.ok()) return w.Error(c.status());
  bool stream = r.QueryBool("stream", true) && !r.QueryBool("one-shot");
  logs::StatsIdentity identity{c->id, c->name, 0};
  if (absl::StatusOr<uint64_t> mem = logs::ReadMachineMemory(); mem.ok()) {
    identity.machine_memory = *mem;
  }
  std::optional<logs::StatsSample> previous;
  if (!c->running) {
    // docker: a stopped container's stats are zeroed, sent once.
    return w.Json(200, logs::DockerStatsJson(identity, std::nullopt, std::nullopt));
  }
  if (!stream) {
    // As docker without one-shot: two samples a second apart, so that the
    // CPU percentage has a base.
    absl::StatusOr<std::optional<logs::StatsSample>> first = Sample(containers.containerd(), c->id);
    if (!first.ok()) return w.Error(first.status());
    if (!r.QueryBool("one-shot")) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      previous = *first;
      first = Sample(containers.containerd(), c->id);
      if (!first.ok()) return w.Error(first.status());
    }
    return w.Json(200, logs::DockerStatsJson(identity, *first, previous));
  }
  w.BeginStream(200, "application/json");
  for (;;) {
    absl::StatusOr<std::optional<logs::StatsSample>> now = Sample(containers.containerd(), c->id);
    if (!now.ok() || !now->has_value()) {
      w.Write(logs::DockerStatsJson(identity, std::nullopt, std::nullopt).dump() + "\n");
      return;
    }
    if (!w.Write(logs::DockerStatsJson(identity, *now, previous).dump() + "\n")) return;
    previous = *now;
    if (w.WaitClientGone(std::chrono::seconds(1))) return;
  }
}

void Top(ContainerManager& containers, Request& r, ResponseWriter& w) {
  absl::StatusOr<Running> c = Lookup(containers, r.Param("id"));
  if (!c.ok()) return w.Error(c.status());
  if (!c->running) return w.Error(409, "Container " + c->id + " is not running");
  ContainerdClient& containerd = containers.containerd();
  ctrpb::ListPidsRequest request;
  request.set_container_id(c->id);
  ctrpb::ListPidsResponse response;
  absl::Status s = CallStatus(
      containerd.tasks().ListPids(containerd.Ctx().get(), request, &response), "top " + c->id);
  if (!s.ok()) return w.Error(s);
  std::vector<pid_t> pids;
  for (const ctrpb::ProcessInfo& p : response.processes())
    pids.push_back(static_cast<pid_t>(p.pid()));
  absl::StatusOr<logs::TopResult> top = logs::DockerTop(pids, r.Query("ps_args"));
  if (!top.ok()) return w.Error(top.status());
  w.Json(200, top->ToJson());
}

}  // namespace

void AddContainerStatsRoutes(http::Router& router, ContainerManager& containers) {
  router.Add("GET", "/containers/{id}/stats",
             [&](Request& r, ResponseWriter& w) { Stats(containers, r, w); });
  router.Add("GET", "/containers/{id}/top",
             [&](Request& r, ResponseWriter& w) { Top(containers, r, w); });
}

}  // namespace berth::engined::api
