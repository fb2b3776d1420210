#include "tests/unit/engined/http/raw_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "absl/strings/ascii.h"
#include "tests/testutil/status_testing.h"

namespace berth::engined::http::testing {

RawClient::RawClient(const std::string& socket_path) {
  fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd_.ok());
  struct timeval tv = {10, 0};
  REQUIRE(::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  REQUIRE(socket_path.size() < sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  INFO("connect " << socket_path << ": " << std::strerror(errno));
  REQUIRE(::connect(fd_.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0);
}

void RawClient::Send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    INFO("send: " << std::strerror(errno));
    REQUIRE(n > 0);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

bool RawClient::TrySend(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawClient::Fill() {
  char chunk[64 << 10];
  while (true) {
    ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

std::string RawClient::ReadHead() {
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    INFO("response so far: " << buf_);
    REQUIRE(Fill());
  }
  std::string head = buf_.substr(0, end + 4);
  buf_.erase(0, end + 4);
  return head;
}

std::string RawClient::ReadLine() {
  size_t end;
  while ((end = buf_.find("\r\n")) == std::string::npos) {
    INFO("line so far: " << buf_);
    REQUIRE(Fill());
  }
  std::string line = buf_.substr(0, end);
  buf_.erase(0, end + 2);
  return line;
}

std::string RawClient::ReadExactly(size_t n) {
  while (buf_.size() < n) {
    INFO("wanted " << n << " bytes, have " << buf_.size() << ": " << buf_);
    REQUIRE(Fill());
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, n);
  return out;
}

std::string RawClient::ReadUntilClose() {
  while (Fill()) {
  }
  return std::exchange(buf_, std::string());
}

bool RawClient::WaitClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char c;
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::recv(fd_.get(), &c, 1, 0);
    if (n == 0) return true;
    if (n < 0 && errno == ECONNRESET) return true;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;  // SO_RCVTIMEO
    if (n > 0) buf_.push_back(c);
  }
  return false;
}

void RawClient::ShutdownWrite() { REQUIRE(::shutdown(fd_.get(), SHUT_WR) == 0); }

RawResponse RawClient::ReadResponse(bool head_request) {
  RawResponse response;
  response.head = ReadHead();
  std::string_view head = response.head;
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  REQUIRE(status_line.substr(0, 9) == "HTTP/1.1 ");
  response.status = std::stoi(std::string(status_line.substr(9, 3)));
  head.remove_prefix(line_end + 2);
  while (!head.empty() && head.substr(0, 2) != "\r\n") {
    size_t end = head.find("\r\n");
    std::string_view line = head.substr(0, end);
    size_t colon = line.find(':');
    REQUIRE(colon != std::string_view::npos);
    std::string name(line.substr(0, colon));
    absl::AsciiStrToLower(&name);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers[name] = std::string(value);
    head.remove_prefix(end + 2);
  }
  if (head_request || response.status == 204 || response.status == 304) return response;
  if (response.headers.count("content-length") > 0) {
    response.body = ReadExactly(std::stoul(response.headers["content-length"]));
  } else if (response.headers["transfer-encoding"] == "chunked") {
    while (true) {
      size_t size = std::stoul(ReadLine(), nullptr, 16);
      if (size == 0) {
        REQUIRE(ReadLine().empty());
        break;
      }
      std::string chunk = ReadExactly(size);
      REQUIRE(ReadLine().empty());
      response.body += chunk;
      response.chunks.push_back(std::move(chunk));
    }
  } else {
    response.body = ReadUntilClose();
  }
  return response;
}

TestServer::TestServer() : path_(dir_.Sub("docker.sock")) {}

TestServer::~TestServer() {
  if (server_) server_->Shutdown();
}

void TestServer::Start() {
  ServerOptions options;
  options.headers = {
      {"Api-Version", "1.43"}, {"Docker-Experimental", "false"}, {"Ostype", "linux"}};
  server_ = std::make_unique<Server>(router_, options);
  REQUIRE_OK(server_->ListenUnix(path_, 0660));
  REQUIRE_OK(server_->Start());
}

std::string RawExchange(const std::string& socket_path, const std::string& request) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct timeval tv = {30, 0};
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (!fd.ok() || socket_path.size() >= sizeof(addr.sun_path)) return "";
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      ::connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
    return "";
  }
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return "";
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string Get(const std::string& target, const std::string& extra_headers) {
  return "GET " + target + " HTTP/1.1\r\nHost: docker\r\n" + extra_headers + "\r\n";
}

}  // namespace berth::engined::http::testing
