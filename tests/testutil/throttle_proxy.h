// A TCP proxy on 127.0.0.1 that slows what the upstream sends back to a set
// rate, so a test can stop a transfer midway at a point it chooses (a pull
// killed while a layer is half fetched). Each connection is relayed by two
// threads; the proxy closes everything when destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace berth::testing {

class ThrottleProxy {
 public:
  // Relays to 127.0.0.1:`upstream_port`; `bytes_per_second` 0 is unlimited.
  ThrottleProxy(int upstream_port, int64_t bytes_per_second);
  ~ThrottleProxy();
  ThrottleProxy(const ThrottleProxy&) = delete;
  ThrottleProxy& operator=(const ThrottleProxy&) = delete;

  // "127.0.0.1:<port>"
  std::string host() const;
  void set_rate(int64_t bytes_per_second) { rate_ = bytes_per_second; }

 private:
  void AcceptLoop();
  // Copies `from` to `to` until either end closes; `throttled` applies the rate.
  void Pump(int from, int to, bool throttled);

  UniqueFd listener_;
  int port_ = 0;
  int upstream_port_;
  std::atomic<int64_t> rate_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<std::shared_ptr<UniqueFd>> sockets_;  // shut down on destruction
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace berth::testing
