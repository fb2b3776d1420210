#include "shim/service/shim_service.h"

#include <unistd.h>

#include <deque>
#include <mutex>

#include "common/grpc/status_convert.h"
#include "common/status.h"
#include "shim/service/convert.h"

namespace berth::shim::service {
namespace {

using grpcutil::ToGrpc;

// Output an attacher has not taken yet; past this it loses output rather
// than slowing the container (the log keeps everything).
constexpr size_t kMaxQueuedOutput = 4 << 20;

class AttachReactor final : public grpc::ServerBidiReactor<pb::AttachRequest, pb::AttachResponse>,
                            public io::OutputSink {
 public:
  AttachReactor(task::TaskManager* tasks, io::IoHub* hub) : tasks_(tasks), hub_(hub) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client half-closed (or went away): it sends no more stdin.
      ClientStdinDone();
      return;
    }
    if (!attached_) {
      absl::Status status = First();
      if (!status.ok()) {
        FinishOnce(ToGrpc(status));
        return;
      }
    }
    HandleStdin();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "attach: client went away"));
      return;
    }
    queued_bytes_ -= queue_.front().data().size();  // 0 for the first, empty one
    queue_.pop_front();
    WriteNextLocked();
  }

  void OnCancel() override {
    std::lock_guard lock(mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    if (attached_) hub_->Detach(exec_id_, this);
    std::unique_lock lock(mu_);
    done_ = true;
    if (stdin_in_flight_) return;  // the hub's callback deletes it
    lock.unlock();
    delete this;
  }

  void OnOutput(io::Stream stream, std::string_view data) override {
    std::lock_guard lock(mu_);
    if (finished_) return;
    if (queued_bytes_ + data.size() > kMaxQueuedOutput) {
      dropped_ += data.size();
      return;
    }
    pb::AttachResponse response;
    response.set_stream(stream == io::Stream::kStdout ? pb::STD_STREAM_STDOUT
                                                      : pb::STD_STREAM_STDERR);
    response.set_data(std::string(data));
    queued_bytes_ += data.size();
    queue_.push_back(std::move(response));
    WriteNextLocked();
  }

  void OnOutputClosed() override {
    std::lock_guard lock(mu_);
    output_closed_ = true;
    WriteNextLocked();
  }

 private:
  absl::Status First() {
    exec_id_ = request_.exec_id();
    if (request_.id() != tasks_->identity().id) {
      return NotFoundf("attach: no container {} in this shim", request_.id());
    }
    BERTH_RETURN_IF_ERROR(tasks_->State(exec_id_).status());
    stdin_once_ = tasks_->StdinOnce(exec_id_);
    {
      // The first response, empty, tells the client output is now coming
      // its way (it may start the process).
      std::lock_guard lock(mu_);
      queue_.emplace_back();
      WriteNextLocked();
    }
    BERTH_RETURN_IF_ERROR(hub_->Attach(exec_id_, this, request_.stdout(), request_.stderr()));
    attached_ = true;
    return absl::OkStatus();
  }

  void HandleStdin() {
    bool close = request_.close_stdin();
    if (request_.stdin().empty()) {
      if (close) {
        ClientStdinDone();
      } else {
        StartRead(&request_);
      }
      return;
    }
    // A process that closed its stdin or exited does not end the attach:
    // its output still comes, and the input it did not take is dropped.
    // gRPC counts no operation while the hub holds the write, so the call can
    // finish and reach OnDone before the hub calls back (a process that
    // exits without reading): the write in flight keeps the reactor alive.
    {
      std::lock_guard lock(mu_);
      stdin_in_flight_ = true;
    }
    hub_->WriteStdin(exec_id_, request_.stdin(), [this, close](absl::Status) {
      if (close) ClientStdinDone();  // still in flight: OnDone cannot delete meanwhile
      std::unique_lock lock(mu_);
      stdin_in_flight_ = false;
      if (done_) {
        lock.unlock();
        delete this;
        return;
      }
      // Under mu_: Finish cannot slip in between, so OnDone waits for the read.
      if (!close && !finished_) StartRead(&request_);
    });
  }

  void ClientStdinDone() {
    if (attached_ && stdin_once_) hub_->CloseStdin(exec_id_).IgnoreError();
    std::lock_guard lock(mu_);
    if (!attached_)
      FinishLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "attach: the stream ended before naming a process"));
  }

  void WriteNextLocked() {
    if (finished_ || writing_) return;
    if (!queue_.empty()) {
      writing_ = true;
      StartWrite(&queue_.front());
      return;
    }
    if (output_closed_) {
      FinishLocked(dropped_ == 0 ? grpc::Status::OK
                                 : grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                                fmt::format("attach: {} bytes of output dropped "
                                                            "(client too slow)",
                                                            dropped_)));
    }
  }

  void FinishOnce(const grpc::Status& status) {
    std::lock_guard lock(mu_);
    FinishLocked(status);
  }

  void FinishLocked(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  task::TaskManager* const tasks_;
  io::IoHub* const hub_;
  pb::AttachRequest request_;  // only touched by the read chain
  std::string exec_id_;
  bool attached_ = false;
  bool stdin_once_ = false;

  std::mutex mu_;
  std::deque<pb::AttachResponse> queue_;
  size_t queued_bytes_ = 0;
  size_t dropped_ = 0;
  bool writing_ = false;
  bool output_closed_ = false;
  bool finished_ = false;
  bool stdin_in_flight_ = false;
  bool done_ = false;
};

class SubscribeReactor final : public grpc::ServerWriteReactor<pb::Event>, public EventSink {
 public:
  SubscribeReactor(EventLog* events, uint64_t after) : events_(events) {
    std::vector<TaskEvent> replay = events_->Subscribe(after, this);
    std::lock_guard lock(mu_);
    // Subscribe may already have delivered newer events: replay goes first.
    std::deque<pb::Event> newer;
    newer.swap(queue_);
    for (const TaskEvent& event : replay) ToProto(event, &queue_.emplace_back());
    for (pb::Event& event : newer) queue_.push_back(std::move(event));
    WriteNextLocked();
  }

  void OnEvent(const TaskEvent& event) override {
    std::lock_guard lock(mu_);
    if (finished_) return;
    ToProto(event, &queue_.emplace_back());
    WriteNextLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "subscribe: client went away"));
      return;
    }
    queue_.pop_front();
    WriteNextLocked();
  }

  void OnCancel() override {
    std::lock_guard lock(mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    events_->Unsubscribe(this);
    delete this;
  }

 private:
  void WriteNextLocked() {
    if (finished_ || writing_ || queue_.empty()) return;
    writing_ = true;
    StartWrite(&queue_.front());
  }

  void FinishLocked(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  EventLog* const events_;
  std::mutex mu_;
  std::deque<pb::Event> queue_;
  bool writing_ = false;
  bool finished_ = false;
};

}  // namespace

ShimService::ShimService(task::TaskManager* tasks, io::IoHub* hub, EventLog* events,
                         std::function<void()> on_shutdown)
    : tasks_(tasks), hub_(hub), events_(events), on_shutdown_(std::move(on_shutdown)) {}

absl::Status ShimService::CheckId(const std::string& id) const {
  if (id != tasks_->identity().id) {
    return NotFoundf("no container {} in this shim (it serves {})", id, tasks_->identity().id);
  }
  return absl::OkStatus();
}

grpc::Status ShimService::Create(grpc::ServerContext*, const pb::CreateRequest* request,
                                 pb::CreateResponse* response) {
  if (!request->bundle().empty() && request->bundle() != tasks_->identity().bundle) {
    return ToGrpc(InvalidArgumentf("create: bundle {} is not this shim's ({})", request->bundle(),
                                   tasks_->identity().bundle));
  }
  absl::StatusOr<uint32_t> pid = tasks_->Create(FromProto(*request));
  if (!pid.ok()) return ToGrpc(pid.status());
  response->set_pid(*pid);
  return grpc::Status::OK;
}

grpc::Status ShimService::Start(grpc::ServerContext*, const pb::StartRequest* request,
                                pb::StartResponse* response) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  absl::StatusOr<uint32_t> pid = tasks_->Start(request->exec_id());
  if (!pid.ok()) return ToGrpc(pid.status());
  response->set_pid(*pid);
  return grpc::Status::OK;
}

grpc::Status ShimService::State(grpc::ServerContext*, const pb::StateRequest* request,
                                pb::StateResponse* response) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  absl::StatusOr<task::ProcessState> state = tasks_->State(request->exec_id());
  if (!state.ok()) return ToGrpc(state.status());
  response->set_id(state->id);
  response->set_exec_id(state->exec_id);
  response->set_bundle(state->bundle);
  response->set_pid(state->pid);
  response->set_status(ToProto(state->status));
  response->set_terminal(state->terminal);
  response->set_stdin(state->stdin);
  if (state->status == task::ProcessStatus::kStopped) {
    response->set_exit_status(state->exit.exit_status);
    ToTimestamp(state->exit.exited_at, response->mutable_exited_at());
  }
  return grpc::Status::OK;
}

grpc::Status ShimService::Pids(grpc::ServerContext*, const pb::PidsRequest* request,
                               pb::PidsResponse* response) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  absl::StatusOr<std::vector<task::ProcessEntry>> pids = tasks_->Pids();
  if (!pids.ok()) return ToGrpc(pids.status());
  for (const task::ProcessEntry& entry : *pids) {
    pb::ProcessInfo* info = response->add_processes();
    info->set_pid(entry.pid);
    info->set_exec_id(entry.exec_id);
  }
  return grpc::Status::OK;
}

grpc::Status ShimService::Kill(grpc::ServerContext*, const pb::KillRequest* request, pb::Empty*) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  return ToGrpc(
      tasks_->Kill(request->exec_id(), static_cast<int>(request->signal()), request->all()));
}

grpc::Status ShimService::Exec(grpc::ServerContext*, const pb::ExecRequest* request, pb::Empty*) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  task::ExecParams params;
  params.exec_id = request->exec_id();
  params.terminal = request->terminal();
  params.stdin = request->stdin();
  params.stdin_once = request->stdin_once();
  params.spec = request->spec();
  return ToGrpc(tasks_->Exec(params));
}

grpc::Status ShimService::ResizePty(grpc::ServerContext*, const pb::ResizePtyRequest* request,
                                    pb::Empty*) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  return ToGrpc(tasks_->ResizePty(request->exec_id(), request->width(), request->height()));
}

grpc::Status ShimService::CloseIO(grpc::ServerContext*, const pb::CloseIORequest* request,
                                  pb::Empty*) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  if (!request->stdin()) return grpc::Status::OK;
  return ToGrpc(tasks_->CloseStdin(request->exec_id()));
}

grpc::Status ShimService::Delete(grpc::ServerContext*, const pb::DeleteRequest* request,
                                 pb::DeleteResponse* response) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  absl::StatusOr<task::ExitInfo> exit = tasks_->Delete(request->exec_id(), request->force());
  if (!exit.ok()) return ToGrpc(exit.status());
  response->set_pid(exit->pid);
  response->set_exit_status(exit->exit_status);
  ToTimestamp(exit->exited_at, response->mutable_exited_at());
  return grpc::Status::OK;
}

grpc::Status ShimService::Pause(grpc::ServerContext*, const pb::PauseRequest* request, pb::Empty*) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  return ToGrpc(tasks_->Pause());
}

grpc::Status ShimService::Resume(grpc::ServerContext*, const pb::ResumeRequest* request,
                                 pb::Empty*) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  return ToGrpc(tasks_->Resume());
}

grpc::Status ShimService::Update(grpc::ServerContext*, const pb::UpdateRequest* request,
                                 pb::Empty*) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  return ToGrpc(tasks_->Update(request->resources()));
}

grpc::Status ShimService::Stats(grpc::ServerContext*, const pb::StatsRequest* request,
                                pb::StatsResponse* response) {
  if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  absl::StatusOr<task::TaskStats> stats = tasks_->Stats();
  if (!stats.ok()) return ToGrpc(stats.status());
  ToProto(*stats, response);
  return grpc::Status::OK;
}

grpc::Status ShimService::Connect(grpc::ServerContext*, const pb::ConnectRequest* request,
                                  pb::ConnectResponse* response) {
  if (!request->id().empty()) {
    if (absl::Status s = CheckId(request->id()); !s.ok()) return ToGrpc(s);
  }
  response->set_shim_pid(static_cast<uint32_t>(::getpid()));
  response->set_task_pid(tasks_->InitPid());
  response->set_version(BERTH_VERSION);
  return grpc::Status::OK;
}

grpc::Status ShimService::Shutdown(grpc::ServerContext*, const pb::ShutdownRequest* request,
                                   pb::Empty*) {
  // As containerd's shims: a shim that still holds a container stays.
  if (!request->now() && tasks_->HasTask()) return grpc::Status::OK;
  on_shutdown_();
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ShimService::Wait(grpc::CallbackServerContext* context,
                                            const pb::WaitRequest* request,
                                            pb::WaitResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = CheckId(request->id());
  if (status.ok()) {
    status = tasks_->Wait(request->exec_id(), [reactor, response](const task::ExitInfo& exit) {
      response->set_exit_status(exit.exit_status);
      ToTimestamp(exit.exited_at, response->mutable_exited_at());
      reactor->Finish(grpc::Status::OK);
    });
  }
  if (!status.ok()) reactor->Finish(ToGrpc(status));
  return reactor;
}

grpc::ServerBidiReactor<pb::AttachRequest, pb::AttachResponse>* ShimService::Attach(
    grpc::CallbackServerContext*) {
  return new AttachReactor(tasks_, hub_);
}

grpc::ServerWriteReactor<pb::Event>* ShimService::Subscribe(grpc::CallbackServerContext*,
                                                            const pb::SubscribeRequest* request) {
  return new SubscribeReactor(events_, request->after_sequence());
}

}  // namespace berth::shim::service
