// POST /commit (docker commit): a container's changes as a new image.
// The layer comes from berth-containerd's Diff service (the container's
// snapshot against its parent), the config from the parent image's with
// the container's settings (moby daemon/commit.go), the image record from
// ImageService::CreateImageFromLayer, as `docker import` makes it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/daemon/container_manager.h"
#include "engined/http/http.h"
#include "engined/images/image_service.h"

namespace berth::engined::api {

struct CommitRequest {
  std::string container;  // name or ID
  std::string repo;       // empty: an untagged image
  std::string tag;
  std::string comment;
  std::string author;
  bool pause = true;                 // freeze a running container during the diff
  nlohmann::json config;             // the body: Config overriding the container's (or null)
  std::vector<std::string> changes;  // Dockerfile instructions
};

// The new image's ID. NotFound for an unknown container, InvalidArgument
// for a bad reference or change, FailedPrecondition (409) for a container
// being removed or dead.
absl::StatusOr<std::string> CommitContainer(ContainerManager& containers,
                                            images::ImageService& images,
                                            const CommitRequest& request);

void AddCommitRoute(http::Router& router, ContainerManager& containers,
                    images::ImageService& images);

}  // namespace berth::engined::api
