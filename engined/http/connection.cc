#include "engined/http/connection.h"

#include <sys/socket.h>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "engined/http/response_writer.h"
#include "engined/http/target.h"

namespace berth::engined::http {
namespace {

namespace beast_http = boost::beast::http;

// Go's net/http allows 1 MiB of headers; docker's X-Registry-Auth is large.
constexpr uint32_t kHeaderLimit = 1 << 20;
// What a handler may leave unread before the connection is closed instead
// of drained (as Go's server does).
constexpr size_t kMaxDrain = 256 << 10;

bool IsParseError(const boost::system::error_code& ec) {
  return ec.category() == beast_http::make_error_code(beast_http::error::bad_method).category() &&
         ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message;
}

std::string_view View(boost::beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace

Connection::Connection(std::unique_ptr<Transport> transport, const Router& router,
                       const ServerOptions& options)
    : router_(router), options_(options), transport_(std::move(transport)), reader_(*transport_) {}

void Connection::ShutdownSocket() {
  std::lock_guard<std::mutex> lock(mu_);
  if (transport_ != nullptr) ::shutdown(transport_->fd(), SHUT_RDWR);
}

void Connection::Serve() {
  try {
    absl::Status handshake = transport_->Handshake();
    if (handshake.ok()) {
      while (ServeOne()) {
      }
    } else {
      log::Debugf("http: {}", handshake);
    }
  } catch (const std::exception& e) {
    log::Errorf("http: connection ended by an exception: {}", e.what());
  } catch (...) {
    log::Errorf("http: connection ended by an unknown exception");
  }
  std::lock_guard<std::mutex> lock(mu_);
  transport_.reset();
}

std::string Connection::TakeBuffered() {
  auto data = buffer_.data();
  std::string out(static_cast<const char*>(data.data()), data.size());
  buffer_.consume(buffer_.size());
  return out;
}

void Connection::SendRaw(int status, const std::string& message) {
  ConnectionWriter writer(*transport_, options_,
                          {.head = false, .upgrade = false, .keep_alive = false}, nullptr);
  writer.Error(status, message);
}

absl::StatusOr<size_t> Connection::ReadBodySome(Parser& parser, char* buf, size_t n) {
  if (n == 0 || parser.is_done()) return 0;
  if (expect_continue_) {
    // The client waits for this before it sends the body (curl does for
    // large uploads).
    expect_continue_ = false;
    if (!transport_->WriteAll("HTTP/1.1 100 Continue\r\n\r\n")) {
      return Errorf(absl::StatusCode::kUnavailable, "read request body: the client is gone");
    }
  }
  while (!parser.is_done()) {
    parser.get().body().data = buf;
    parser.get().body().size = n;
    parser.get().body().more = true;
    boost::system::error_code ec;
    beast_http::read_some(reader_, buffer_, parser, ec);
    if (ec == beast_http::error::need_buffer) ec = {};
    if (ec) {
      return Errorf(absl::StatusCode::kUnavailable, "read request body: {}", ec.message());
    }
    size_t got = n - parser.get().body().size;
    if (got > 0) return got;
  }
  return 0;
}

absl::StatusOr<std::string> Connection::ReadWholeBody(Parser& parser, size_t limit) {
  std::string body;
  if (auto length = parser.content_length(); length && *length > limit) {
    return Errorf(absl::StatusCode::kResourceExhausted,
                  "request body of {} bytes exceeds the limit of {} bytes", *length, limit);
  }
  char chunk[64 << 10];
  while (true) {
    BERTH_ASSIGN_OR_RETURN(size_t n, ReadBodySome(parser, chunk, sizeof(chunk)));
    if (n == 0) return body;
    if (body.size() + n > limit) {
      return Errorf(absl::StatusCode::kResourceExhausted,
                    "request body exceeds the limit of {} bytes", limit);
    }
    body.append(chunk, n);
  }
}

bool Connection::DrainBody(Parser& parser) {
  if (parser.is_done()) return true;
  // A client still waiting for "100 Continue" has sent no body: the
  // request ends here for it, but the connection cannot be reused safely.
  if (expect_continue_) return false;
  char chunk[16 << 10];
  size_t drained = 0;
  while (drained <= kMaxDrain) {
    absl::StatusOr<size_t> n = ReadBodySome(parser, chunk, sizeof(chunk));
    if (!n.ok()) return false;
    if (*n == 0) return true;
    drained += *n;
  }
  return false;
}

bool Connection::ServeOne() {
  Parser parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  boost::system::error_code ec;
  beast_http::read_header(reader_, buffer_, parser, ec);
  if (ec) {
    if (IsParseError(ec)) SendRaw(400, fmt::format("malformed HTTP request: {}", ec.message()));
    return false;
  }
  const auto& message = parser.get();

  Request request;
  request.method = std::string(View(message.method_string()));
  for (const auto& field : message) {
    std::string name(View(field.name_string()));
    absl::AsciiStrToLower(&name);
    std::string value(View(field.value()));
    auto [it, inserted] = request.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;  // repeated headers, as RFC 9110 joins them
  }
  expect_continue_ = absl::EqualsIgnoreCase(ToAbsl(request.Header("expect")), "100-continue");

  ConnectionWriter::RequestInfo info;
  info.head = request.method == "HEAD";
  info.upgrade = request.headers.count("upgrade") > 0;  // docker checks presence only
  info.keep_alive = message.keep_alive();
  ConnectionWriter writer(*transport_, options_, info, [this] { return TakeBuffered(); });

  absl::StatusOr<Target> target =
      ParseTarget(View(message.target()), options_.min_api_version, options_.api_version);
  Router::Found found;
  if (target.ok()) {
    request.api_version = target->api_version;
    request.path = target->path;
    request.path_segments = std::move(target->segments);
    request.query = std::move(target->query);
    found = router_.Find(request);
  }

  if (found.handler != nullptr && found.options.stream_body) {
    request.body_reader = [this, &parser](char* buf, size_t n) {
      return ReadBodySome(parser, buf, n);
    };
  } else {
    absl::StatusOr<std::string> body = ReadWholeBody(parser, kMaxBody);
    if (body.status().code() == absl::StatusCode::kResourceExhausted) {
      info.keep_alive = false;
      ConnectionWriter too_large(*transport_, options_, info, nullptr);
      too_large.Error(413, std::string(body.status().message()));
      return false;
    }
    if (!body.ok()) return false;  // the client hung up mid-body
    request.body = *std::move(body);
  }

  if (!target.ok()) {
    writer.Error(target.status());
  } else if (found.handler == nullptr && found.allowed.empty()) {
    writer.Error(404, "page not found");
  } else if (found.handler == nullptr) {
    writer.SetHeader("Allow", Join(found.allowed, ", "));
    writer.Error(405, fmt::format("method {} is not allowed for {} (allowed: {})", request.method,
                                  request.path, Join(found.allowed, ", ")));
  } else {
    try {
      (*found.handler)(request, writer);
    } catch (const std::exception& e) {
      log::Errorf("http: handler for {} {} threw: {}", request.method, request.path, e.what());
      if (!writer.Started()) {
        writer.Error(500, fmt::format("internal error: {}", e.what()));
      } else {
        writer.Abort();
      }
    } catch (...) {
      log::Errorf("http: handler for {} {} threw a non-exception", request.method, request.path);
      if (!writer.Started()) {
        writer.Error(500, "internal error: unknown exception");
      } else {
        writer.Abort();
      }
    }
  }

  bool keep_alive = writer.Finish();
  if (writer.hijacked()) return false;
  return keep_alive && DrainBody(parser);
}

}  // namespace berth::engined::http
