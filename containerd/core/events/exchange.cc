#include "containerd/core/events/exchange.h"

#include <algorithm>
#include <chrono>

#include "berth/containerd/v1/events.pb.h"
#include "common/status.h"

namespace berth::containerd::events {
namespace {

namespace pb = ::berth::containerd::v1;

// The fields of an envelope and of its task event, for filters
// (containerd's adapt for events: namespace, topic, event.<field>).
class EnvelopeAdaptor : public metadata::FilterAdaptor {
 public:
  explicit EnvelopeAdaptor(const Envelope& e) : e_(e) {}

  std::optional<std::string> Field(const std::vector<std::string>& path) const override {
    if (path.empty()) return std::nullopt;
    if (path[0] == "namespace") return NonEmpty(e_.namespace_());
    if (path[0] == "topic") return NonEmpty(e_.topic());
    if (path[0] != "event" || path.size() != 2) return std::nullopt;
    return EventField(path[1]);
  }

 private:
  static std::optional<std::string> NonEmpty(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
  }

  // container_id and id are what clients filter on (`event.container_id==x`).
  std::optional<std::string> EventField(const std::string& name) const {
    pb::TaskExit exit;
    if (e_.event().UnpackTo(&exit)) {
      if (name == "container_id") return NonEmpty(exit.container_id());
      if (name == "id") return NonEmpty(exit.id());
      return std::nullopt;
    }
    pb::TaskCreate create;
    if (name == "container_id" && e_.event().UnpackTo(&create)) {
      return NonEmpty(create.container_id());
    }
    return std::nullopt;
  }

  const Envelope& e_;
};

}  // namespace

absl::Status ValidateTopic(std::string_view topic) {
  if (topic.empty() || topic[0] != '/' || topic.size() > 256) {
    return InvalidArgumentf("topic {:?}: must start with / and be at most 256 bytes", topic);
  }
  std::string_view rest = topic.substr(1);
  if (rest.empty()) return InvalidArgumentf("topic {:?}: must not be empty", topic);
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || (c == '/' && i + 1 < rest.size() && rest[i + 1] != '/');
    if (!ok) return InvalidArgumentf("topic {:?}: invalid character {:?}", topic, c);
  }
  return absl::OkStatus();
}

void Exchange::Publish(Envelope envelope) {
  if (!envelope.has_timestamp()) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
    envelope.mutable_timestamp()->set_seconds(nanos / 1000000000);
    envelope.mutable_timestamp()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  }
  std::lock_guard lock(mu_);
  EnvelopeAdaptor adaptor(envelope);
  for (const Subscription& s : subscriptions_) {
    if (s.filter.Match(adaptor)) s.subscriber->OnEnvelope(envelope);
  }
  if (retained_ == 0) return;
  if (recent_.size() == retained_) recent_.pop_front();
  recent_.push_back(std::move(envelope));
}

void Exchange::Subscribe(Subscriber* subscriber, metadata::Filter filter, bool replay) {
  std::lock_guard lock(mu_);
  if (replay) {
    for (const Envelope& envelope : recent_) {
      if (filter.Match(EnvelopeAdaptor(envelope))) subscriber->OnEnvelope(envelope);
    }
  }
  subscriptions_.push_back({subscriber, std::move(filter)});
}

void Exchange::Unsubscribe(Subscriber* subscriber) {
  std::lock_guard lock(mu_);
  std::erase_if(subscriptions_,
                [subscriber](const Subscription& s) { return s.subscriber == subscriber; });
}

}  // namespace berth::containerd::events
