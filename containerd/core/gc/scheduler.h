// When the daemon collects garbage (containerd's gc scheduler plugin):
// after deletions, debounced — `delay` after the last one, so a burst of
// removals costs one collection — on a thread of its own, and on demand
// (Leases.Delete with sync). Collections never overlap.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/status/statusor.h"
#include "containerd/core/gc/gc.h"

namespace berth::containerd::gc {

class Scheduler {
 public:
  using CollectFn = std::function<absl::StatusOr<Report>()>;

  // Starts the thread. `collect` runs on it (or on a CollectNow caller's).
  Scheduler(CollectFn collect, std::chrono::milliseconds delay);
  // Stop().
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Something was deleted: collect `delay` from now, unless another
  // deletion comes first and pushes it back.
  void Schedule();
  // Collects now, after any collection in progress, and returns its report.
  // A scheduled collection still runs.
  absl::StatusOr<Report> CollectNow();
  // Finishes a collection in progress, drops a scheduled one, joins the
  // thread. Idempotent.
  void Stop();

  // Collections run so far (tests, logs).
  int collections() const;

 private:
  void Loop();
  absl::StatusOr<Report> RunLocked();

  const CollectFn collect_;
  const std::chrono::milliseconds delay_;
  std::mutex run_mu_;  // held while a collection runs
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::chrono::steady_clock::time_point> due_;  // guarded by mu_
  bool stopping_ = false;                                     // guarded by mu_
  int collections_ = 0;                                       // guarded by mu_
  std::thread thread_;
};

}  // namespace berth::containerd::gc
