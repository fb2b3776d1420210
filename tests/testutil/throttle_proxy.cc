#include "tests/testutil/throttle_proxy.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

namespace berth::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ThrottleProxy::ThrottleProxy(int upstream_port, int64_t bytes_per_second)
    : upstream_port_(upstream_port), rate_(bytes_per_second) {
  listener_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(listener_);
  sockaddr_in addr = Loopback(0);
  REQUIRE(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port_ = ntohs(addr.sin_port);
  REQUIRE(::listen(listener_.get(), 64) == 0);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

ThrottleProxy::~ThrottleProxy() {
  stopping_ = true;
  ::shutdown(listener_.get(), SHUT_RDWR);
  acceptor_.join();
  {
    std::lock_guard lock(mu_);
    for (const auto& s : sockets_) ::shutdown(s->get(), SHUT_RDWR);
  }
  for (std::thread& t : threads_) t.join();
}

std::string ThrottleProxy::host() const { return fmt::format("127.0.0.1:{}", port_); }

void ThrottleProxy::AcceptLoop() {
  for (;;) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down
    }
    auto client = std::make_shared<UniqueFd>(fd);
    auto upstream = std::make_shared<UniqueFd>(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr = Loopback(upstream_port_);
    if (::connect(upstream->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      continue;  // the client sees its connection closed
    }
    std::lock_guard lock(mu_);
    if (stopping_) return;
    sockets_.push_back(client);
    sockets_.push_back(upstream);
    // The fds stay open until the proxy goes: both pumps may still use them.
    threads_.emplace_back(
        [this, client, upstream] { Pump(client->get(), upstream->get(), false); });
    threads_.emplace_back([this, client, upstream] { Pump(upstream->get(), client->get(), true); });
  }
}

void ThrottleProxy::Pump(int from, int to, bool throttled) {
  // Small slices keep the rate smooth: 16 KiB at a time.
  char buffer[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(from, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!WriteAll(to, buffer, static_cast<size_t>(n))) break;
    int64_t rate = rate_;
    if (throttled && rate > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(n * 1000000 / rate));
    }
  }
  ::shutdown(to, SHUT_WR);
}

}  // namespace berth::testing
