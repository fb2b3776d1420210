// The ResponseWriter of one request on a connection: formats the status
// line and headers itself so each chunk goes out as soon as it is written.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engined/http/http.h"
#include "engined/http/transport.h"

namespace berth::engined::http {

class ConnectionWriter : public ResponseWriter {
 public:
  struct RequestInfo {
    bool head = false;       // HEAD: headers only
    bool upgrade = false;    // the request carried an Upgrade header
    bool keep_alive = true;  // the client allows another request
  };
  // `take_buffered` hands over the bytes read past the request (hijack).
  ConnectionWriter(Transport& transport, const ServerOptions& options, RequestInfo info,
                   std::function<std::string()> take_buffered);

  void SetHeader(const std::string& name, const std::string& value) override;
  void Json(int status, const nlohmann::json& body) override;
  void Body(int status, const std::string& content_type, std::string_view body) override;
  void NoBody(int status) override;
  void Error(int status, const std::string& message) override;
  using ResponseWriter::Error;
  void BeginStream(int status, const std::string& content_type) override;
  bool Write(std::string_view data) override;
  bool ClientGone() override;
  bool WaitClientGone(std::chrono::milliseconds timeout) override;
  absl::StatusOr<Hijacked> Hijack(const std::string& content_type) override;
  bool Started() const override { return state_ != State::kNone; }

  // The connection cannot carry another response (a handler threw mid-stream).
  void Abort() { failed_ = true; }
  // Ends the response after the handler returned: the terminating chunk of
  // a stream, or a 500 when the handler wrote nothing. Whether the
  // connection may serve another request.
  bool Finish();
  bool hijacked() const { return state_ == State::kHijacked; }

 private:
  enum class State { kNone, kComplete, kStreaming, kHijacked };

  // Status line and headers up to and including the blank line.
  std::string Head(int status, const std::string& content_type, const std::string& framing);
  bool Send(std::string_view data);

  Transport& transport_;
  const ServerOptions& options_;
  RequestInfo info_;
  std::function<std::string()> take_buffered_;
  std::vector<std::pair<std::string, std::string>> extra_headers_;
  State state_ = State::kNone;
  bool failed_ = false;
};

// "Mon, 02 Jan 2006 15:04:05 GMT" for now.
std::string HttpDate();

}  // namespace berth::engined::http
