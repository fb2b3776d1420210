// A listening socket the accept loop polls, producing one Transport per
// accepted connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engined/http/transport.h"

namespace berth::engined::http {

class Listener {
 public:
  virtual ~Listener() = default;
  virtual int fd() = 0;
  // The next connection; nullptr when none is pending (the socket is
  // non-blocking, several loops may race for one connection).
  virtual absl::StatusOr<std::unique_ptr<Transport>> Accept() = 0;
};

class UnixListener : public Listener {
 public:
  // Binds `path` (replacing a stale socket), then chmod `mode` and chown
  // to group `gid` when >= 0. The file is removed with the listener.
  static absl::StatusOr<std::unique_ptr<Listener>> Create(boost::asio::io_context& io,
                                                          const std::string& path, unsigned mode,
                                                          int gid);
  ~UnixListener() override;
  int fd() override { return acceptor_.native_handle(); }
  absl::StatusOr<std::unique_ptr<Transport>> Accept() override;

 private:
  UnixListener(boost::asio::io_context& io, std::string path)
      : acceptor_(io), path_(std::move(path)) {}

  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
};

// Sets FD_CLOEXEC (asio opens and accepts without it).
absl::Status SetCloexec(int fd);

}  // namespace berth::engined::http
