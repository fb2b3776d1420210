// docker's /events: every event berthd emits (containers, images, volumes),
// kept in a bounded history for `since` and fanned out to live subscribers.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace berth::engined::api {

class EventBus {
 public:
  // Adds an event in docker's message shape (Type, Action, Actor{ID,
  // Attributes}, scope, time, timeNano, and the old status/id/from keys).
  void Publish(const std::string& type, const std::string& action, const std::string& id,
               std::map<std::string, std::string> attributes);

  // Calls `fn` for each event after `since_nanos` (history first, then live
  // ones) until `fn` returns false, `until_nanos` passes (0: never) or
  // `cancelled()` turns true (checked at least every 500 ms).
  void Stream(int64_t since_nanos, int64_t until_nanos,
              const std::function<bool(const nlohmann::json&)>& fn,
              const std::function<bool()>& cancelled);

 private:
  static constexpr size_t kHistory = 1024;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<uint64_t, nlohmann::json>> history_;
  uint64_t next_seq_ = 1;
};

}  // namespace berth::engined::api
