#include "containerd/services/events_service.h"

#include <deque>
#include <mutex>

#include "common/grpc/status_convert.h"
#include "containerd/services/request_namespace.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;

// A subscriber falling this far behind is cut off rather than let the
// daemon's memory grow without bound.
constexpr size_t kMaxQueued = 65536;

class SubscribeReactor final : public grpc::ServerWriteReactor<pb::Envelope>,
                               public events::Subscriber {
 public:
  SubscribeReactor(events::Exchange* exchange, metadata::Filter filter, bool replay)
      : exchange_(exchange) {
    exchange_->Subscribe(this, std::move(filter), replay);
  }

  void OnEnvelope(const pb::Envelope& envelope) override {
    std::lock_guard lock(mu_);
    if (finished_) return;
    if (queue_.size() >= kMaxQueued) {
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "subscribe: too many events not read; subscribe again"));
      return;
    }
    queue_.push_back(envelope);
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
    exchange_->Unsubscribe(this);
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

  events::Exchange* const exchange_;
  std::mutex mu_;
  std::deque<pb::Envelope> queue_;
  bool writing_ = false;
  bool finished_ = false;
};

// A stream that fails before it starts.
class FailedReactor final : public grpc::ServerWriteReactor<pb::Envelope> {
 public:
  explicit FailedReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::Status EventsService::Publish(grpc::ServerContext* context,
                                    const pb::PublishRequest* request, google::protobuf::Empty*) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return grpcutil::ToGrpc(ns.status());
  if (absl::Status valid = events::ValidateTopic(request->topic()); !valid.ok()) {
    return grpcutil::ToGrpc(valid);
  }
  if (!request->has_event() || request->event().type_url().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "publish: no event");
  }
  pb::Envelope envelope;
  envelope.set_namespace_(*ns);
  envelope.set_topic(request->topic());
  *envelope.mutable_event() = request->event();
  exchange_->Publish(std::move(envelope));
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<pb::Envelope>* EventsService::Subscribe(
    grpc::CallbackServerContext*, const pb::SubscribeRequest* request) {
  std::vector<std::string> filters(request->filters().begin(), request->filters().end());
  absl::StatusOr<metadata::Filter> filter = metadata::Filter::ParseAll(filters);
  if (!filter.ok()) return new FailedReactor(grpcutil::ToGrpc(filter.status()));
  return new SubscribeReactor(exchange_, *std::move(filter), request->replay());
}

}  // namespace berth::containerd::services
