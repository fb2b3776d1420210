// berthd put together: its berth-containerd (supervised, or given), the
// image, volume and container layers, the API routes and the HTTP server.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "engined/server/engine_config.h"

namespace berth::engined::server {

class Engine {
 public:
  static absl::StatusOr<std::unique_ptr<Engine>> Start(EngineConfig config);
  ~Engine();
  // Stops serving; containers and their shims keep running (live restore).
  void Shutdown();

  struct Parts;

 private:
  explicit Engine(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace berth::engined::server
