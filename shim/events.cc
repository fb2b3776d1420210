#include "shim/events.h"

namespace berth::shim {

void EventLog::Publish(TaskEvent event) {
  std::lock_guard lock(mu_);
  event.sequence = next_sequence_++;
  if (event.time == std::chrono::system_clock::time_point()) {
    event.time = std::chrono::system_clock::now();
  }
  for (EventSink* sink : sinks_) sink->OnEvent(event);
  retained_.push_back(std::move(event));
  if (retained_.size() > kRetained) retained_.pop_front();
}

std::vector<TaskEvent> EventLog::Subscribe(uint64_t after_sequence, EventSink* sink) {
  std::lock_guard lock(mu_);
  std::vector<TaskEvent> replay;
  for (const TaskEvent& event : retained_) {
    if (event.sequence > after_sequence) replay.push_back(event);
  }
  sinks_.insert(sink);
  return replay;
}

void EventLog::Unsubscribe(EventSink* sink) {
  std::lock_guard lock(mu_);
  sinks_.erase(sink);
}

}  // namespace berth::shim
