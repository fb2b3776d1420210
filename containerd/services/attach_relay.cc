#include "containerd/services/attach_relay.h"

#include <mutex>

#include "common/grpc/status_convert.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
namespace shimpb = ::berth::shim::v1;

class AttachRelay final : public grpc::ServerBidiReactor<pb::AttachRequest, pb::AttachResponse> {
 public:
  AttachRelay(TaskManager* tasks, absl::StatusOr<std::string> ns)
      : tasks_(tasks), ns_(std::move(ns)), shim_side_(this) {
    StartRead(&from_caller_);
  }

  // Caller -> relay.
  void OnReadDone(bool ok) override {
    if (!started_) {
      started_ = true;
      if (!ok) {
        FinishCaller(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "attach: no request"));
        return;
      }
      StartShim();
      return;
    }
    {
      std::lock_guard lock(mu_);
      if (!ok) {
        // No more stdin (or the caller's call is over).
        if (!shim_output_over_) shim_side_.StartWritesDone();
        caller_reads_over_ = true;
      } else if (!shim_output_over_) {
        to_shim_.Clear();
        to_shim_.set_stdin(from_caller_.stdin());
        to_shim_.set_close_stdin(from_caller_.close_stdin());
        shim_side_.StartWrite(&to_shim_);
        return;
      } else if (!finished_) {
        // Output is over: stdin has nowhere to go; wait for the call's end.
        StartRead(&from_caller_);
        return;
      } else {
        caller_reads_over_ = true;
      }
    }
    MaybeReleaseShim();
  }

  // Relay -> caller done: fetch the shim's next output.
  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(mu_);
      if (ok && !shim_output_over_) {
        shim_side_.StartRead(&from_shim_);
        return;
      }
      shim_output_over_ = true;
    }
    if (!ok) shim_context_.TryCancel();
    MaybeReleaseShim();
  }

  void OnCancel() override { shim_context_.TryCancel(); }

  void OnDone() override {
    std::unique_lock lock(mu_);
    caller_done_ = true;
    MaybeDeleteLocked(lock);
  }

 private:
  class ShimSide final
      : public grpc::ClientBidiReactor<shimpb::AttachRequest, shimpb::AttachResponse> {
   public:
    explicit ShimSide(AttachRelay* relay) : relay_(relay) {}
    void OnWriteDone(bool ok) override { relay_->ShimWriteDone(ok); }
    void OnReadDone(bool ok) override { relay_->ShimReadDone(ok); }
    void OnDone(const grpc::Status& status) override { relay_->ShimDone(status); }

   private:
    AttachRelay* const relay_;
  };

  void StartShim() {
    if (!ns_.ok()) {
      FinishCaller(grpcutil::ToGrpc(ns_.status()));
      return;
    }
    absl::StatusOr<std::shared_ptr<ShimHandle>> shim =
        tasks_->Shim(*ns_, from_caller_.container_id());
    if (!shim.ok()) {
      FinishCaller(grpcutil::ToGrpc(shim.status()));
      return;
    }
    shim_ = *std::move(shim);
    {
      std::lock_guard lock(mu_);
      shim_started_ = true;
    }
    to_shim_.set_id(from_caller_.container_id());
    to_shim_.set_exec_id(from_caller_.exec_id());
    to_shim_.set_stdout(from_caller_.stdout());
    to_shim_.set_stderr(from_caller_.stderr());
    // stdin in the first message goes in a second one, as the shim reads it.
    first_stdin_ = from_caller_.stdin();
    first_close_ = from_caller_.close_stdin();
    shim_->stub().async()->Attach(&shim_context_, &shim_side_);
    // Held while either side may still start an operation on the shim call:
    // one started after its OnDone is undefined behaviour (it crashed here).
    shim_side_.AddHold();
    shim_side_.StartWrite(&to_shim_);
    shim_side_.StartRead(&from_shim_);
    shim_side_.StartCall();
  }

  void ShimWriteDone(bool ok) {
    std::unique_lock lock(mu_);
    if (ok && (!first_stdin_.empty() || first_close_)) {
      to_shim_.Clear();
      to_shim_.set_stdin(std::move(first_stdin_));
      to_shim_.set_close_stdin(first_close_);
      first_stdin_.clear();
      first_close_ = false;
      shim_side_.StartWrite(&to_shim_);
      return;
    }
    if (ok && !finished_) {
      StartRead(&from_caller_);
      return;
    }
    // No caller read follows.
    caller_reads_over_ = true;
    lock.unlock();
    MaybeReleaseShim();
  }

  void ShimReadDone(bool ok) {
    if (!ok) {
      {
        std::lock_guard lock(mu_);
        shim_output_over_ = true;
      }
      // Output is over: end the caller's call (its pending read then ends
      // too). A shim error after this point is only logged by ShimDone.
      FinishCaller(grpc::Status::OK);
      MaybeReleaseShim();
      return;
    }
    to_caller_.Clear();
    switch (from_shim_.stream()) {
      case shimpb::STD_STREAM_STDOUT:
        to_caller_.set_stream(pb::ATTACH_STREAM_STDOUT);
        break;
      case shimpb::STD_STREAM_STDERR:
        to_caller_.set_stream(pb::ATTACH_STREAM_STDERR);
        break;
      default:
        to_caller_.set_stream(pb::ATTACH_STREAM_UNSPECIFIED);
        break;
    }
    to_caller_.set_data(std::move(*from_shim_.mutable_data()));
    StartWrite(&to_caller_);
  }

  // Lets the shim call end once neither side can start another operation
  // on it.
  void MaybeReleaseShim() {
    {
      std::lock_guard lock(mu_);
      if (hold_released_ || !caller_reads_over_ || !shim_output_over_) return;
      hold_released_ = true;
    }
    shim_side_.RemoveHold();
  }

  void ShimDone(const grpc::Status& status) {
    if (status.ok()) {
      FinishCaller(status);
    } else {
      FinishCaller(grpc::Status(
          status.error_code(),
          "attach to task " + from_caller_.container_id() + ": " + status.error_message()));
    }
    std::unique_lock lock(mu_);
    shim_done_ = true;
    MaybeDeleteLocked(lock);
  }

  void FinishCaller(const grpc::Status& status) {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  void MaybeDeleteLocked(std::unique_lock<std::recursive_mutex>& lock) {
    if (!caller_done_ || (shim_started_ && !shim_done_)) return;
    lock.unlock();
    delete this;
  }

  TaskManager* const tasks_;
  const absl::StatusOr<std::string> ns_;
  std::shared_ptr<ShimHandle> shim_;
  grpc::ClientContext shim_context_;
  ShimSide shim_side_;
  bool started_ = false;
  std::string first_stdin_;
  bool first_close_ = false;
  pb::AttachRequest from_caller_;
  pb::AttachResponse to_caller_;
  shimpb::AttachRequest to_shim_;
  shimpb::AttachResponse from_shim_;

  // Recursive: a Start* made under it may run its reaction inline (an
  // operation on a cancelled call completes at once), and that reaction
  // takes it again.
  std::recursive_mutex mu_;
  bool finished_ = false;
  bool shim_started_ = false;
  bool shim_done_ = false;
  bool caller_done_ = false;
  bool caller_reads_over_ = false;
  bool shim_output_over_ = false;
  bool hold_released_ = false;
};

}  // namespace

grpc::ServerBidiReactor<pb::AttachRequest, pb::AttachResponse>* NewAttachRelay(
    TaskManager* tasks, absl::StatusOr<std::string> ns) {
  return new AttachRelay(tasks, std::move(ns));
}

}  // namespace berth::containerd::services
