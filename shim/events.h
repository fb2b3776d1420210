// Task events with sequence numbers. The last kRetained stay, so a client
// that reconnects after a gap asks for what came after the last one it saw.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace berth::shim {

// containerd's topics.
inline constexpr char kTopicCreate[] = "/tasks/create";
inline constexpr char kTopicStart[] = "/tasks/start";
inline constexpr char kTopicExit[] = "/tasks/exit";
inline constexpr char kTopicOom[] = "/tasks/oom";
inline constexpr char kTopicExecAdded[] = "/tasks/exec-added";
inline constexpr char kTopicExecStarted[] = "/tasks/exec-started";
inline constexpr char kTopicPaused[] = "/tasks/paused";
inline constexpr char kTopicResumed[] = "/tasks/resumed";
inline constexpr char kTopicDelete[] = "/tasks/delete";

struct TaskEvent {
  uint64_t sequence = 0;
  std::string topic;
  std::string id;
  std::string exec_id;
  uint32_t pid = 0;
  uint32_t exit_status = 0;
  std::chrono::system_clock::time_point time;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Called with the log's lock held: queue, do not block or call back.
  virtual void OnEvent(const TaskEvent& event) = 0;
};

class EventLog {
 public:
  static constexpr size_t kRetained = 1024;

  void Publish(TaskEvent event);
  // The retained events after `after_sequence`; from then on `sink` gets
  // every new one (nothing in between is lost or doubled).
  std::vector<TaskEvent> Subscribe(uint64_t after_sequence, EventSink* sink);
  void Unsubscribe(EventSink* sink);

 private:
  std::mutex mu_;
  uint64_t next_sequence_ = 1;
  std::deque<TaskEvent> retained_;
  std::set<EventSink*> sinks_;
};

}  // namespace berth::shim
