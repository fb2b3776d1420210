#include "engined/api/event_bus.h"

#include "common/time_util.h"

namespace berth::engined::api {

void EventBus::Publish(const std::string& type, const std::string& action, const std::string& id,
                       std::map<std::string, std::string> attributes) {
  struct timespec now = RealtimeNow();
  int64_t nanos = int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
  nlohmann::json e = {
      {"Type", type},     {"Action", action},   {"Actor", {{"ID", id}, {"Attributes", attributes}}},
      {"scope", "local"}, {"time", now.tv_sec}, {"timeNano", nanos},
  };
  if (type == "container") {
    e["status"] = action;
    e["id"] = id;
    if (auto it = attributes.find("image"); it != attributes.end()) e["from"] = it->second;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    history_.emplace_back(next_seq_++, std::move(e));
    if (history_.size() > kHistory) history_.pop_front();
  }
  cv_.notify_all();
}

void EventBus::Stream(int64_t since_nanos, int64_t until_nanos,
                      const std::function<bool(const nlohmann::json&)>& fn,
                      const std::function<bool()>& cancelled) {
  uint64_t seen = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Without `since` only new events are sent.
    if (since_nanos <= 0 && !history_.empty()) seen = history_.back().first;
  }
  auto now_nanos = [] {
    struct timespec t = RealtimeNow();
    return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
  };
  for (;;) {
    std::vector<nlohmann::json> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(500),
                   [&] { return !history_.empty() && history_.back().first > seen; });
      for (const auto& [seq, e] : history_) {
        if (seq <= seen) continue;
        seen = seq;
        int64_t t = e.value("timeNano", int64_t{0});
        if (t < since_nanos) continue;
        if (until_nanos > 0 && t > until_nanos) return;
        batch.push_back(e);
      }
    }
    for (const nlohmann::json& e : batch) {
      if (!fn(e)) return;
    }
    if (until_nanos > 0 && now_nanos() > until_nanos) return;
    if (cancelled && cancelled()) return;
  }
}

}  // namespace berth::engined::api
