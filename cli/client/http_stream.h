// Beast's synchronous stream concepts over a Connection, so its HTTP parser
// reads responses from whatever Dial returned (unix, TCP, TLS).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include "cli/client/connection.h"

namespace berth::cli::client {

class HttpStream {
 public:
  explicit HttpStream(Connection& conn) : conn_(conn) {}

  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    ec = {};
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b = *it;
      if (b.size() == 0) continue;
      absl::StatusOr<size_t> n = conn_.ReadSome(static_cast<char*>(b.data()), b.size());
      if (!n.ok()) {
        ec = boost::asio::error::connection_reset;
        return 0;
      }
      if (*n == 0) ec = boost::asio::error::eof;
      return *n;
    }
    return 0;
  }
  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  Connection& conn_;
};

}  // namespace berth::cli::client
