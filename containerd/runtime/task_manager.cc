#include "containerd/runtime/task_manager.h"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "common/file_util.h"
#include "common/grpc/status_convert.h"
#include "common/id.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "containerd/core/metadata/containers.h"
#include "containerd/core/metadata/filters.h"
#include "containerd/core/metadata/task_bundles.h"

namespace berth::containerd {
namespace {

namespace pb = ::berth::containerd::v1;
namespace shimpb = ::berth::shim::v1;

// Where the daemon notes the last shim event it published, so that after a
// restart the shim replays only what came later. Written without fsync: the
// state dir is tmpfs, and losing it only means events published twice.
constexpr std::string_view kEventSequenceFile = "daemon-events.seq";

template <typename Request, typename Response>
using StubMethod = grpc::Status (shimpb::Shim::Stub::*)(grpc::ClientContext*, const Request&,
                                                         Response*);

// One unary call to a shim; a failure keeps the shim's code and message
// (the runtime's own words), prefixed with what was asked.
template <typename Request, typename Response>
absl::Status CallShim(ShimHandle& shim, StubMethod<Request, Response> method,
                      const Request& request, Response* response, std::chrono::seconds timeout,
                      std::string_view what) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::Status status = (shim.stub().*method)(&context, request, response);
  if (status.ok()) return absl::OkStatus();
  return WithContext(grpcutil::FromGrpc(status), what);
}

void SetTimestamp(const struct timespec& ts, google::protobuf::Timestamp* out) {
  out->set_seconds(ts.tv_sec);
  out->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

pb::TaskStatus FromShimStatus(shimpb::Status status) {
  switch (status) {
    case shimpb::STATUS_CREATED: return pb::TASK_STATUS_CREATED;
    case shimpb::STATUS_RUNNING: return pb::TASK_STATUS_RUNNING;
    case shimpb::STATUS_STOPPED: return pb::TASK_STATUS_STOPPED;
    case shimpb::STATUS_PAUSED: return pb::TASK_STATUS_PAUSED;
    case shimpb::STATUS_PAUSING: return pb::TASK_STATUS_PAUSING;
    default: return pb::TASK_STATUS_UNKNOWN;
  }
}

std::string StatusName(pb::TaskStatus status) {
  switch (status) {
    case pb::TASK_STATUS_CREATED: return "created";
    case pb::TASK_STATUS_RUNNING: return "running";
    case pb::TASK_STATUS_STOPPED: return "stopped";
    case pb::TASK_STATUS_PAUSED: return "paused";
    case pb::TASK_STATUS_PAUSING: return "pausing";
    default: return "unknown";
  }
}

// Fields of a task for List filters.
class ProcessAdaptor : public metadata::FilterAdaptor {
 public:
  explicit ProcessAdaptor(const pb::Process& p) : p_(p) {}
  std::optional<std::string> Field(const std::vector<std::string>& path) const override {
    if (path.size() != 1) return std::nullopt;
    if (path[0] == "id" || path[0] == "container_id") return p_.container_id();
    if (path[0] == "status") return StatusName(p_.status());
    return std::nullopt;
  }

 private:
  const pb::Process& p_;
};

// The task event the shim's event names, as the daemon publishes it; the
// shim's own "/tasks/delete" is dropped (the daemon publishes that one when
// it has removed the task).
bool ToTaskEvent(const shimpb::Event& e, google::protobuf::Any* out) {
  const std::string& topic = e.topic();
  if (topic == "/tasks/create") {
    pb::TaskCreate m;
    m.set_container_id(e.id());
    m.set_pid(e.pid());
    out->PackFrom(m);
  } else if (topic == "/tasks/start") {
    pb::TaskStart m;
    m.set_container_id(e.id());
    m.set_pid(e.pid());
    out->PackFrom(m);
  } else if (topic == "/tasks/exit") {
    pb::TaskExit m;
    m.set_container_id(e.id());
    m.set_id(e.exec_id().empty() ? e.id() : e.exec_id());
    m.set_pid(e.pid());
    m.set_exit_status(e.exit_status());
    *m.mutable_exited_at() = e.timestamp();
    out->PackFrom(m);
  } else if (topic == "/tasks/oom") {
    pb::TaskOOM m;
    m.set_container_id(e.id());
    out->PackFrom(m);
  } else if (topic == "/tasks/exec-added") {
    pb::TaskExecAdded m;
    m.set_container_id(e.id());
    m.set_exec_id(e.exec_id());
    out->PackFrom(m);
  } else if (topic == "/tasks/exec-started") {
    pb::TaskExecStarted m;
    m.set_container_id(e.id());
    m.set_exec_id(e.exec_id());
    m.set_pid(e.pid());
    out->PackFrom(m);
  } else if (topic == "/tasks/paused") {
    pb::TaskPaused m;
    m.set_container_id(e.id());
    out->PackFrom(m);
  } else if (topic == "/tasks/resumed") {
    pb::TaskResumed m;
    m.set_container_id(e.id());
    out->PackFrom(m);
  } else {
    return false;
  }
  return true;
}

// Without mounts, the spec's root.path must be absolute.
absl::Status CheckRootPath(const metadata::Container& c) {
  nlohmann::json spec = nlohmann::json::parse(c.spec, nullptr, false);
  if (spec.is_discarded() || !spec.is_object()) {
    return InvalidArgumentf("container {}: spec is not a JSON object", c.id);
  }
  const nlohmann::json* root = spec.contains("root") ? &spec["root"] : nullptr;
  std::string path;
  if (root != nullptr && root->is_object() && root->contains("path") &&
      (*root)["path"].is_string()) {
    path = (*root)["path"].get<std::string>();
  }
  if (path.empty() || path[0] != '/') {
    return InvalidArgumentf(
        "container {}: no root filesystem: the spec's root.path {:?} is relative and the request "
        "has no rootfs mounts",
        c.id, path);
  }
  return absl::OkStatus();
}

}  // namespace

TaskManager::TaskManager(TaskManagerOptions options, metadata::Store* store,
                         events::Exchange* exchange, const ShimLaunchOptions& launch,
                         const snapshots::SnapshotterSet* snapshotters)
    : options_(std::move(options)),
      store_(store),
      exchange_(exchange),
      snapshotters_(snapshotters),
      shims_(std::make_unique<ShimManager>(
          launch, [this](const Bundle& b, const shimpb::Event& e) { OnShimEvent(b, e); },
          [this](const Bundle& b) { OnShimGone(b); })),
      gone_thread_([this] { GoneLoop(); }) {}

TaskManager::~TaskManager() {
  {
    std::lock_guard lock(gone_mu_);
    stopping_ = true;
  }
  gone_cv_.notify_all();
  gone_thread_.join();
}

void TaskManager::OnShimGone(const Bundle& bundle) {
  std::lock_guard lock(gone_mu_);
  if (stopping_) return;
  gone_.push_back(bundle);
  gone_cv_.notify_all();
}

void TaskManager::GoneLoop() {
  std::unique_lock lock(gone_mu_);
  for (;;) {
    gone_cv_.wait(lock, [this] { return stopping_ || !gone_.empty(); });
    if (stopping_) return;
    Bundle bundle = std::move(gone_.front());
    gone_.pop_front();
    lock.unlock();
    // Deleted meanwhile: nothing to do.
    if (shims_->Get(bundle.ns, bundle.id) != nullptr) {
      log::Warnf("task {}/{}: lost its shim's event stream", bundle.ns, bundle.id);
      RestoreOne(bundle, /*recorded=*/true);
    }
    lock.lock();
  }
}

absl::StatusOr<std::string> TaskManager::ResolveRuntime(const std::string& name) const {
  if (name.empty() || name == "io.containerd.runc.v2" || name == "io.containerd.berth.v1") {
    return options_.default_runtime;
  }
  auto it = options_.runtimes.find(name);
  if (it != options_.runtimes.end()) return it->second;
  return InvalidArgumentf("unknown runtime {:?}: not io.containerd.runc.v2, "
                          "io.containerd.berth.v1 or one of the config's runtimes",
                          name);
}

absl::StatusOr<std::vector<pb::Mount>> TaskManager::RootfsMounts(
    const std::string& ns, const metadata::Container& c, const pb::CreateTaskRequest& request) {
  if (request.rootfs_size() > 0) return std::vector<pb::Mount>(request.rootfs().begin(),
                                                               request.rootfs().end());
  if (c.snapshot_key.empty()) {
    BERTH_RETURN_IF_ERROR(CheckRootPath(c));
    return std::vector<pb::Mount>();
  }
  if (snapshotters_ == nullptr) {
    return FailedPreconditionf("container {}: snapshot {:?}: this daemon has no snapshotters", c.id,
                               c.snapshot_key);
  }
  BERTH_ASSIGN_OR_RETURN(snapshots::Snapshotter * sn, snapshotters_->Get(c.snapshotter));
  absl::StatusOr<std::vector<snapshots::Mount>> mounts = sn->Mounts(ns, c.snapshot_key);
  if (!mounts.ok()) {
    return WithContext(mounts.status(), fmt::format("container {}: rootfs from snapshot {}", c.id,
                                                    c.snapshot_key));
  }
  std::vector<pb::Mount> out;
  for (const snapshots::Mount& m : *mounts) {
    pb::Mount& p = out.emplace_back();
    p.set_type(m.type);
    p.set_source(m.source);
    p.set_target(m.target);
    for (const std::string& o : m.options) p.add_options(o);
  }
  return out;
}

absl::StatusOr<std::string> TaskManager::RuntimeFor(const std::string& ns, const std::string& id) {
  absl::StatusOr<metadata::Container> c = store_->ViewValue(
      [&](metadata::Transaction& tx) { return metadata::ContainerStore(tx, ns).Get(id); });
  if (!c.ok()) return options_.default_runtime;  // the record is what went missing
  return ResolveRuntime(c->runtime.name);
}

absl::StatusOr<std::shared_ptr<ShimHandle>> TaskManager::Shim(const std::string& ns,
                                                              const std::string& id) {
  std::shared_ptr<ShimHandle> shim = shims_->Get(ns, id);
  if (shim == nullptr) return NotFoundf("task {}: not found in namespace {}", id, ns);
  return shim;
}

absl::StatusOr<pb::CreateTaskResponse> TaskManager::Create(const std::string& ns,
                                                           const pb::CreateTaskRequest& request) {
  const std::string& id = request.container_id();
  BERTH_RETURN_IF_ERROR(ValidateContainerdId(id));
  BERTH_ASSIGN_OR_RETURN(metadata::Container container,
                         store_->ViewValue([&](metadata::Transaction& tx) {
                           return metadata::ContainerStore(tx, ns).Get(id);
                         }));
  BERTH_ASSIGN_OR_RETURN(std::vector<pb::Mount> rootfs, RootfsMounts(ns, container, request));
  BERTH_ASSIGN_OR_RETURN(std::string runtime, ResolveRuntime(container.runtime.name));
  if (shims_->Get(ns, id) != nullptr) return AlreadyExistsf("task {}: already exists", id);

  absl::StatusOr<Bundle> bundle = CreateBundle(options_.state_dir, ns, id, container.spec);
  if (absl::IsAlreadyExists(bundle.status())) {
    return AlreadyExistsf("task {}: already exists", id);
  }
  if (!bundle.ok()) return bundle.status();
  absl::Status recorded = store_->Update([&](metadata::Transaction& tx) {
    return metadata::TaskBundleStore(tx)
        .Put({.ns = ns, .container_id = id, .bundle_path = bundle->path})
        .status();
  });
  if (!recorded.ok()) {
    Rollback(*bundle, false, false);
    return recorded;
  }
  absl::StatusOr<std::shared_ptr<ShimHandle>> shim = shims_->Start(*bundle, runtime);
  if (!shim.ok()) {
    Rollback(*bundle, false, true);
    return shim.status();
  }
  shimpb::CreateRequest create;
  create.set_id(id);
  create.set_bundle(bundle->path);
  for (const pb::Mount& m : rootfs) {
    shimpb::Mount* out = create.add_rootfs();
    out->set_type(m.type());
    out->set_source(m.source());
    out->set_target(m.target());
    *out->mutable_options() = m.options();
  }
  create.set_terminal(request.terminal());
  create.set_stdin(request.stdin());
  create.set_stdin_once(request.stdin_once());
  create.mutable_log()->set_format(request.log().format());
  create.mutable_log()->set_path(request.log().path());
  create.mutable_log()->set_max_size(request.log().max_size());
  create.mutable_log()->set_max_file(request.log().max_file());
  shimpb::CreateResponse created;
  absl::Status status = CallShim(**shim, &shimpb::Shim::Stub::Create, create, &created,
                                 options_.shim_call_timeout, "create task " + id);
  if (!status.ok()) {
    Rollback(*bundle, true, true);
    return status;
  }
  pb::CreateTaskResponse response;
  response.set_container_id(id);
  response.set_pid(created.pid());
  return response;
}

void TaskManager::Rollback(const Bundle& bundle, bool shim_started, bool recorded) {
  if (shim_started) {
    absl::Status s = shims_->Shutdown(bundle.ns, bundle.id);
    if (!s.ok()) log::Warnf("roll back task {}/{}: {}", bundle.ns, bundle.id, s.ToString());
  }
  absl::Status s = RemoveTask(bundle);
  if (!recorded && absl::IsNotFound(s)) s = absl::OkStatus();
  if (!s.ok()) log::Warnf("roll back task {}/{}: {}", bundle.ns, bundle.id, s.ToString());
}

// The bundle, then the record: a crash in between leaves a record whose
// bundle is gone, which Restore drops.
absl::Status TaskManager::RemoveTask(const Bundle& bundle) {
  absl::Status removed = DeleteBundle(bundle);
  absl::Status unrecorded = store_->Update([&](metadata::Transaction& tx) {
    return metadata::TaskBundleStore(tx).Delete(bundle.ns, bundle.id);
  });
  return removed.ok() ? unrecorded : removed;
}

absl::StatusOr<uint32_t> TaskManager::Start(const std::string& ns, const std::string& id,
                                            const std::string& exec_id) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, id));
  shimpb::StartRequest request;
  request.set_id(id);
  request.set_exec_id(exec_id);
  shimpb::StartResponse response;
  BERTH_RETURN_IF_ERROR(CallShim(*shim, &shimpb::Shim::Stub::Start, request, &response,
                                 options_.shim_call_timeout,
                                 exec_id.empty() ? "start task " + id : "start exec " + exec_id));
  return response.pid();
}

absl::StatusOr<pb::DeleteResponse> TaskManager::Delete(const std::string& ns,
                                                       const std::string& id, bool force) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, id));
  shimpb::DeleteRequest request;
  request.set_id(id);
  request.set_force(force);
  shimpb::DeleteResponse deleted;
  BERTH_RETURN_IF_ERROR(CallShim(*shim, &shimpb::Shim::Stub::Delete, request, &deleted,
                                 options_.shim_call_timeout, "delete task " + id));
  Bundle bundle = shim->bundle();
  shim.reset();
  absl::Status stopped = shims_->Shutdown(ns, id);
  if (!stopped.ok()) log::Warnf("delete task {}/{}: {}", ns, id, stopped.ToString());
  BERTH_RETURN_IF_ERROR(WithContext(RemoveTask(bundle), "delete task " + id));

  pb::TaskDelete event;
  event.set_container_id(id);
  event.set_pid(deleted.pid());
  event.set_exit_status(deleted.exit_status());
  *event.mutable_exited_at() = deleted.exited_at();
  events::Envelope envelope;
  envelope.set_namespace_(ns);
  envelope.set_topic("/tasks/delete");
  envelope.mutable_event()->PackFrom(event);
  exchange_->Publish(std::move(envelope));

  pb::DeleteResponse response;
  response.set_id(id);
  response.set_pid(deleted.pid());
  response.set_exit_status(deleted.exit_status());
  *response.mutable_exited_at() = deleted.exited_at();
  return response;
}

absl::StatusOr<pb::DeleteResponse> TaskManager::DeleteProcess(const std::string& ns,
                                                              const std::string& id,
                                                              const std::string& exec_id,
                                                              bool force) {
  if (exec_id.empty()) return InvalidArgumentf("delete process of task {}: no exec id", id);
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, id));
  shimpb::DeleteRequest request;
  request.set_id(id);
  request.set_exec_id(exec_id);
  request.set_force(force);
  shimpb::DeleteResponse deleted;
  BERTH_RETURN_IF_ERROR(CallShim(*shim, &shimpb::Shim::Stub::Delete, request, &deleted,
                                 options_.shim_call_timeout, "delete exec " + exec_id));
  pb::DeleteResponse response;
  response.set_id(exec_id);
  response.set_pid(deleted.pid());
  response.set_exit_status(deleted.exit_status());
  *response.mutable_exited_at() = deleted.exited_at();
  return response;
}

absl::StatusOr<pb::Process> TaskManager::State(ShimHandle& shim, const std::string& exec_id) {
  shimpb::StateRequest request;
  request.set_id(shim.bundle().id);
  request.set_exec_id(exec_id);
  shimpb::StateResponse state;
  BERTH_RETURN_IF_ERROR(CallShim(shim, &shimpb::Shim::Stub::State, request, &state,
                                 options_.shim_call_timeout, "state of task " + shim.bundle().id));
  pb::Process p;
  p.set_container_id(shim.bundle().id);
  p.set_id(exec_id.empty() ? shim.bundle().id : exec_id);
  p.set_pid(state.pid());
  p.set_status(FromShimStatus(state.status()));
  p.set_terminal(state.terminal());
  p.set_stdin(state.stdin());
  p.set_exit_status(state.exit_status());
  if (state.has_exited_at()) *p.mutable_exited_at() = state.exited_at();
  return p;
}

absl::StatusOr<pb::Process> TaskManager::Get(const std::string& ns, const std::string& id,
                                             const std::string& exec_id) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, id));
  return State(*shim, exec_id);
}

absl::StatusOr<std::vector<pb::Process>> TaskManager::List(const std::string& ns,
                                                           const std::string& filter) {
  BERTH_ASSIGN_OR_RETURN(metadata::Filter parsed, metadata::Filter::Parse(filter));
  std::vector<pb::Process> out;
  for (const std::shared_ptr<ShimHandle>& shim : shims_->List()) {
    if (shim->bundle().ns != ns) continue;
    absl::StatusOr<pb::Process> p = State(*shim, "");
    // A task deleted meanwhile is simply not listed.
    if (absl::IsNotFound(p.status()) || absl::IsUnavailable(p.status())) continue;
    if (!p.ok()) return p.status();
    if (parsed.Match(ProcessAdaptor(*p))) out.push_back(*std::move(p));
  }
  return out;
}

absl::Status TaskManager::Kill(const std::string& ns, const pb::KillRequest& request) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, request.container_id()));
  shimpb::KillRequest kill;
  kill.set_id(request.container_id());
  kill.set_exec_id(request.exec_id());
  kill.set_signal(request.signal());
  kill.set_all(request.all());
  shimpb::Empty empty;
  return CallShim(*shim, &shimpb::Shim::Stub::Kill, kill, &empty, options_.shim_call_timeout,
                  "kill task " + request.container_id());
}

absl::Status TaskManager::Exec(const std::string& ns, const pb::ExecProcessRequest& request) {
  if (request.exec_id().empty()) {
    return InvalidArgumentf("exec in task {}: no exec id", request.container_id());
  }
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, request.container_id()));
  shimpb::ExecRequest exec;
  exec.set_id(request.container_id());
  exec.set_exec_id(request.exec_id());
  exec.set_terminal(request.terminal());
  exec.set_stdin(request.stdin());
  exec.set_stdin_once(request.stdin_once());
  exec.set_spec(request.spec());
  shimpb::Empty empty;
  return CallShim(*shim, &shimpb::Shim::Stub::Exec, exec, &empty, options_.shim_call_timeout,
                  "exec " + request.exec_id() + " in task " + request.container_id());
}

absl::Status TaskManager::ResizePty(const std::string& ns, const pb::ResizePtyRequest& request) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, request.container_id()));
  shimpb::ResizePtyRequest resize;
  resize.set_id(request.container_id());
  resize.set_exec_id(request.exec_id());
  resize.set_width(request.width());
  resize.set_height(request.height());
  shimpb::Empty empty;
  return CallShim(*shim, &shimpb::Shim::Stub::ResizePty, resize, &empty,
                  options_.shim_call_timeout, "resize pty of task " + request.container_id());
}

absl::Status TaskManager::CloseIO(const std::string& ns, const pb::CloseIORequest& request) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, request.container_id()));
  shimpb::CloseIORequest close;
  close.set_id(request.container_id());
  close.set_exec_id(request.exec_id());
  close.set_stdin(request.stdin());
  shimpb::Empty empty;
  return CallShim(*shim, &shimpb::Shim::Stub::CloseIO, close, &empty, options_.shim_call_timeout,
                  "close io of task " + request.container_id());
}

absl::Status TaskManager::Pause(const std::string& ns, const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, id));
  shimpb::PauseRequest request;
  request.set_id(id);
  shimpb::Empty empty;
  return CallShim(*shim, &shimpb::Shim::Stub::Pause, request, &empty, options_.shim_call_timeout,
                  "pause task " + id);
}

absl::Status TaskManager::Resume(const std::string& ns, const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, id));
  shimpb::ResumeRequest request;
  request.set_id(id);
  shimpb::Empty empty;
  return CallShim(*shim, &shimpb::Shim::Stub::Resume, request, &empty,
                  options_.shim_call_timeout, "resume task " + id);
}

absl::StatusOr<pb::ListPidsResponse> TaskManager::ListPids(const std::string& ns,
                                                           const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, id));
  shimpb::PidsRequest request;
  request.set_id(id);
  shimpb::PidsResponse pids;
  BERTH_RETURN_IF_ERROR(CallShim(*shim, &shimpb::Shim::Stub::Pids, request, &pids,
                                 options_.shim_call_timeout, "list pids of task " + id));
  pb::ListPidsResponse response;
  for (const shimpb::ProcessInfo& p : pids.processes()) {
    pb::ProcessInfo* out = response.add_processes();
    out->set_pid(p.pid());
    out->set_exec_id(p.exec_id());
  }
  return response;
}

absl::Status TaskManager::Update(const std::string& ns, const pb::UpdateTaskRequest& request) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimHandle> shim, Shim(ns, request.container_id()));
  shimpb::UpdateRequest update;
  update.set_id(request.container_id());
  update.set_resources(request.resources());
  shimpb::Empty empty;
  return CallShim(*shim, &shimpb::Shim::Stub::Update, update, &empty, options_.shim_call_timeout,
                  "update task " + request.container_id());
}

absl::StatusOr<pb::MetricsResponse> TaskManager::Metrics(const std::string& ns,
                                                         const std::vector<std::string>& filters) {
  BERTH_ASSIGN_OR_RETURN(metadata::Filter filter, metadata::Filter::ParseAll(filters));
  pb::MetricsResponse response;
  for (const std::shared_ptr<ShimHandle>& shim : shims_->List()) {
    if (shim->bundle().ns != ns) continue;
    pb::Process p;
    p.set_container_id(shim->bundle().id);
    if (!filter.Match(ProcessAdaptor(p))) continue;
    shimpb::StatsRequest request;
    request.set_id(shim->bundle().id);
    shimpb::StatsResponse stats;
    absl::Status status = CallShim(*shim, &shimpb::Shim::Stub::Stats, request, &stats,
                                   options_.shim_call_timeout, "metrics of task " + p.container_id());
    if (absl::IsNotFound(status) || absl::IsUnavailable(status)) continue;
    BERTH_RETURN_IF_ERROR(status);
    pb::Metric* metric = response.add_metrics();
    metric->set_id(shim->bundle().id);
    *metric->mutable_timestamp() = stats.timestamp();
    metric->mutable_data()->PackFrom(stats);
  }
  return response;
}

void TaskManager::OnShimEvent(const Bundle& bundle, const shimpb::Event& event) {
  events::Envelope envelope;
  if (ToTaskEvent(event, envelope.mutable_event())) {
    envelope.set_namespace_(bundle.ns);
    envelope.set_topic(event.topic());
    *envelope.mutable_timestamp() = event.timestamp();
    exchange_->Publish(std::move(envelope));
  }
  absl::Status noted =
      WriteFileAtomic(JoinPath(bundle.path, std::string(kEventSequenceFile)),
                      std::to_string(event.sequence()), 0600, Durability::kProcessCrash);
  if (!noted.ok()) log::Debugf("task {}/{}: {}", bundle.ns, bundle.id, noted.ToString());
}

void TaskManager::PublishExitAndDelete(const Bundle& bundle, uint32_t pid, uint32_t status,
                                       const std::string& exited_at) {
  google::protobuf::Timestamp when;
  if (absl::StatusOr<struct timespec> t = ParseRfc3339(exited_at); t.ok()) {
    SetTimestamp(*t, &when);
  } else {
    SetTimestamp(RealtimeNow(), &when);
  }
  pb::TaskExit exit;
  exit.set_container_id(bundle.id);
  exit.set_id(bundle.id);
  exit.set_pid(pid);
  exit.set_exit_status(status);
  *exit.mutable_exited_at() = when;
  events::Envelope envelope;
  envelope.set_namespace_(bundle.ns);
  envelope.set_topic("/tasks/exit");
  envelope.mutable_event()->PackFrom(exit);
  exchange_->Publish(envelope);

  pb::TaskDelete deleted;
  deleted.set_container_id(bundle.id);
  deleted.set_pid(pid);
  deleted.set_exit_status(status);
  *deleted.mutable_exited_at() = when;
  envelope.set_topic("/tasks/delete");
  envelope.clear_timestamp();
  envelope.mutable_event()->PackFrom(deleted);
  exchange_->Publish(std::move(envelope));
}

void TaskManager::RestoreOne(const Bundle& bundle, bool recorded) {
  log::Debugf("task {}/{}: restoring from {}", bundle.ns, bundle.id, bundle.path);
  uint64_t after = 0;
  if (absl::StatusOr<std::string> seq =
          ReadFile(JoinPath(bundle.path, std::string(kEventSequenceFile)));
      seq.ok()) {
    after = std::strtoull(std::string(TrimSpace(*seq)).c_str(), nullptr, 10);
  }
  absl::StatusOr<std::shared_ptr<ShimHandle>> shim = shims_->Connect(bundle, after);
  if (shim.ok() && recorded) {
    log::Infof("task {}/{}: shim reconnected", bundle.ns, bundle.id);
    return;
  }
  if (shim.ok()) {
    // A task the daemon never finished creating: nobody was told of it.
    log::Warnf("task {}/{}: no record; removing its shim", bundle.ns, bundle.id);
    shimpb::DeleteRequest request;
    request.set_id(bundle.id);
    request.set_force(true);
    shimpb::DeleteResponse deleted;
    CallShim(**shim, &shimpb::Shim::Stub::Delete, request, &deleted, options_.shim_call_timeout,
             "delete task " + bundle.id)
        .IgnoreError();
    shims_->Shutdown(bundle.ns, bundle.id).IgnoreError();
  }
  absl::StatusOr<std::string> runtime = RuntimeFor(bundle.ns, bundle.id);
  absl::StatusOr<ShimCleanup> cleanup =
      shims_->Cleanup(bundle, runtime.ok() ? *runtime : options_.default_runtime);
  if (!cleanup.ok()) {
    log::Warnf("task {}/{}: clean up after its shim: {}", bundle.ns, bundle.id,
               cleanup.status().ToString());
  }
  absl::Status removed = RemoveTask(bundle);
  if (!removed.ok() && !(absl::IsNotFound(removed) && !recorded)) {
    log::Warnf("task {}/{}: remove: {}", bundle.ns, bundle.id, removed.ToString());
  }
  // Published once the task is gone, as Delete does.
  if (cleanup.ok() && recorded) {
    log::Warnf("task {}/{}: shim was gone; exit status {}", bundle.ns, bundle.id,
               cleanup->exit_status);
    PublishExitAndDelete(bundle, cleanup->pid, cleanup->exit_status, cleanup->exited_at);
  }
}

absl::Status TaskManager::Restore() {
  BERTH_ASSIGN_OR_RETURN(std::vector<metadata::TaskBundle> records,
                         store_->ViewValue([](metadata::Transaction& tx) {
                           return metadata::TaskBundleStore(tx).List();
                         }));
  BERTH_ASSIGN_OR_RETURN(std::vector<Bundle> bundles, ListBundles(options_.state_dir));
  std::set<std::pair<std::string, std::string>> on_disk;
  for (const Bundle& b : bundles) on_disk.insert({b.ns, b.id});
  std::set<std::pair<std::string, std::string>> known;
  for (const metadata::TaskBundle& r : records) {
    known.insert({r.ns, r.container_id});
    if (on_disk.count({r.ns, r.container_id}) == 0) {
      // The state dir went (a reboot empties /run): so did the task.
      log::Warnf("task {}/{}: bundle {} is gone; dropping the task", r.ns, r.container_id,
                 r.bundle_path);
      store_
          ->Update([&](metadata::Transaction& tx) {
            return metadata::TaskBundleStore(tx).Delete(r.ns, r.container_id);
          })
          .IgnoreError();
    }
  }
  for (const Bundle& b : bundles) RestoreOne(b, known.count({b.ns, b.id}) > 0);
  return absl::OkStatus();
}

}  // namespace berth::containerd
