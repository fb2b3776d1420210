#include "bench/api_trace.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>

#include "common/status.h"

namespace berth::bench {

namespace {

absl::StatusOr<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError("socket path too long: " + path);
  }
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  return addr;
}

absl::StatusOr<UniqueFd> Connect(const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(sockaddr_un addr, Address(path));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoErrorf(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    return ErrnoErrorf(errno, "connect {}", path);
  }
  return fd;
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

bool StartsRequest(const char* data, size_t size) {
  for (const char* method : {"GET ", "POST ", "HEAD ", "PUT ", "DELETE "}) {
    std::string_view m(method);
    if (size >= m.size() && std::string_view(data, m.size()) == m) return true;
  }
  return false;
}

bool IsObjectId(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string ApiCallName(const std::string& request_line) {
  size_t sp = request_line.find(' ');
  if (sp == std::string::npos) return request_line;
  std::string method = request_line.substr(0, sp);
  size_t end = request_line.find_first_of(" ?", sp + 1);
  std::string path = request_line.substr(sp + 1, end == std::string::npos ? end : end - sp - 1);
  std::string out;
  size_t at = 0;
  bool first = true;
  while (at < path.size()) {
    size_t slash = path.find('/', at + 1);
    std::string_view part(path.data() + at,
                          (slash == std::string::npos ? path.size() : slash) - at);
    // The leading /v1.41 goes, and so do object ids.
    if (first && part.size() > 2 && part[1] == 'v' &&
        std::isdigit(static_cast<unsigned char>(part[2]))) {
      // dropped
    } else if (IsObjectId(part.substr(1))) {
      out += "/{id}";
    } else {
      out += part;
    }
    first = false;
    if (slash == std::string::npos) break;
    at = slash;
  }
  return method + " " + out;
}

absl::StatusOr<std::unique_ptr<ApiTrace>> ApiTrace::Start(const std::string& listen,
                                                          const std::string& target) {
  BERTH_ASSIGN_OR_RETURN(sockaddr_un addr, Address(listen));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoErrorf(errno, "socket");
  ::unlink(listen.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    return ErrnoErrorf(errno, "bind {}", listen);
  }
  if (::listen(fd.get(), 128) < 0) return ErrnoErrorf(errno, "listen {}", listen);
  UniqueFd stop(::eventfd(0, EFD_CLOEXEC));
  if (!stop) return ErrnoErrorf(errno, "eventfd");
  std::unique_ptr<ApiTrace> trace(new ApiTrace(listen, target, std::move(fd), std::move(stop)));
  trace->acceptor_ = std::thread([t = trace.get()] { t->AcceptLoop(); });
  return trace;
}

ApiTrace::ApiTrace(std::string listen, std::string target, UniqueFd listener, UniqueFd stop)
    : listen_(std::move(listen)),
      target_(std::move(target)),
      listener_(std::move(listener)),
      stop_(std::move(stop)) {}

ApiTrace::~ApiTrace() {
  uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof(one));
  if (acceptor_.joinable()) acceptor_.join();
  // No new relay starts once the acceptor is gone.
  for (std::thread& t : relays_) t.join();
  ::unlink(listen_.c_str());
}

std::vector<ApiCall> ApiTrace::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ApiCall> out(calls_.begin() + static_cast<std::ptrdiff_t>(taken_), calls_.end());
  taken_ = calls_.size();
  return out;
}

void ApiTrace::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) continue;
    std::lock_guard<std::mutex> lock(mu_);
    relays_.emplace_back([this, c = std::move(client)]() mutable { Relay(std::move(c)); });
  }
}

size_t ApiTrace::BeginCall(const std::string& request_line) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = std::chrono::steady_clock::now();
  calls_.push_back({ApiCallName(request_line), now, now});
  return calls_.size() - 1;
}

void ApiTrace::EndCall(size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_[index].end = std::chrono::steady_clock::now();
}

void ApiTrace::Relay(UniqueFd client) {
  absl::StatusOr<UniqueFd> server = Connect(target_);
  if (!server.ok()) return;
  bool client_open = true, server_open = true;
  bool in_call = false;
  bool hijacked = false;  // answered "101 Switching Protocols" (attach)
  size_t call = 0;
  char buf[65536];
  while (client_open || server_open) {
    pollfd fds[3] = {{client_open ? client.get() : -1, POLLIN, 0},
                     {server_open ? server->get() : -1, POLLIN, 0},
                     {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[2].revents != 0) return;
    if (fds[0].revents != 0) {
      ssize_t n = ::read(client.get(), buf, sizeof(buf));
      if (n > 0) {
        auto size = static_cast<size_t>(n);
        if (StartsRequest(buf, size)) {
          std::string_view data(buf, size);
          call = BeginCall(std::string(data.substr(0, data.find("\r\n"))));
          in_call = true;
        }
        if (!WriteAll(server->get(), buf, size)) return;
      } else if (n == 0 || errno != EINTR) {
        ::shutdown(server->get(), SHUT_WR);
        client_open = false;
      }
    }
    if (fds[1].revents != 0) {
      ssize_t n = ::read(server->get(), buf, sizeof(buf));
      if (n > 0) {
        if (in_call) EndCall(call);
        hijacked =
            hijacked || std::string_view(buf, static_cast<size_t>(n)).starts_with("HTTP/1.1 101");
        if (!WriteAll(client.get(), buf, static_cast<size_t>(n))) return;
      } else if (n == 0 || errno != EINTR) {
        // The end of a hijacked stream (attach) ends its call.
        if (in_call && hijacked) EndCall(call);
        ::shutdown(client.get(), SHUT_WR);
        server_open = false;
      }
    }
  }
}

}  // namespace berth::bench
