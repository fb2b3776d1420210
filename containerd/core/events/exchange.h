// The daemon's event exchange: publishers (the shim event streams, the
// services, Events.Publish) hand envelopes in; every subscriber whose filter
// matches gets them, in publish order. Like containerd's core/events/exchange,
// plus a bounded record of what was published since the daemon started, so a
// client that subscribes after a restart still sees the exits reconciled
// while it was away (Subscribe with replay).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/containerd/v1/events.pb.h"
#include "containerd/core/metadata/filters.h"

namespace berth::containerd::events {

using Envelope = berth::containerd::v1::Envelope;

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Called with the exchange's lock held, in publish order: queue, do not block.
  virtual void OnEnvelope(const Envelope& envelope) = 0;
};

// Topics are containerd's: "/" then lowercase path elements.
absl::Status ValidateTopic(std::string_view topic);

class Exchange {
 public:
  static constexpr size_t kDefaultRetained = 4096;
  explicit Exchange(size_t retained = kDefaultRetained) : retained_(retained) {}

  // Stamps the time when the envelope has none and delivers it.
  void Publish(Envelope envelope);

  // Registers `subscriber` for envelopes matching `filter` (fields: topic,
  // namespace, event.<field> of the known task events). With `replay`, the
  // retained envelopes that match are delivered first, before any newer one.
  void Subscribe(Subscriber* subscriber, metadata::Filter filter, bool replay);
  // After this returns, `subscriber` gets nothing more.
  void Unsubscribe(Subscriber* subscriber);

 private:
  struct Subscription {
    Subscriber* subscriber;
    metadata::Filter filter;
  };

  const size_t retained_;
  std::mutex mu_;
  std::vector<Subscription> subscriptions_;
  std::deque<Envelope> recent_;
};

}  // namespace berth::containerd::events
