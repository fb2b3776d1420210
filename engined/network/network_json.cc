#include "engined/network/network_json.h"

namespace berth::engined::network {

nlohmann::json NetworkJson(const NetworkRecord& network,
                           const std::vector<NetworkEndpoint>& containers) {
  nlohmann::json endpoints = nlohmann::json::object();
  for (const NetworkEndpoint& e : containers) {
    endpoints[e.container_id] = {{"Name", e.name},
                                 {"EndpointID", e.endpoint_id},
                                 {"MacAddress", ""},
                                 {"IPv4Address", ""},
                                 {"IPv6Address", ""}};
  }
  nlohmann::json options = nlohmann::json::object();
  if (network.name == "bridge") options["com.docker.network.bridge.default_bridge"] = "true";
  return {
      {"Name", network.name},
      {"Id", network.id},
      {"Created", network.created},
      {"Scope", "local"},
      {"Driver", network.driver},
      {"EnableIPv6", false},
      {"IPAM", {{"Driver", "default"}, {"Options", nullptr}, {"Config", nlohmann::json::array()}}},
      {"Internal", false},
      {"Attachable", false},
      {"Ingress", false},
      {"ConfigFrom", {{"Network", ""}}},
      {"ConfigOnly", false},
      {"Containers", endpoints},
      {"Options", options},
      {"Labels", nlohmann::json::object()}};
}

}  // namespace berth::engined::network
