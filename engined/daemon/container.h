// A container as berthd keeps it: docker's Config and HostConfig as the
// client sent them (merged with the image's defaults), its state, and what
// berthd made for it (snapshot, log, /etc files, mounts). The record is the
// JSON file <data-root>/containers/<id>/config.v2.json, rewritten atomically
// on every change, so a SIGKILLed berthd restarts with every container.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined {

// docker's State.Status values.
enum class RunState { kCreated, kRunning, kPaused, kRestarting, kRemoving, kExited, kDead };
std::string RunStateName(RunState state);
absl::StatusOr<RunState> ParseRunState(const std::string& name);

struct ContainerState {
  RunState status = RunState::kCreated;
  bool oom_killed = false;
  int pid = 0;
  int exit_code = 0;
  std::string error;
  std::string started_at = "0001-01-01T00:00:00Z";
  std::string finished_at = "0001-01-01T00:00:00Z";
  // Set by an explicit stop / kill: "unless-stopped" and "always" then
  // leave the container down, as docker does.
  bool manually_stopped = false;
  bool has_been_started = false;

  bool Running() const {
    return status == RunState::kRunning || status == RunState::kPaused ||
           status == RunState::kRestarting;
  }
};

struct Container {
  std::string id;                                    // 64 hex
  std::string name;                                  // with docker's leading '/'
  std::string created;                               // RFC 3339 nano
  std::string image;                                 // the image ID, "sha256:..."
  std::string image_name;                            // the reference as the client gave it
  std::string chain_id;                              // the image's top layer: the snapshot parent
  nlohmann::json config = nlohmann::json::object();  // docker Config
  nlohmann::json host_config = nlohmann::json::object();  // docker HostConfig
  ContainerState state;
  int restart_count = 0;
  std::string log_path;
  std::string hostname_path;
  std::string hosts_path;
  std::string resolv_conf_path;
  // docker inspect's "Mounts" entries plus the OCI mounts behind them, as
  // the volumes layer resolved them at create.
  nlohmann::json mounts = nlohmann::json::array();
  std::vector<std::string> warnings;
  // The predefined network's ID, from the first start on (docker keeps it
  // once the container has been connected), and the endpoint's ID while
  // it runs (a new one each start); empty otherwise, and both empty in
  // container:<id> mode.
  std::string network_id;
  std::string endpoint_id;

  std::string ShortId() const { return id.substr(0, 12); }
  // The name without its leading '/'.
  std::string BareName() const { return name.empty() ? name : name.substr(1); }
  // HostConfig.NetworkMode with docker's default: "" and "default" are
  // "bridge"; "container:<id>" is returned as it is.
  std::string NetworkMode() const;
};

// The persisted record, and back.
nlohmann::json ContainerToRecord(const Container& c);
absl::StatusOr<Container> ContainerFromRecord(const nlohmann::json& record);

}  // namespace berth::engined
