// What the container layer needs from images, kept to the few calls it
// makes so that it does not depend on how images are stored.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined {

struct ImageForContainer {
  std::string id;         // "sha256:<config digest>"
  nlohmann::json config;  // the image config's "config" object (Env, Cmd, ...)
  std::string chain_id;   // the unpacked top layer: the container snapshot's parent
};

class ImageBackend {
 public:
  virtual ~ImageBackend() = default;
  // Resolves a reference or ID and makes sure it is unpacked; NotFound
  // "No such image: REF" when missing.
  virtual absl::StatusOr<ImageForContainer> ImageForCreate(const std::string& ref) = 0;
};

}  // namespace berth::engined
