// Tasks: the gRPC adapter over TaskManager. Wait is a callback method that
// waits on the shim asynchronously (hundreds of waiters hold no thread);
// Attach relays a stream to and from the shim's Attach (attach_relay.h).
#pragma once

#include "berth/containerd/v1/tasks.grpc.pb.h"
#include "containerd/runtime/task_manager.h"

namespace berth::containerd::services {

using TasksServiceBase = berth::containerd::v1::Tasks::WithCallbackMethod_Wait<
    berth::containerd::v1::Tasks::WithCallbackMethod_Attach<berth::containerd::v1::Tasks::Service>>;

class TasksService final : public TasksServiceBase {
 public:
  explicit TasksService(TaskManager* tasks) : tasks_(tasks) {}

  grpc::Status Create(grpc::ServerContext* context,
                      const berth::containerd::v1::CreateTaskRequest* request,
                      berth::containerd::v1::CreateTaskResponse* response) override;
  grpc::Status Start(grpc::ServerContext* context,
                     const berth::containerd::v1::StartRequest* request,
                     berth::containerd::v1::StartResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const berth::containerd::v1::DeleteTaskRequest* request,
                      berth::containerd::v1::DeleteResponse* response) override;
  grpc::Status DeleteProcess(grpc::ServerContext* context,
                             const berth::containerd::v1::DeleteProcessRequest* request,
                             berth::containerd::v1::DeleteResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const berth::containerd::v1::GetRequest* request,
                   berth::containerd::v1::GetResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::containerd::v1::ListTasksRequest* request,
                    berth::containerd::v1::ListTasksResponse* response) override;
  grpc::Status Kill(grpc::ServerContext* context, const berth::containerd::v1::KillRequest* request,
                    google::protobuf::Empty* response) override;
  grpc::Status Exec(grpc::ServerContext* context,
                    const berth::containerd::v1::ExecProcessRequest* request,
                    google::protobuf::Empty* response) override;
  grpc::Status ResizePty(grpc::ServerContext* context,
                         const berth::containerd::v1::ResizePtyRequest* request,
                         google::protobuf::Empty* response) override;
  grpc::Status CloseIO(grpc::ServerContext* context,
                       const berth::containerd::v1::CloseIORequest* request,
                       google::protobuf::Empty* response) override;
  grpc::Status Pause(grpc::ServerContext* context,
                     const berth::containerd::v1::PauseTaskRequest* request,
                     google::protobuf::Empty* response) override;
  grpc::Status Resume(grpc::ServerContext* context,
                      const berth::containerd::v1::ResumeTaskRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::Status ListPids(grpc::ServerContext* context,
                        const berth::containerd::v1::ListPidsRequest* request,
                        berth::containerd::v1::ListPidsResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const berth::containerd::v1::UpdateTaskRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::Status Metrics(grpc::ServerContext* context,
                       const berth::containerd::v1::MetricsRequest* request,
                       berth::containerd::v1::MetricsResponse* response) override;
  grpc::ServerUnaryReactor* Wait(grpc::CallbackServerContext* context,
                                 const berth::containerd::v1::WaitRequest* request,
                                 berth::containerd::v1::WaitResponse* response) override;
  grpc::ServerBidiReactor<berth::containerd::v1::AttachRequest,
                          berth::containerd::v1::AttachResponse>*
  Attach(grpc::CallbackServerContext* context) override;

 private:
  TaskManager* const tasks_;
};

}  // namespace berth::containerd::services
