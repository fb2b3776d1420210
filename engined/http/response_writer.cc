#include "engined/http/response_writer.h"

#include <poll.h>
#include <time.h>

#include <boost/beast/http/status.hpp>

#include "absl/strings/match.h"
#include "common/logger.h"
#include "common/status.h"

namespace berth::engined::http {
namespace {

std::string Reason(int status) {
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return reason.empty() ? std::string("Status") : std::string(reason.data(), reason.size());
}

// 1xx, 204 and 304 never carry a body (RFC 9110), so no length either.
bool BodylessStatus(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

std::string HttpDate() {
  time_t now = ::time(nullptr);
  struct tm tm_utc;
  ::gmtime_r(&now, &tm_utc);
  char buf[64];
  size_t n = ::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm_utc);
  return std::string(buf, n);
}

ConnectionWriter::ConnectionWriter(Transport& transport, const ServerOptions& options,
                                   RequestInfo info, std::function<std::string()> take_buffered)
    : transport_(transport),
      options_(options),
      info_(info),
      take_buffered_(std::move(take_buffered)) {}

void ConnectionWriter::SetHeader(const std::string& name, const std::string& value) {
  for (auto& [n, v] : extra_headers_) {
    if (absl::EqualsIgnoreCase(n, name)) {
      v = value;
      return;
    }
  }
  extra_headers_.emplace_back(name, value);
}

std::string ConnectionWriter::Head(int status, const std::string& content_type,
                                   const std::string& framing) {
  std::string head = fmt::format("HTTP/1.1 {} {}\r\n", status, Reason(status));
  for (const auto& [name, value] : options_.headers) head += fmt::format("{}: {}\r\n", name, value);
  if (!content_type.empty()) head += fmt::format("Content-Type: {}\r\n", content_type);
  head += fmt::format("Date: {}\r\n", HttpDate());
  head += fmt::format("Server: {}\r\n", options_.server_header);
  for (const auto& [name, value] : extra_headers_) head += fmt::format("{}: {}\r\n", name, value);
  head += framing;
  if (!info_.keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
}

bool ConnectionWriter::Send(std::string_view data) {
  if (failed_) return false;
  if (!transport_.WriteAll(data)) failed_ = true;
  return !failed_;
}

void ConnectionWriter::Body(int status, const std::string& content_type, std::string_view body) {
  if (Started()) {
    log::Warnf("http: a handler answered twice (status {} after a started response)", status);
    return;
  }
  state_ = State::kComplete;
  std::string out = Head(status, content_type, fmt::format("Content-Length: {}\r\n", body.size()));
  if (!info_.head) out.append(body);
  Send(out);
}

void ConnectionWriter::Json(int status, const nlohmann::json& body) {
  // replace: invalid UTF-8 in a value must not throw out of dump().
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');  // as Go's json.Encoder, which docker uses
  Body(status, "application/json", text);
}

void ConnectionWriter::NoBody(int status) {
  if (Started()) {
    log::Warnf("http: a handler answered twice (status {} after a started response)", status);
    return;
  }
  state_ = State::kComplete;
  Send(Head(status, "", BodylessStatus(status) ? "" : "Content-Length: 0\r\n"));
}

void ConnectionWriter::Error(int status, const std::string& message) {
  Json(status, nlohmann::json{{"message", message}});
}

void ConnectionWriter::BeginStream(int status, const std::string& content_type) {
  if (Started()) {
    log::Warnf("http: a handler started a stream after a started response");
    return;
  }
  state_ = State::kStreaming;
  Send(Head(status, content_type, "Transfer-Encoding: chunked\r\n"));
}

bool ConnectionWriter::Write(std::string_view data) {
  if (state_ != State::kStreaming) return false;
  if (info_.head) return !failed_;
  if (data.empty()) return !failed_;  // an empty chunk would end the stream
  std::string chunk = fmt::format("{:x}\r\n", data.size());
  chunk.append(data);
  chunk.append("\r\n");
  return Send(chunk);
}

bool ConnectionWriter::ClientGone() { return WaitClientGone(std::chrono::milliseconds(0)); }

bool ConnectionWriter::WaitClientGone(std::chrono::milliseconds timeout) {
  if (failed_) return true;
  // POLLRDHUP only: pending request bytes (POLLIN) are not a hang-up and
  // are left for the next request.
  struct pollfd p = {transport_.fd(), POLLRDHUP, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int wait = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(left.count(), INT32_MAX)));
    int n = ::poll(&p, 1, wait);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return true;
    if (n == 0) return false;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
  }
}

absl::StatusOr<Hijacked> ConnectionWriter::Hijack(const std::string& content_type) {
  if (Started()) return FailedPreconditionf("hijack: a response was already written");
  state_ = State::kHijacked;
  // docker's exact preamble (moby container_routes.go / exec_routes.go),
  // then the headers every response carries, then the blank line.
  std::string head = info_.upgrade
                         ? fmt::format(
                               "HTTP/1.1 101 UPGRADED\r\nContent-Type: {}\r\n"
                               "Connection: Upgrade\r\nUpgrade: tcp\r\n",
                               content_type)
                         : fmt::format("HTTP/1.1 200 OK\r\nContent-Type: {}\r\n", content_type);
  for (const auto& [name, value] : options_.headers) head += fmt::format("{}: {}\r\n", name, value);
  for (const auto& [name, value] : extra_headers_) head += fmt::format("{}: {}\r\n", name, value);
  head += "\r\n";
  if (!Send(head)) return Errorf(absl::StatusCode::kUnavailable, "hijack: the client is gone");
  // After the head: from here a TLS transport's session belongs to its relay.
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, transport_.DupForHijack());
  return Hijacked{std::move(fd), take_buffered_ ? take_buffered_() : std::string()};
}

bool ConnectionWriter::Finish() {
  switch (state_) {
    case State::kNone:
      log::Errorf("http: a handler returned without writing a response");
      Error(500, "handler wrote no response");
      break;
    case State::kStreaming:
      if (!info_.head) Send("0\r\n\r\n");
      break;
    case State::kComplete:
    case State::kHijacked:
      break;
  }
  return !failed_ && info_.keep_alive && state_ != State::kHijacked;
}

}  // namespace berth::engined::http
