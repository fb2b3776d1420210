#include "containerd/core/gc/scheduler.h"

#include <utility>

namespace berth::containerd::gc {

Scheduler::Scheduler(CollectFn collect, std::chrono::milliseconds delay)
    : collect_(std::move(collect)), delay_(delay), thread_([this] { Loop(); }) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Schedule() {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  due_ = std::chrono::steady_clock::now() + delay_;
  cv_.notify_all();
}

absl::StatusOr<Report> Scheduler::CollectNow() {
  std::lock_guard run(run_mu_);
  return RunLocked();
}

absl::StatusOr<Report> Scheduler::RunLocked() {
  absl::StatusOr<Report> report = collect_();
  std::lock_guard lock(mu_);
  ++collections_;
  return report;
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    due_.reset();
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

int Scheduler::collections() const {
  std::lock_guard lock(mu_);
  return collections_;
}

void Scheduler::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || due_.has_value(); });
    if (stopping_) return;
    // Sleep to the deadline; a Schedule meanwhile moves it, and the wait
    // starts over against the new one.
    const auto due = *due_;
    if (cv_.wait_until(lock, due, [&] { return stopping_ || due_ != due; })) continue;
    due_.reset();
    lock.unlock();
    {
      std::lock_guard run(run_mu_);
      (void)RunLocked();  // the collect function logs its own outcome
    }
    lock.lock();
  }
}

}  // namespace berth::containerd::gc
