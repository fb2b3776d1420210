// One client connection: reads requests with Beast's parser, routes them,
// runs the handler in this thread, and keeps the connection alive between
// requests until the client or the server closes it.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <mutex>

#include "engined/http/http.h"
#include "engined/http/transport.h"

namespace berth::engined::http {

class Connection {
 public:
  Connection(std::unique_ptr<Transport> transport, const Router& router,
             const ServerOptions& options);

  // Serves requests until the connection ends; never throws.
  void Serve();
  // From another thread (Server::Shutdown): shuts the socket down both
  // ways so blocked reads, writes and polls in Serve() return.
  void ShutdownSocket();

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  // One request and its response; false when the connection must end.
  bool ServeOne();
  // Up to `n` body bytes (0 at the end of the body).
  absl::StatusOr<size_t> ReadBodySome(Parser& parser, char* buf, size_t n);
  // The whole body, or 413-worthy ResourceExhausted past `limit`.
  absl::StatusOr<std::string> ReadWholeBody(Parser& parser, size_t limit);
  // Reads and drops what a handler left of the body; false if too much.
  bool DrainBody(Parser& parser);
  // The bytes read past the current request, removed from the buffer.
  std::string TakeBuffered();
  // A bare response for requests that never reach a handler.
  void SendRaw(int status, const std::string& message);

  const Router& router_;
  const ServerOptions& options_;
  std::mutex mu_;  // guards transport_ against ShutdownSocket during close
  std::unique_ptr<Transport> transport_;
  TransportReader reader_;
  boost::beast::flat_buffer buffer_;
  bool expect_continue_ = false;
};

}  // namespace berth::engined::http
