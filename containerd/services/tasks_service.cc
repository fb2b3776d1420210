#include "containerd/services/tasks_service.h"

#include "common/grpc/status_convert.h"
#include "containerd/services/attach_relay.h"
#include "containerd/services/request_namespace.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
namespace shimpb = ::berth::shim::v1;
using grpcutil::ToGrpc;

// Runs `fn(namespace)` and maps its status to the wire.
template <typename Fn>
grpc::Status WithNamespace(grpc::ServerContext* context, Fn&& fn) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  return ToGrpc(fn(*ns));
}

// Waits on the shim with its async stub: the call holds no thread while
// the process runs, and a caller that goes away cancels the shim's wait.
class WaitReactor final : public grpc::ServerUnaryReactor {
 public:
  WaitReactor(std::shared_ptr<ShimHandle> shim, const pb::WaitRequest& request,
              pb::WaitResponse* response)
      : shim_(std::move(shim)), response_(response) {
    request_.set_id(request.container_id());
    request_.set_exec_id(request.exec_id());
    shim_->stub().async()->Wait(&context_, &request_, &reply_,
                                [this](grpc::Status status) { OnShimDone(std::move(status)); });
  }

  void OnCancel() override { context_.TryCancel(); }
  void OnDone() override { delete this; }

 private:
  void OnShimDone(grpc::Status status) {
    if (status.ok()) {
      response_->set_exit_status(reply_.exit_status());
      *response_->mutable_exited_at() = reply_.exited_at();
      Finish(grpc::Status::OK);
      return;
    }
    std::string what = request_.exec_id().empty() ? "task " + request_.id()
                                                  : "exec " + request_.exec_id();
    Finish(grpc::Status(status.error_code(), "wait for " + what + ": " + status.error_message()));
  }

  std::shared_ptr<ShimHandle> shim_;
  pb::WaitResponse* const response_;
  grpc::ClientContext context_;
  shimpb::WaitRequest request_;
  shimpb::WaitResponse reply_;
};

class FailedWait final : public grpc::ServerUnaryReactor {
 public:
  explicit FailedWait(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::Status TasksService::Create(grpc::ServerContext* context, const pb::CreateTaskRequest* request,
                                  pb::CreateTaskResponse* response) {
  return WithNamespace(context, [&](const std::string& ns) -> absl::Status {
    absl::StatusOr<pb::CreateTaskResponse> created = tasks_->Create(ns, *request);
    if (!created.ok()) return created.status();
    *response = *std::move(created);
    return absl::OkStatus();
  });
}

grpc::Status TasksService::Start(grpc::ServerContext* context, const pb::StartRequest* request,
                                 pb::StartResponse* response) {
  return WithNamespace(context, [&](const std::string& ns) -> absl::Status {
    absl::StatusOr<uint32_t> pid = tasks_->Start(ns, request->container_id(), request->exec_id());
    if (!pid.ok()) return pid.status();
    response->set_pid(*pid);
    return absl::OkStatus();
  });
}

grpc::Status TasksService::Delete(grpc::ServerContext* context, const pb::DeleteTaskRequest* request,
                                  pb::DeleteResponse* response) {
  return WithNamespace(context, [&](const std::string& ns) -> absl::Status {
    absl::StatusOr<pb::DeleteResponse> deleted =
        tasks_->Delete(ns, request->container_id(), request->force());
    if (!deleted.ok()) return deleted.status();
    *response = *std::move(deleted);
    return absl::OkStatus();
  });
}

grpc::Status TasksService::DeleteProcess(grpc::ServerContext* context,
                                         const pb::DeleteProcessRequest* request,
                                         pb::DeleteResponse* response) {
  return WithNamespace(context, [&](const std::string& ns) -> absl::Status {
    absl::StatusOr<pb::DeleteResponse> deleted = tasks_->DeleteProcess(
        ns, request->container_id(), request->exec_id(), request->force());
    if (!deleted.ok()) return deleted.status();
    *response = *std::move(deleted);
    return absl::OkStatus();
  });
}

grpc::Status TasksService::Get(grpc::ServerContext* context, const pb::GetRequest* request,
                               pb::GetResponse* response) {
  return WithNamespace(context, [&](const std::string& ns) -> absl::Status {
    absl::StatusOr<pb::Process> p = tasks_->Get(ns, request->container_id(), request->exec_id());
    if (!p.ok()) return p.status();
    *response->mutable_process() = *std::move(p);
    return absl::OkStatus();
  });
}

grpc::Status TasksService::List(grpc::ServerContext* context, const pb::ListTasksRequest* request,
                                pb::ListTasksResponse* response) {
  return WithNamespace(context, [&](const std::string& ns) -> absl::Status {
    absl::StatusOr<std::vector<pb::Process>> tasks = tasks_->List(ns, request->filter());
    if (!tasks.ok()) return tasks.status();
    for (pb::Process& p : *tasks) *response->add_tasks() = std::move(p);
    return absl::OkStatus();
  });
}

grpc::Status TasksService::Kill(grpc::ServerContext* context, const pb::KillRequest* request,
                                google::protobuf::Empty*) {
  return WithNamespace(context, [&](const std::string& ns) { return tasks_->Kill(ns, *request); });
}

grpc::Status TasksService::Exec(grpc::ServerContext* context,
                                const pb::ExecProcessRequest* request, google::protobuf::Empty*) {
  return WithNamespace(context, [&](const std::string& ns) { return tasks_->Exec(ns, *request); });
}

grpc::Status TasksService::ResizePty(grpc::ServerContext* context,
                                     const pb::ResizePtyRequest* request,
                                     google::protobuf::Empty*) {
  return WithNamespace(context,
                       [&](const std::string& ns) { return tasks_->ResizePty(ns, *request); });
}

grpc::Status TasksService::CloseIO(grpc::ServerContext* context, const pb::CloseIORequest* request,
                                   google::protobuf::Empty*) {
  return WithNamespace(context,
                       [&](const std::string& ns) { return tasks_->CloseIO(ns, *request); });
}

grpc::Status TasksService::Pause(grpc::ServerContext* context,
                                 const pb::PauseTaskRequest* request, google::protobuf::Empty*) {
  return WithNamespace(
      context, [&](const std::string& ns) { return tasks_->Pause(ns, request->container_id()); });
}

grpc::Status TasksService::Resume(grpc::ServerContext* context,
                                  const pb::ResumeTaskRequest* request, google::protobuf::Empty*) {
  return WithNamespace(
      context, [&](const std::string& ns) { return tasks_->Resume(ns, request->container_id()); });
}

grpc::Status TasksService::ListPids(grpc::ServerContext* context,
                                    const pb::ListPidsRequest* request,
                                    pb::ListPidsResponse* response) {
  return WithNamespace(context, [&](const std::string& ns) -> absl::Status {
    absl::StatusOr<pb::ListPidsResponse> pids = tasks_->ListPids(ns, request->container_id());
    if (!pids.ok()) return pids.status();
    *response = *std::move(pids);
    return absl::OkStatus();
  });
}

grpc::Status TasksService::Update(grpc::ServerContext* context,
                                  const pb::UpdateTaskRequest* request, google::protobuf::Empty*) {
  return WithNamespace(context,
                       [&](const std::string& ns) { return tasks_->Update(ns, *request); });
}

grpc::Status TasksService::Metrics(grpc::ServerContext* context, const pb::MetricsRequest* request,
                                   pb::MetricsResponse* response) {
  return WithNamespace(context, [&](const std::string& ns) -> absl::Status {
    std::vector<std::string> filters(request->filters().begin(), request->filters().end());
    absl::StatusOr<pb::MetricsResponse> metrics = tasks_->Metrics(ns, filters);
    if (!metrics.ok()) return metrics.status();
    *response = *std::move(metrics);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TasksService::Wait(grpc::CallbackServerContext* context,
                                             const pb::WaitRequest* request,
                                             pb::WaitResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return new FailedWait(ToGrpc(ns.status()));
  absl::StatusOr<std::shared_ptr<ShimHandle>> shim = tasks_->Shim(*ns, request->container_id());
  if (!shim.ok()) return new FailedWait(ToGrpc(shim.status()));
  return new WaitReactor(*std::move(shim), *request, response);
}

grpc::ServerBidiReactor<pb::AttachRequest, pb::AttachResponse>* TasksService::Attach(
    grpc::CallbackServerContext* context) {
  return NewAttachRelay(tasks_, RequestNamespace(*context));
}

}  // namespace berth::containerd::services
