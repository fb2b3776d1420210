#include "shim/task/task_manager.h"

#include <fcntl.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "shim/exit_record.h"
#include "shim/io/console_socket.h"
#include "shim/io/stdio_pipes.h"
#include "shim/task/rootfs.h"
#include "shim/task/runtime_stats.h"

namespace berth::shim::task {
namespace {

// How long an exit waits for the process's output to reach end of file;
// a daemonized grandchild may keep the pipes open for ever.
constexpr std::chrono::milliseconds kDrainGrace(2000);
constexpr size_t kMaxUnclaimedExits = 256;

std::string Label(const std::string& exec_id) {
  return exec_id.empty() ? "init" : "exec " + exec_id;
}

}  // namespace

struct TaskManager::Process {
  std::string exec_id;
  pid_t pid = 0;
  ProcessStatus status = ProcessStatus::kCreated;
  bool terminal = false;
  bool stdin = false;
  bool stdin_once = false;
  std::string spec;  // exec processes: the OCI process JSON
  bool exiting = false;
  // Start is under way: an exit waits for the start event to go out first,
  // so that clients see /tasks/start before /tasks/exit.
  bool starting = false;
  bool finish_deferred = false;
  std::optional<ExitInfo> exit;
  std::vector<WaitCallback> waiters;
};

TaskManager::TaskManager(TaskIdentity identity, RuntimeClient* runtime, io::IoHub* hub,
                         EventLog* events)
    : identity_(std::move(identity)), runtime_(runtime), hub_(hub), events_(events) {}

TaskManager::~TaskManager() {
  if (oom_) hub_->Unwatch(oom_->fd());
}

absl::StatusOr<TaskManager::Process*> TaskManager::Find(const std::string& exec_id) {
  auto it = processes_.find(exec_id);
  if (it == processes_.end()) {
    if (exec_id.empty()) return NotFoundf("container {}: not created", identity_.id);
    return NotFoundf("container {}: no exec process {}", identity_.id, exec_id);
  }
  return it->second.get();
}

void TaskManager::Publish(const char* topic, const std::string& exec_id, uint32_t pid,
                          uint32_t exit_status) {
  TaskEvent event;
  event.topic = topic;
  event.id = identity_.id;
  event.exec_id = exec_id;
  event.pid = pid;
  event.exit_status = exit_status;
  events_->Publish(std::move(event));
}

absl::StatusOr<uint32_t> TaskManager::Create(const CreateParams& params) {
  std::lock_guard op(op_mu_);
  if (params.id != identity_.id) {
    return InvalidArgumentf("create {}: this shim serves container {}", params.id, identity_.id);
  }
  {
    std::lock_guard lock(mu_);
    if (processes_.count("")) return AlreadyExistsf("container {}: already created", identity_.id);
  }
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<logs::LogWriter> log, logs::OpenLogWriter(params.log));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> mounted,
                         MountRootfs(identity_.bundle, params.rootfs));
  auto undo_mounts = [&] { UnmountRootfs(mounted).IgnoreError(); };

  io::ProcessStdio stdio;
  io::ChildStdio child;
  std::optional<io::ConsoleSocket> console;
  CreateOptions options;
  options.pid_file = JoinPath(identity_.work_dir, "init.pid");
  if (params.terminal) {
    absl::StatusOr<io::ConsoleSocket> socket = io::ConsoleSocket::Listen(identity_.work_dir);
    absl::StatusOr<io::ChildStdio> null_stdio = io::NullStdio();
    if (!socket.ok() || !null_stdio.ok()) {
      undo_mounts();
      return socket.ok() ? null_stdio.status() : socket.status();
    }
    console.emplace(std::move(*socket));
    child = std::move(*null_stdio);
    options.console_socket = console->path();
  } else {
    absl::StatusOr<io::StdioPipes> pipes = io::MakeStdioPipes(params.stdin);
    if (!pipes.ok()) {
      undo_mounts();
      return pipes.status();
    }
    stdio = std::move(pipes->shim);
    child = std::move(pipes->child);
  }
  options.stdio = {child.in.get(), child.out.get(), child.err.get()};

  absl::Status added = hub_->AddProcess("", std::move(log));
  if (!added.ok()) {
    undo_mounts();
    return added;
  }
  absl::StatusOr<pid_t> pid = runtime_->Create(identity_.id, identity_.bundle, options);
  // Only the container keeps its ends: end of file must mean it closed them.
  child = io::ChildStdio();
  if (pid.ok() && console) {
    absl::StatusOr<UniqueFd> master = console->ReceiveMaster();
    if (!master.ok()) {
      runtime_->Delete(identity_.id, true).IgnoreError();
      pid = master.status();
    } else {
      stdio.terminal = true;
      if (params.stdin) stdio.stdin_fd.reset(::fcntl(master->get(), F_DUPFD_CLOEXEC, 0));
      stdio.stdout_fd = std::move(*master);
    }
  }
  if (!pid.ok()) {
    hub_->RemoveProcess("");
    undo_mounts();
    return pid.status();
  }
  BERTH_RETURN_IF_ERROR(hub_->ConnectStdio("", std::move(stdio)));
  {
    std::lock_guard lock(mu_);
    auto process = std::make_unique<Process>();
    process->pid = *pid;
    process->terminal = params.terminal;
    process->stdin = params.stdin;
    process->stdin_once = params.stdin_once;
    rootfs_mounted_ = mounted;
    Process& p = *process;
    processes_[""] = std::move(process);
    Claim(p);
  }
  WatchOom(*pid);
  Publish(kTopicCreate, "", static_cast<uint32_t>(*pid));
  return static_cast<uint32_t>(*pid);
}

void TaskManager::WatchOom(pid_t pid) {
  absl::StatusOr<OomWatch> watch = OomWatch::ForPid(pid);
  if (!watch.ok()) {
    log::Warnf("container {}: OOM kills will not be reported: {}", identity_.id,
               watch.status().ToString());
    return;
  }
  oom_ = std::make_shared<OomWatch>(std::move(*watch));
  absl::Status watched = hub_->Watch(oom_->fd(), [this, oom = oom_] {
    absl::StatusOr<bool> fired = oom->OnReadable();
    if (fired.ok() && *fired) Publish(kTopicOom, "", InitPid());
  });
  if (!watched.ok()) {
    log::Warnf("container {}: {}", identity_.id, watched.ToString());
    oom_.reset();
  }
}

void TaskManager::Claim(Process& process) {
  auto it = unclaimed_exits_.find(process.pid);
  if (it == unclaimed_exits_.end()) return;
  ExitStatus status = it->second;
  unclaimed_exits_.erase(it);
  process.exiting = true;
  process.exit = ExitInfo{static_cast<uint32_t>(process.pid), static_cast<uint32_t>(status.code),
                          std::chrono::system_clock::now()};
  std::string exec_id = process.exec_id;
  hub_->WhenDrained(exec_id, kDrainGrace, [this, exec_id] { FinishExit(exec_id); });
}

absl::StatusOr<uint32_t> TaskManager::Start(const std::string& exec_id) {
  std::lock_guard op(op_mu_);
  std::string spec;
  bool terminal, with_stdin;
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * process, Find(exec_id));
    if (process->status != ProcessStatus::kCreated || process->exiting) {
      return FailedPreconditionf("container {}: {} is not in the created state", identity_.id,
                                 Label(exec_id));
    }
    spec = process->spec;
    terminal = process->terminal;
    with_stdin = process->stdin;
    process->starting = true;
  }
  absl::StatusOr<uint32_t> pid = StartProcess(exec_id, spec, terminal, with_stdin);
  bool finish = false;
  {
    std::lock_guard lock(mu_);
    auto it = processes_.find(exec_id);
    if (it != processes_.end()) {
      it->second->starting = false;
      finish = std::exchange(it->second->finish_deferred, false);
    }
  }
  if (pid.ok()) Publish(exec_id.empty() ? kTopicStart : kTopicExecStarted, exec_id, *pid);
  if (finish) FinishExit(exec_id);
  return pid;
}

absl::StatusOr<uint32_t> TaskManager::StartProcess(const std::string& exec_id,
                                                   const std::string& spec, bool terminal,
                                                   bool with_stdin) {
  if (exec_id.empty()) {
    BERTH_RETURN_IF_ERROR(runtime_->Start(identity_.id));
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * process, Find(exec_id));
    if (process->status == ProcessStatus::kCreated) process->status = ProcessStatus::kRunning;
    return static_cast<uint32_t>(process->pid);
  }

  io::ProcessStdio stdio;
  io::ChildStdio child;
  std::optional<io::ConsoleSocket> console;
  ExecOptions options;
  options.pid_file = JoinPath(identity_.work_dir, "exec-" + exec_id + ".pid");
  options.detach = true;
  if (terminal) {
    BERTH_ASSIGN_OR_RETURN(io::ConsoleSocket socket, io::ConsoleSocket::Listen(identity_.work_dir));
    console.emplace(std::move(socket));
    BERTH_ASSIGN_OR_RETURN(child, io::NullStdio());
    options.console_socket = console->path();
  } else {
    BERTH_ASSIGN_OR_RETURN(io::StdioPipes pipes, io::MakeStdioPipes(with_stdin));
    stdio = std::move(pipes.shim);
    child = std::move(pipes.child);
  }
  options.stdio = {child.in.get(), child.out.get(), child.err.get()};
  absl::StatusOr<pid_t> pid = runtime_->Exec(identity_.id, spec, options);
  child = io::ChildStdio();
  if (pid.ok() && console) {
    absl::StatusOr<UniqueFd> master = console->ReceiveMaster();
    if (!master.ok()) {
      ::kill(*pid, SIGKILL);
      pid = master.status();
    } else {
      stdio.terminal = true;
      if (with_stdin) stdio.stdin_fd.reset(::fcntl(master->get(), F_DUPFD_CLOEXEC, 0));
      stdio.stdout_fd = std::move(*master);
    }
  }
  ::unlink(options.pid_file.c_str());
  if (!pid.ok()) return pid.status();
  BERTH_RETURN_IF_ERROR(hub_->ConnectStdio(exec_id, std::move(stdio)));
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * process, Find(exec_id));
    process->pid = *pid;
    process->status = ProcessStatus::kRunning;
    Claim(*process);
  }
  return static_cast<uint32_t>(*pid);
}

absl::StatusOr<ProcessState> TaskManager::State(const std::string& exec_id) {
  std::lock_guard lock(mu_);
  BERTH_ASSIGN_OR_RETURN(Process * process, Find(exec_id));
  ProcessState state;
  state.id = identity_.id;
  state.exec_id = exec_id;
  state.bundle = identity_.bundle;
  state.pid = static_cast<uint32_t>(process->pid);
  state.status = process->status;
  state.terminal = process->terminal;
  state.stdin = process->stdin;
  if (process->status == ProcessStatus::kStopped && process->exit) state.exit = *process->exit;
  return state;
}

absl::StatusOr<std::vector<ProcessEntry>> TaskManager::Pids() {
  {
    std::lock_guard lock(mu_);
    BERTH_RETURN_IF_ERROR(Find("").status());
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<pid_t> pids, runtime_->Ps(identity_.id));
  std::lock_guard lock(mu_);
  std::vector<ProcessEntry> entries;
  for (pid_t pid : pids) {
    ProcessEntry entry{static_cast<uint32_t>(pid), ""};
    for (const auto& [exec_id, process] : processes_) {
      if (!exec_id.empty() && process->pid == pid) entry.exec_id = exec_id;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::Status TaskManager::Kill(const std::string& exec_id, int signal, bool all) {
  if (signal <= 0 || signal >= NSIG) return InvalidArgumentf("kill: bad signal {}", signal);
  pid_t exec_pid = 0;
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * process, Find(exec_id));
    if (process->status == ProcessStatus::kStopped || process->exiting) {
      if (!(exec_id.empty() && all)) {
        return FailedPreconditionf("container {}: {} has already exited", identity_.id,
                                   Label(exec_id));
      }
    }
    if (!exec_id.empty()) {
      if (process->status == ProcessStatus::kCreated) {
        return FailedPreconditionf("container {}: {} has not started", identity_.id,
                                   Label(exec_id));
      }
      exec_pid = process->pid;
    }
  }
  if (exec_pid > 0) {
    // Our child until we reap it: the pid cannot have been reused.
    if (::kill(exec_pid, signal) < 0)
      return ErrnoErrorf(errno, "kill exec {} (pid {})", exec_id, exec_pid);
    return absl::OkStatus();
  }
  return runtime_->Kill(identity_.id, signal, all);
}

absl::Status TaskManager::Exec(const ExecParams& params) {
  if (params.exec_id.empty()) return InvalidArgumentf("exec: the exec id is empty");
  if (params.spec.empty()) return InvalidArgumentf("exec {}: no process spec", params.exec_id);
  std::lock_guard op(op_mu_);
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * init, Find(""));
    if (init->status != ProcessStatus::kRunning || init->exiting) {
      return FailedPreconditionf("container {}: exec needs a running container", identity_.id);
    }
    if (processes_.count(params.exec_id)) {
      return AlreadyExistsf("container {}: exec id {} is taken", identity_.id, params.exec_id);
    }
  }
  BERTH_RETURN_IF_ERROR(hub_->AddProcess(params.exec_id, nullptr));
  auto process = std::make_unique<Process>();
  process->exec_id = params.exec_id;
  process->terminal = params.terminal;
  process->stdin = params.stdin;
  process->stdin_once = params.stdin_once;
  process->spec = params.spec;
  {
    std::lock_guard lock(mu_);
    processes_[params.exec_id] = std::move(process);
  }
  Publish(kTopicExecAdded, params.exec_id, 0);
  return absl::OkStatus();
}

absl::Status TaskManager::ResizePty(const std::string& exec_id, unsigned width, unsigned height) {
  {
    std::lock_guard lock(mu_);
    BERTH_RETURN_IF_ERROR(Find(exec_id).status());
  }
  return hub_->ResizeConsole(exec_id, width, height);
}

absl::Status TaskManager::CloseStdin(const std::string& exec_id) {
  {
    std::lock_guard lock(mu_);
    BERTH_RETURN_IF_ERROR(Find(exec_id).status());
  }
  return hub_->CloseStdin(exec_id);
}

bool TaskManager::StdinOnce(const std::string& exec_id) {
  std::lock_guard lock(mu_);
  auto it = processes_.find(exec_id);
  return it != processes_.end() && it->second->stdin_once;
}

absl::Status TaskManager::Wait(const std::string& exec_id, WaitCallback done) {
  std::optional<ExitInfo> exit;
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * process, Find(exec_id));
    if (process->status == ProcessStatus::kStopped) {
      exit = process->exit;
    } else {
      process->waiters.push_back(std::move(done));
    }
  }
  if (exit) done(*exit);
  return absl::OkStatus();
}

void TaskManager::OnExit(pid_t pid, const ExitStatus& status) {
  std::lock_guard lock(mu_);
  for (auto& [exec_id, process] : processes_) {
    if (process->pid != pid || process->exiting || process->status == ProcessStatus::kStopped) {
      continue;
    }
    process->exiting = true;
    process->exit = ExitInfo{static_cast<uint32_t>(pid), static_cast<uint32_t>(status.code),
                             std::chrono::system_clock::now()};
    std::string key = exec_id;
    hub_->WhenDrained(key, kDrainGrace, [this, key] { FinishExit(key); });
    return;
  }
  // Not (yet) known: a pid the runtime has not told us, or an orphan
  // reparented to us.
  if (unclaimed_exits_.size() >= kMaxUnclaimedExits)
    unclaimed_exits_.erase(unclaimed_exits_.begin());
  unclaimed_exits_[pid] = status;
}

void TaskManager::FinishExit(const std::string& exec_id) {
  std::vector<WaitCallback> waiters;
  ExitInfo exit;
  {
    std::lock_guard lock(mu_);
    auto it = processes_.find(exec_id);
    if (it == processes_.end() || !it->second->exit) return;
    Process& process = *it->second;
    if (process.starting) {
      process.finish_deferred = true;
      return;
    }
    exit = *process.exit;
    if (exec_id.empty()) {
      // On disk before anyone hears of it.
      absl::Status written =
          WriteExitRecord(identity_.bundle, ExitRecord{exit.pid, exit.exit_status, exit.exited_at});
      if (!written.ok()) log::Errorf("container {}: {}", identity_.id, written.ToString());
    }
    process.status = ProcessStatus::kStopped;
    process.exiting = false;
    waiters.swap(process.waiters);
  }
  Publish(kTopicExit, exec_id, exit.pid, exit.exit_status);
  for (WaitCallback& waiter : waiters) waiter(exit);
}

absl::StatusOr<ExitInfo> TaskManager::AwaitExit(const std::string& exec_id,
                                                std::chrono::seconds timeout) {
  auto state = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
  auto result = std::make_shared<std::optional<ExitInfo>>();
  BERTH_RETURN_IF_ERROR(Wait(exec_id, [state, result](const ExitInfo& exit) {
    std::lock_guard lock(state->first);
    *result = exit;
    state->second.notify_all();
  }));
  std::unique_lock lock(state->first);
  if (!state->second.wait_for(lock, timeout, [&] { return result->has_value(); })) {
    return absl::DeadlineExceededError(fmt::format("container {}: {} did not exit within {}s",
                                                   identity_.id, Label(exec_id), timeout.count()));
  }
  return **result;
}

absl::StatusOr<ExitInfo> TaskManager::Delete(const std::string& exec_id, bool force) {
  std::lock_guard op(op_mu_);
  ProcessStatus status;
  pid_t pid;
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * process, Find(exec_id));
    status = process->status;
    pid = process->pid;
    if (exec_id.empty() && processes_.size() > 1 && !force) {
      for (const auto& [id, p] : processes_) {
        if (!id.empty() && p->status == ProcessStatus::kRunning) {
          return FailedPreconditionf("container {}: exec {} still runs", identity_.id, id);
        }
      }
    }
  }
  bool running = status == ProcessStatus::kRunning || status == ProcessStatus::kPaused ||
                 status == ProcessStatus::kPausing;
  if (running && !force) {
    return FailedPreconditionf("container {}: {} is running; stop it or force", identity_.id,
                               Label(exec_id));
  }
  ExitInfo exit;
  if (!exec_id.empty()) {
    if (running) {
      ::kill(pid, SIGKILL);
      BERTH_ASSIGN_OR_RETURN(exit, AwaitExit(exec_id, std::chrono::seconds(10)));
    } else {
      std::lock_guard lock(mu_);
      BERTH_ASSIGN_OR_RETURN(Process * process, Find(exec_id));
      if (process->exiting) return FailedPreconditionf("exec {}: still exiting", exec_id);
      if (process->exit) exit = *process->exit;
    }
    hub_->RemoveProcess(exec_id);
    std::lock_guard lock(mu_);
    processes_.erase(exec_id);
    return exit;
  }

  // The init: the runtime removes the container (killing it if need be).
  if (absl::Status deleted = runtime_->Delete(identity_.id, status != ProcessStatus::kStopped);
      !deleted.ok()) {
    log::Warnf("container {}: {}", identity_.id, deleted.ToString());
    return deleted;
  }
  if (status != ProcessStatus::kStopped) {
    BERTH_ASSIGN_OR_RETURN(exit, AwaitExit("", std::chrono::seconds(10)));
  } else {
    std::lock_guard lock(mu_);
    exit = *processes_[""]->exit;
  }
  if (oom_) {
    hub_->Unwatch(oom_->fd());
    oom_.reset();
  }
  std::vector<std::string> mounted;
  std::vector<std::string> exec_ids;
  {
    std::lock_guard lock(mu_);
    mounted.swap(rootfs_mounted_);
    for (const auto& [id, p] : processes_) exec_ids.push_back(id);
  }
  for (const std::string& id : exec_ids) hub_->RemoveProcess(id);
  absl::Status unmounted = UnmountRootfs(mounted);
  if (!unmounted.ok()) log::Warnf("container {}: {}", identity_.id, unmounted.ToString());
  {
    std::lock_guard lock(mu_);
    processes_.clear();
  }
  ::unlink(ExitRecordPath(identity_.bundle).c_str());
  Publish(kTopicDelete, "", exit.pid, exit.exit_status);
  return exit;
}

absl::Status TaskManager::Pause() {
  std::lock_guard op(op_mu_);
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * init, Find(""));
    if (init->status != ProcessStatus::kRunning) {
      return FailedPreconditionf("container {}: not running", identity_.id);
    }
  }
  BERTH_RETURN_IF_ERROR(runtime_->Pause(identity_.id));
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * init, Find(""));
    if (init->status == ProcessStatus::kRunning) init->status = ProcessStatus::kPaused;
  }
  Publish(kTopicPaused, "", InitPid());
  return absl::OkStatus();
}

absl::Status TaskManager::Resume() {
  std::lock_guard op(op_mu_);
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * init, Find(""));
    if (init->status != ProcessStatus::kPaused) {
      return FailedPreconditionf("container {}: not paused", identity_.id);
    }
  }
  BERTH_RETURN_IF_ERROR(runtime_->Resume(identity_.id));
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * init, Find(""));
    if (init->status == ProcessStatus::kPaused) init->status = ProcessStatus::kRunning;
  }
  Publish(kTopicResumed, "", InitPid());
  return absl::OkStatus();
}

absl::Status TaskManager::Update(const std::string& resources_json) {
  std::lock_guard op(op_mu_);
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * init, Find(""));
    if (init->status == ProcessStatus::kStopped) {
      return FailedPreconditionf("container {}: has exited", identity_.id);
    }
  }
  return runtime_->Update(identity_.id, resources_json);
}

absl::StatusOr<TaskStats> TaskManager::Stats() {
  {
    std::lock_guard lock(mu_);
    BERTH_ASSIGN_OR_RETURN(Process * init, Find(""));
    if (init->status == ProcessStatus::kStopped) {
      return FailedPreconditionf("container {}: has exited", identity_.id);
    }
  }
  BERTH_ASSIGN_OR_RETURN(std::string json, runtime_->Stats(identity_.id));
  return ParseRuntimeStats(json);
}

bool TaskManager::HasTask() {
  std::lock_guard lock(mu_);
  return processes_.count("") > 0;
}

uint32_t TaskManager::InitPid() {
  std::lock_guard lock(mu_);
  auto it = processes_.find("");
  return it == processes_.end() ? 0 : static_cast<uint32_t>(it->second->pid);
}

}  // namespace berth::shim::task
