// The gRPC adapter of the task manager (proto/berth/shim/v1). Lifecycle
// calls are synchronous (they run the OCI runtime); Wait, Attach and
// Subscribe are callback reactors, so that a waiting or attached client
// holds no thread.
#pragma once

#include <functional>

#include "berth/shim/v1/shim.grpc.pb.h"
#include "shim/events.h"
#include "shim/io/io_hub.h"
#include "shim/task/task_manager.h"

namespace berth::shim::service {

namespace pb = ::berth::shim::v1;

using ServiceBase = pb::Shim::WithCallbackMethod_Wait<
    pb::Shim::WithCallbackMethod_Attach<pb::Shim::WithCallbackMethod_Subscribe<pb::Shim::Service>>>;

class ShimService final : public ServiceBase {
 public:
  // `on_shutdown` runs (once) when a Shutdown call ends the shim.
  ShimService(task::TaskManager* tasks, io::IoHub* hub, EventLog* events,
              std::function<void()> on_shutdown);

  grpc::Status Create(grpc::ServerContext*, const pb::CreateRequest*, pb::CreateResponse*) override;
  grpc::Status Start(grpc::ServerContext*, const pb::StartRequest*, pb::StartResponse*) override;
  grpc::Status State(grpc::ServerContext*, const pb::StateRequest*, pb::StateResponse*) override;
  grpc::Status Pids(grpc::ServerContext*, const pb::PidsRequest*, pb::PidsResponse*) override;
  grpc::Status Kill(grpc::ServerContext*, const pb::KillRequest*, pb::Empty*) override;
  grpc::Status Exec(grpc::ServerContext*, const pb::ExecRequest*, pb::Empty*) override;
  grpc::Status ResizePty(grpc::ServerContext*, const pb::ResizePtyRequest*, pb::Empty*) override;
  grpc::Status CloseIO(grpc::ServerContext*, const pb::CloseIORequest*, pb::Empty*) override;
  grpc::Status Delete(grpc::ServerContext*, const pb::DeleteRequest*, pb::DeleteResponse*) override;
  grpc::Status Pause(grpc::ServerContext*, const pb::PauseRequest*, pb::Empty*) override;
  grpc::Status Resume(grpc::ServerContext*, const pb::ResumeRequest*, pb::Empty*) override;
  grpc::Status Update(grpc::ServerContext*, const pb::UpdateRequest*, pb::Empty*) override;
  grpc::Status Stats(grpc::ServerContext*, const pb::StatsRequest*, pb::StatsResponse*) override;
  grpc::Status Connect(grpc::ServerContext*, const pb::ConnectRequest*,
                       pb::ConnectResponse*) override;
  grpc::Status Shutdown(grpc::ServerContext*, const pb::ShutdownRequest*, pb::Empty*) override;

  grpc::ServerUnaryReactor* Wait(grpc::CallbackServerContext* context,
                                 const pb::WaitRequest* request,
                                 pb::WaitResponse* response) override;
  grpc::ServerBidiReactor<pb::AttachRequest, pb::AttachResponse>* Attach(
      grpc::CallbackServerContext* context) override;
  grpc::ServerWriteReactor<pb::Event>* Subscribe(grpc::CallbackServerContext* context,
                                                 const pb::SubscribeRequest* request) override;

 private:
  absl::Status CheckId(const std::string& id) const;

  task::TaskManager* const tasks_;
  io::IoHub* const hub_;
  EventLog* const events_;
  std::function<void()> on_shutdown_;
};

}  // namespace berth::shim::service
