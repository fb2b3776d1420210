// docker update: the HostConfig changes first (validated and recorded),
// then, for a running task, the new limits through Tasks.Update; a failed
// task update puts the old HostConfig back, as moby's daemon.update does.
#include <fmt/format.h>

#include "common/status.h"
#include "common/strings.h"
#include "engined/daemon/container_manager.h"
#include "engined/daemon/container_update_config.h"

namespace berth::engined {

absl::StatusOr<std::vector<std::string>> ContainerManager::Update(const std::string& ref,
                                                                  const nlohmann::json& body) {
  BERTH_ASSIGN_OR_RETURN(ContainerUpdate update, ParseContainerUpdate(body));
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Get(ref));
  std::lock_guard<std::mutex> op(entry->op);
  std::vector<std::string> warnings;
  std::string id;
  nlohmann::json before, after;
  bool running = false;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    const Container& c = entry->c;
    id = c.id;
    if (entry->removed || c.state.status == RunState::kRemoving ||
        c.state.status == RunState::kDead) {
      return FailedPreconditionf(
          "Cannot update container {}: container is marked for removal and cannot be \"update\"",
          id);
    }
    BERTH_RETURN_IF_ERROR(ValidateContainerUpdate(update, &warnings));
    before = c.host_config;
    after = c.host_config;
    if (absl::Status s = ApplyContainerUpdate(update, after); !s.ok()) {
      return absl::Status(s.code(),
                          fmt::format("Cannot update container {}: {}", id, ToStd(s.message())));
    }
    entry->c.host_config = after;
    Persist(entry);
    // A restarting container gets its limits when it starts again.
    running = c.state.status == RunState::kRunning || c.state.status == RunState::kPaused;
  }
  if (running) {
    absl::Status applied = [&]() -> absl::Status {
      BERTH_ASSIGN_OR_RETURN(nlohmann::json resources, UpdatedTaskResources(after, update));
      ctrpb::UpdateTaskRequest request;
      request.set_container_id(id);
      request.set_resources(resources.dump());
      google::protobuf::Empty empty;
      return CallStatus(containerd_.tasks().Update(containerd_.Ctx().get(), request, &empty),
                        "update task");
    }();
    if (!applied.ok()) {
      {
        std::lock_guard<std::mutex> lock(entry->mu);
        entry->c.host_config = before;
        Persist(entry);
      }
      return absl::Status(applied.code(), fmt::format("Cannot update container {}: {}", id,
                                                      ToStd(applied.message())));
    }
  }
  Emit("update", entry);
  return warnings;
}

void ContainerManager::EmitEvent(const std::string& action, const std::string& ref,
                                 std::map<std::string, std::string> extra) {
  absl::StatusOr<ContainerRef> entry = store_.Get(ref);
  if (entry.ok()) Emit(action, *entry, std::move(extra));
}

}  // namespace berth::engined
