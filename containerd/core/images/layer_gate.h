// Hands layers from a pull to an unpack running beside it: the pull marks
// each layer blob ready as it lands, the unpack waits for the one it needs
// next, and a failed pull releases the waiter with its error.
#pragma once

#include <condition_variable>
#include <mutex>
#include <set>

#include "absl/status/status.h"
#include "containerd/core/content/digest.h"

namespace berth::containerd::images {

class LayerGate {
 public:
  void Ready(const content::Digest& digest) {
    std::lock_guard lock(mu_);
    ready_.insert(digest.str());
    cv_.notify_all();
  }

  // Every later and current Wait returns `status` (not OK).
  void Fail(absl::Status status) {
    std::lock_guard lock(mu_);
    if (failed_.ok()) failed_ = std::move(status);
    cv_.notify_all();
  }

  absl::Status Wait(const content::Digest& digest) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !failed_.ok() || ready_.count(digest.str()) > 0; });
    return ready_.count(digest.str()) > 0 ? absl::OkStatus() : failed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> ready_;
  absl::Status failed_;
};

}  // namespace berth::containerd::images
