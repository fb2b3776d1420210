// A deliberately dumb HTTP client over a unix socket for the server tests:
// it sends exactly the bytes a test gives it and parses responses by hand,
// so the tests check what goes over the wire.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"
#include "engined/http/http.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::http::testing {

struct RawResponse {
  int status = 0;
  std::string head;                            // status line and headers, as received
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::vector<std::string> chunks;  // for chunked responses
};

class RawClient {
 public:
  // Connects or fails the test. Reads time out after 10 s.
  explicit RawClient(const std::string& socket_path);

  void Send(std::string_view data);
  // Send without failing the test; false once the server stopped reading.
  bool TrySend(std::string_view data);
  // One response; `head_request` means no body follows whatever the headers say.
  RawResponse ReadResponse(bool head_request = false);
  // Up to and including the blank line after the headers.
  std::string ReadHead();
  std::string ReadLine();  // without the CRLF
  std::string ReadExactly(size_t n);
  // Everything until the server closes (or the timeout).
  std::string ReadUntilClose();
  // Whether the server closed the connection (EOF, not a timeout) within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout);
  void ShutdownWrite();
  void Close() { fd_.reset(); }
  int fd() const { return fd_.get(); }

 private:
  // Appends at least one byte to buf_; false at EOF or error or timeout.
  bool Fill();

  UniqueFd fd_;
  std::string buf_;
};

// A server on a socket in a temp dir with docker's usual extra headers.
class TestServer {
 public:
  TestServer();
  ~TestServer();
  Router& router() { return router_; }
  // Starts serving router() (add routes first).
  void Start();
  Server& server() { return *server_; }
  const std::string& path() const { return path_; }
  std::unique_ptr<RawClient> Connect() { return std::make_unique<RawClient>(path_); }

 private:
  berth::testing::TempDir dir_;
  std::string path_;
  Router router_;
  std::unique_ptr<Server> server_;
};

// Connects, sends `request`, reads until the server closes: for client
// threads, where Catch assertions are not safe. Empty on any error.
std::string RawExchange(const std::string& socket_path, const std::string& request);

// "GET /x HTTP/1.1\r\nHost: docker\r\n" + extra + "\r\n"
std::string Get(const std::string& target, const std::string& extra_headers = "");

}  // namespace berth::engined::http::testing
