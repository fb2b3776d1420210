// Events: Publish into the exchange, Subscribe as a callback stream (no
// thread per subscriber).
#pragma once

#include "berth/containerd/v1/events.grpc.pb.h"
#include "containerd/core/events/exchange.h"

namespace berth::containerd::services {

using EventsServiceBase =
    berth::containerd::v1::Events::WithCallbackMethod_Subscribe<berth::containerd::v1::Events::Service>;

class EventsService final : public EventsServiceBase {
 public:
  explicit EventsService(events::Exchange* exchange) : exchange_(exchange) {}

  grpc::Status Publish(grpc::ServerContext* context,
                       const berth::containerd::v1::PublishRequest* request,
                       google::protobuf::Empty* response) override;
  grpc::ServerWriteReactor<berth::containerd::v1::Envelope>* Subscribe(
      grpc::CallbackServerContext* context,
      const berth::containerd::v1::SubscribeRequest* request) override;

 private:
  events::Exchange* const exchange_;
};

}  // namespace berth::containerd::services
