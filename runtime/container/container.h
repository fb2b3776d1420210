// An existing container, loaded from its state under --root: its status,
// its cgroups, and the operations later commands perform on it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/cgroups/manager.h"
#include "runtime/container/state.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::container {

class Container {
 public:
  // NotFound when no container has this id.
  static absl::StatusOr<Container> Load(const StateStore& store, const std::string& id);

  const State& state() const { return state_; }
  const std::string& id() const { return state_.id; }
  const StateStore& store() const { return store_; }

  // The config.json the container was created from.
  absl::StatusOr<spec::Spec> Config() const;

  // Derived from the live system, never stored: a recorded pid that is gone
  // (or reused by another process) means stopped.
  Status CurrentStatus();
  bool InitAlive() const;

  // The container's cgroups; error when they cannot be reopened.
  absl::StatusOr<cgroups::Manager*> Cgroups();

  // Sends `signal` to init, or with `all` to every process in the cgroup.
  absl::Status Signal(int signal, bool all);

  // SIGKILLs every process and waits (bounded) until init is gone.
  absl::Status KillAndWait();

  // Removes cgroups and state, then runs poststop hooks (warnings only).
  absl::Status Destroy();

  // What `state` prints.
  json::Json StateJson();

 private:
  Container(StateStore store, State state) : store_(std::move(store)), state_(std::move(state)) {}

  StateStore store_;
  State state_;
  std::unique_ptr<cgroups::Manager> cgroups_;
};

}  // namespace berth::runtime::container
