// The byte stream under one HTTP connection: a unix socket, or TLS over TCP.
// The connection thread reads and writes; Server::Shutdown may call
// ShutdownBoth from another thread to unblock it.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <cstddef>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::engined::http {

class Transport {
 public:
  virtual ~Transport() = default;
  // Runs in the connection thread before any request (the TLS handshake).
  virtual absl::Status Handshake() { return absl::OkStatus(); }
  // Up to `n` bytes; asio's eof error at the end.
  virtual size_t ReadSome(void* data, size_t n, boost::system::error_code& ec) = 0;
  // False once the peer is gone (or the write failed otherwise).
  virtual bool WriteAll(std::string_view data) = 0;
  // The socket, for poll(2) and shutdown(2).
  virtual int fd() const = 0;
  // A close-on-exec duplicate of the raw connection for a hijack; the
  // transport keeps its own descriptor until it is destroyed.
  virtual absl::StatusOr<UniqueFd> DupForHijack() = 0;
};

// Unix stream socket from an asio acceptor.
class UnixTransport : public Transport {
 public:
  explicit UnixTransport(boost::asio::local::stream_protocol::socket socket)
      : socket_(std::move(socket)) {}
  size_t ReadSome(void* data, size_t n, boost::system::error_code& ec) override;
  bool WriteAll(std::string_view data) override;
  int fd() const override;
  absl::StatusOr<UniqueFd> DupForHijack() override;

 private:
  boost::asio::local::stream_protocol::socket socket_;
};

// Adapts a Transport to Beast's SyncReadStream.
class TransportReader {
 public:
  explicit TransportReader(Transport& transport) : transport_(transport) {}

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) return transport_.ReadSome(b.data(), b.size(), ec);
    }
    ec = {};
    return 0;
  }
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  Transport& transport_;
};

}  // namespace berth::engined::http
