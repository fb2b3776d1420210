#include "engined/daemon/exec_manager.h"

#include <fmt/format.h>

#include "common/json_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "engined/daemon/attach_relay.h"
#include "engined/daemon/container_config.h"
#include "engined/daemon/names.h"

namespace berth::engined {

namespace {

bool BoolField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// moby's event text for an exec: entrypoint, a space, the arguments joined
// (so "exec_create: true " for a lone command, as dockerd writes it).
std::string CommandText(const nlohmann::json& config) {
  nlohmann::json cmd = config.value("Cmd", nlohmann::json::array());
  std::string text = cmd.empty() ? "" : cmd[0].get<std::string>();
  text += ' ';
  for (size_t i = 1; i < cmd.size(); ++i) {
    if (i > 1) text += ' ';
    text += cmd[i].get<std::string>();
  }
  return text;
}

}  // namespace

ExecManager::ExecManager(ContainerManager& containers) : containers_(containers) {
  containers_.SetExecExitSink([this](const std::string& container_id, const std::string& exec_id,
                                     uint32_t status) { OnExit(container_id, exec_id, status); });
  containers_.SetContainerEndSink([this](const std::string& container_id, bool removed) {
    OnContainerEnd(container_id, removed);
  });
}

void ExecManager::MarkExitedLocked(ExecInstance& exec, int code) {
  exec.running = false;
  if (!exec.exited) exec.exited_at = std::chrono::steady_clock::now();
  exec.exited = true;
  exec.exit_code = code;
}

void ExecManager::PruneLocked() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = execs_.begin(); it != execs_.end();) {
    if (it->second->exited && now - it->second->exited_at >= kDropAfter) {
      it = execs_.erase(it);
    } else {
      ++it;
    }
  }
}

absl::StatusOr<std::string> ExecManager::Create(const std::string& container_ref,
                                                const nlohmann::json& config) {
  if (!config.is_object()) return InvalidArgumentf("exec config must be a JSON object");
  auto cmd = config.find("Cmd");
  if (cmd == config.end() || !cmd->is_array() || cmd->empty()) {
    return InvalidArgumentf("No exec command specified");
  }
  for (const auto& arg : *cmd) {
    if (!arg.is_string()) return InvalidArgumentf("Cmd: expected an array of strings");
  }
  if (auto keys = config.find("DetachKeys");
      keys != config.end() && keys->is_string() && !keys->get<std::string>().empty()) {
    BERTH_RETURN_IF_ERROR(ParseDetachKeys(keys->get<std::string>()).status());
  }
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers_.Get(container_ref));
  auto exec = std::make_shared<ExecInstance>();
  exec->id = NewObjectId();
  exec->config = config;
  {
    // Registered under the container's lock: an exit recorded after this
    // finds it (OnContainerEnd runs once the state says exited).
    std::lock_guard<std::mutex> lock(entry->mu);
    // moby's getActiveContainer, with its wording (the paused one names the
    // container as the client did).
    if (entry->c.state.status == RunState::kPaused) {
      return FailedPreconditionf("Container {} is paused, unpause the container before exec",
                                 container_ref);
    }
    if (entry->c.state.status != RunState::kRunning) {
      return FailedPreconditionf("Container {} is not running", entry->c.id);
    }
    exec->container_id = entry->c.id;
    std::lock_guard<std::mutex> execs_lock(mu_);
    PruneLocked();
    execs_[exec->id] = exec;
  }
  containers_.EmitEvent("exec_create: " + CommandText(config), exec->container_id,
                        {{"execID", exec->id}});
  return exec->id;
}

absl::StatusOr<std::shared_ptr<ExecInstance>> ExecManager::Get(const std::string& exec_id) {
  std::lock_guard<std::mutex> lock(mu_);
  PruneLocked();
  auto it = execs_.find(exec_id);
  if (it == execs_.end()) return NotFoundf("No such exec instance: {}", exec_id);
  return it->second;
}

absl::Status ExecManager::Prepare(const std::shared_ptr<ExecInstance>& exec) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (exec->started)
      return FailedPreconditionf("Error: Exec command {} has already run", exec->id);
    exec->started = true;
  }
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers_.Get(exec->container_id));
  int pid = 0;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->c.state.status != RunState::kRunning) {
      return FailedPreconditionf("Container {} is not running", exec->container_id);
    }
    pid = entry->c.state.pid;
  }
  ContainerdClient& containerd = containers_.containerd();
  ctrpb::GetContainerRequest get;
  get.set_id(exec->container_id);
  ctrpb::GetContainerResponse got;
  BERTH_RETURN_IF_ERROR(CallStatus(containerd.containers().Get(containerd.Ctx().get(), get, &got),
                                   fmt::format("container {}", exec->container_id)));
  BERTH_ASSIGN_OR_RETURN(nlohmann::json spec, json::Parse(got.container().spec(), "spec"));
  // The container's own view of its files, for user and group names.
  BERTH_ASSIGN_OR_RETURN(nlohmann::json process,
                         BuildExecProcess(spec, exec->config, fmt::format("/proc/{}/root", pid)));
  ctrpb::ExecProcessRequest request;
  request.set_container_id(exec->container_id);
  request.set_exec_id(exec->id);
  request.set_terminal(BoolField(exec->config, "Tty"));
  request.set_stdin(BoolField(exec->config, "AttachStdin"));
  // docker closes an exec's stdin when its client's ends.
  request.set_stdin_once(true);
  request.set_spec(json::Dump(process));
  google::protobuf::Empty empty;
  return CallStatus(containerd.tasks().Exec(containerd.Ctx().get(), request, &empty),
                    fmt::format("exec in container {}", exec->container_id));
}

absl::Status ExecManager::StartProcess(const std::shared_ptr<ExecInstance>& exec) {
  ContainerdClient& containerd = containers_.containerd();
  ctrpb::StartRequest start;
  start.set_container_id(exec->container_id);
  start.set_exec_id(exec->id);
  ctrpb::StartResponse started;
  grpc::Status s = containerd.tasks().Start(containerd.Ctx().get(), start, &started);
  std::lock_guard<std::mutex> lock(mu_);
  if (!s.ok()) {
    MarkExitedLocked(*exec, 126);
    return CallStatus(s, "exec start");
  }
  exec->running = !exec->exited;
  exec->pid = static_cast<int>(started.pid());
  return absl::OkStatus();
}

absl::Status ExecManager::StartDetached(const std::string& exec_id) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ExecInstance> exec, Get(exec_id));
  BERTH_RETURN_IF_ERROR(Prepare(exec));
  EmitStart(*exec);
  return StartProcess(exec);
}

void ExecManager::EmitStart(const ExecInstance& exec) {
  containers_.EmitEvent("exec_start: " + CommandText(exec.config), exec.container_id,
                        {{"execID", exec.id}});
}

absl::Status ExecManager::StartAttached(
    const std::string& exec_id,
    const std::function<absl::StatusOr<std::pair<UniqueFd, std::string>>(bool tty)>& hijack) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ExecInstance> exec, Get(exec_id));
  BERTH_RETURN_IF_ERROR(Prepare(exec));
  EmitStart(*exec);
  AttachOptions options;
  options.container_id = exec->container_id;
  options.exec_id = exec->id;
  options.tty = BoolField(exec->config, "Tty");
  options.stdin = BoolField(exec->config, "AttachStdin");
  options.stdout = BoolField(exec->config, "AttachStdout");
  options.stderr = BoolField(exec->config, "AttachStderr");
  options.stdin_once = true;
  if (auto keys = exec->config.find("DetachKeys");
      keys != exec->config.end() && keys->is_string() && !keys->get<std::string>().empty()) {
    BERTH_ASSIGN_OR_RETURN(options.detach_keys, ParseDetachKeys(keys->get<std::string>()));
  }
  BERTH_ASSIGN_OR_RETURN(auto conn, hijack(options.tty));
  ContainerdClient& containerd = containers_.containerd();
  auto record_exit = [&] {
    ctrpb::WaitRequest wait;
    wait.set_container_id(exec->container_id);
    wait.set_exec_id(exec->id);
    ctrpb::WaitResponse waited;
    grpc::Status s =
        containerd.tasks().Wait(containerd.Ctx(std::chrono::seconds(10)).get(), wait, &waited);
    if (s.ok()) OnExit(exec->container_id, exec->id, waited.exit_status());
  };
  return RelayAttach(
      containerd, options, std::move(conn.first), std::move(conn.second),
      [&] { return StartProcess(exec); }, record_exit);
}

absl::Status ExecManager::Resize(const std::string& exec_id, int height, int width) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ExecInstance> exec, Get(exec_id));
  return containers_.Resize(exec->container_id, exec->id, height, width);
}

absl::StatusOr<nlohmann::json> ExecManager::Inspect(const std::string& exec_id) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ExecInstance> exec, Get(exec_id));
  std::lock_guard<std::mutex> lock(mu_);
  const nlohmann::json& c = exec->config;
  nlohmann::json cmd = c.value("Cmd", nlohmann::json::array());
  nlohmann::json args = nlohmann::json::array();
  for (size_t i = 1; i < cmd.size(); ++i) args.push_back(cmd[i]);
  return nlohmann::json{
      {"ID", exec->id},
      {"Running", exec->running},
      {"ExitCode", exec->exited ? nlohmann::json(exec->exit_code) : nlohmann::json(nullptr)},
      {"ProcessConfig",
       {{"tty", BoolField(c, "Tty")},
        {"entrypoint", cmd.empty() ? nlohmann::json("") : cmd[0]},
        {"arguments", args},
        {"privileged", BoolField(c, "Privileged")},
        {"user", c.value("User", "")}}},
      {"OpenStdin", BoolField(c, "AttachStdin")},
      {"OpenStderr", BoolField(c, "AttachStderr")},
      {"OpenStdout", BoolField(c, "AttachStdout")},
      {"CanRemove",
       exec->exited && std::chrono::steady_clock::now() - exec->exited_at >= kCanRemoveAfter},
      {"ContainerID", exec->container_id},
      {"DetachKeys", c.value("DetachKeys", "")},
      {"Pid", exec->pid},
  };
}

std::vector<std::string> ExecManager::IdsOf(const std::string& container_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [id, exec] : execs_) {
    if (exec->container_id == container_id && !exec->exited) ids.push_back(id);
  }
  return ids;
}

void ExecManager::OnExit(const std::string& container_id, const std::string& exec_id,
                         uint32_t status) {
  bool first_report = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = execs_.find(exec_id);
    if (it != execs_.end()) {
      MarkExitedLocked(*it->second, static_cast<int>(status));
      // The event loop and an attached start's wait both report it.
      first_report = !it->second->die_reported;
      it->second->die_reported = true;
    }
  }
  if (first_report) {
    containers_.EmitEvent("exec_die", container_id,
                          {{"execID", exec_id}, {"exitCode", std::to_string(status)}});
  }
  ContainerdClient& containerd = containers_.containerd();
  ctrpb::DeleteProcessRequest del;
  del.set_container_id(container_id);
  del.set_exec_id(exec_id);
  ctrpb::DeleteResponse deleted;
  (void)containerd.tasks().DeleteProcess(containerd.Ctx().get(), del, &deleted);
}

void ExecManager::OnContainerEnd(const std::string& container_id, bool removed) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = execs_.begin(); it != execs_.end();) {
    ExecInstance& exec = *it->second;
    if (exec.container_id != container_id) {
      ++it;
    } else if (removed || !exec.started) {
      it = execs_.erase(it);
    } else {
      // Started: it died with the container's namespace. containerd's shim
      // publishes such exits before the init's, so dockerd has recorded
      // them (and keeps them) by now; here its event may still be on the
      // way and corrects the code when it comes.
      if (!exec.exited) MarkExitedLocked(exec, 137);
      ++it;
    }
  }
}

}  // namespace berth::engined
