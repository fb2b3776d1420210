// /_ping, /version, /info, /events and /system/df.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "engined/api/event_bus.h"
#include "engined/daemon/container_manager.h"
#include "engined/http/http.h"

namespace berth::engined::api {

struct SystemInfo {
  std::string version;      // berthd's
  std::string api_version;  // the newest it serves
  std::string min_api_version;
  std::string data_root;
  std::string containerd_socket;
  std::string runtime = "berth-runtime";
  // Counts and sizes from the image and volume layers.
  std::function<int()> image_count;
  std::function<nlohmann::json()> disk_usage_images;  // /system/df "Images"
  std::function<int64_t()> layers_size;
  std::function<nlohmann::json()> disk_usage_volumes;  // /system/df "Volumes"
};

void AddSystemRoutes(http::Router& router, const SystemInfo& info, ContainerManager& containers,
                     EventBus& events);

}  // namespace berth::engined::api
