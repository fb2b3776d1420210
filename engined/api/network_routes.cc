#include "engined/api/network_routes.h"

#include <algorithm>

#include "common/status.h"
#include "engined/api/api_util.h"
#include "engined/daemon/container_json.h"
#include "engined/network/network_filters.h"
#include "engined/network/network_json.h"

namespace berth::engined::api {
namespace {

using http::Request;
using http::ResponseWriter;
using network::NetworkEndpoint;
using network::NetworkRecord;

constexpr char kUserNetworksUnsupported[] =
    "user-defined networks are not supported by berthd yet (only the predefined bridge, host "
    "and none)";

// The network a container's NetworkMode puts it on ("default" is bridge);
// empty for container:<id> modes.
std::string NetworkOf(const Container& c) {
  std::string mode = c.NetworkMode();
  return network::IsPredefinedNetwork(mode) ? mode : "";
}

std::vector<NetworkEndpoint> RunningOn(ContainerManager& containers, const std::string& name) {
  std::vector<NetworkEndpoint> out;
  for (const ContainerRef& entry : containers.store().List()) {
    std::lock_guard<std::mutex> lock(entry->mu);
    const Container& c = entry->c;
    if (c.state.Running() && NetworkOf(c) == name) {
      out.push_back({c.id, c.BareName(), c.endpoint_id});
    }
  }
  return out;
}

void ListNetworks(const network::PredefinedNetworks& networks, Request& r, ResponseWriter& w) {
  absl::StatusOr<Filters> filters = ParseFilters(r.Query("filters"));
  if (!filters.ok()) return w.Error(filters.status());
  if (absl::Status s = network::ValidateNetworkFilters(*filters); !s.ok()) return w.Error(s);
  nlohmann::json out = nlohmann::json::array();
  for (const NetworkRecord& n : networks.List()) {
    if (network::MatchesNetworkFilters(n, *filters)) out.push_back(network::NetworkJson(n));
  }
  w.Json(200, out);
}

}  // namespace

void AddNetworkRoutes(http::Router& router, const network::PredefinedNetworks& networks,
                      ContainerManager& containers) {
  router.Add("GET", "/networks",
             [&](Request& r, ResponseWriter& w) { ListNetworks(networks, r, w); });

  router.Add("GET", "/networks/{id}", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<NetworkRecord> n = networks.Find(r.Param("id"));
    if (!n.ok()) return w.Error(n.status());
    // Every predefined network is local; another scope has none of them.
    std::string scope = r.Query("scope");
    if (!scope.empty() && scope != "local") {
      return w.Error(NotFoundf("network {} not found", r.Param("id")));
    }
    w.Json(200, network::NetworkJson(*n, RunningOn(containers, n->name)));
  });

  router.Add("POST", "/networks/create", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<nlohmann::json> body = r.JsonBody();
    if (!body.ok()) return w.Error(body.status());
    std::string name = JsonString(*body, "Name");
    if (network::IsPredefinedNetwork(name)) {
      return w.Error(absl::PermissionDeniedError("operation is not permitted on predefined " +
                                                 name + " network "));
    }
    w.Error(absl::UnimplementedError(kUserNetworksUnsupported));
  });

  router.Add("DELETE", "/networks/{id}", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<NetworkRecord> n = networks.Find(r.Param("id"));
    if (!n.ok()) return w.Error(n.status());
    w.Error(
        absl::PermissionDeniedError(n->name + " is a pre-defined network and cannot be removed"));
  });

  router.Add("POST", "/networks/prune", [&](Request& r, ResponseWriter& w) {
    absl::StatusOr<Filters> filters = ParseFilters(r.Query("filters"));
    if (!filters.ok()) return w.Error(filters.status());
    if (absl::Status s = CheckFilterKeys(*filters, {"label", "label!", "until"}); !s.ok()) {
      return w.Error(s);
    }
    // Only user-defined networks are pruned, and there are none.
    w.Json(200, {{"NetworksDeleted", nullptr}});
  });

  for (const char* action : {"connect", "disconnect"}) {
    router.Add("POST", std::string("/networks/{id}/") + action,
               [&, action](Request& r, ResponseWriter& w) {
                 absl::StatusOr<nlohmann::json> body = r.JsonBody();
                 if (!body.ok()) return w.Error(body.status());
                 absl::StatusOr<NetworkRecord> n = networks.Find(r.Param("id"));
                 if (!n.ok()) return w.Error(n.status());
                 absl::StatusOr<ContainerRef> c = containers.Get(JsonString(*body, "Container"));
                 if (!c.ok()) return w.Error(c.status());
                 w.Error(absl::UnimplementedError(fmt::format(
                     "berthd cannot {} containers {} networks yet: a container stays on the "
                     "network it was created with",
                     action, std::string(action) == "connect" ? "to" : "from")));
               });
  }
}

}  // namespace berth::engined::api
