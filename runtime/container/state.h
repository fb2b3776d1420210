// What berth-runtime persists about a container under --root/<id>/:
// state.json (pid + start time, paths, cgroups) written atomically (rename,
// no fsync: --root lives on tmpfs, and containers do not outlive a reboot), the
// config.json it was created from, and exec.fifo while it waits for start.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace berth::runtime::container {

enum class Status { kCreating, kCreated, kRunning, kPaused, kStopped };
const char* StatusName(Status status);

struct State {
  std::string id;
  pid_t pid = 0;
  uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22, guards against pid reuse
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339 (UTC, nanoseconds)
  uid_t owner_uid = 0;
  bool creating = false;  // set until create has finished
  bool systemd_cgroup = false;
  std::map<std::string, std::string> cgroup_paths;     // controller -> dir ("" = unified)
  std::map<std::string, std::string> namespace_paths;  // "network" -> /proc/<pid>/ns/net
  std::map<std::string, std::string> annotations;
};

json::Json StateToJson(const State& state);
absl::StatusOr<State> StateFromJson(const json::Json& j);

// The directory layout under --root.
class StateStore {
 public:
  explicit StateStore(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string Dir(const std::string& id) const { return root_ + "/" + id; }
  std::string StatePath(const std::string& id) const { return Dir(id) + "/state.json"; }
  std::string ConfigPath(const std::string& id) const { return Dir(id) + "/config.json"; }
  std::string FifoPath(const std::string& id) const { return Dir(id) + "/exec.fifo"; }

  // Claims the id: fails with AlreadyExists if another container has it.
  absl::Status CreateDir(const std::string& id) const;
  absl::Status Save(const State& state) const;
  absl::Status SaveConfig(const std::string& id, const std::string& config_json) const;
  // NotFound ("container X does not exist") when there is no such container.
  absl::StatusOr<State> Load(const std::string& id) const;
  absl::StatusOr<std::string> LoadConfig(const std::string& id) const;
  absl::StatusOr<std::vector<std::string>> ListIds() const;
  absl::Status Remove(const std::string& id) const;

 private:
  std::string root_;
};

}  // namespace berth::runtime::container
