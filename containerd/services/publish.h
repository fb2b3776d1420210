// Publishing a daemon event from a service.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "containerd/core/events/exchange.h"

namespace berth::containerd::services {

inline void Publish(events::Exchange& exchange, const std::string& ns, const std::string& topic,
                    const google::protobuf::Message& event) {
  events::Envelope envelope;
  envelope.set_namespace_(ns);
  envelope.set_topic(topic);
  envelope.mutable_event()->PackFrom(event);
  exchange.Publish(std::move(envelope));
}

}  // namespace berth::containerd::services
