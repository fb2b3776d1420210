#include "cli/client/connection.h"

#include <algorithm>
#include <cstring>

namespace berth::cli::client {
namespace {

class PrefixedConnection : public Connection {
 public:
  PrefixedConnection(std::unique_ptr<Connection> inner, std::string buffered)
      : inner_(std::move(inner)), buffered_(std::move(buffered)) {}

  absl::StatusOr<size_t> ReadSome(char* buf, size_t n) override {
    if (offset_ < buffered_.size()) {
      size_t take = std::min(n, buffered_.size() - offset_);
      std::memcpy(buf, buffered_.data() + offset_, take);
      offset_ += take;
      return take;
    }
    return inner_->ReadSome(buf, n);
  }
  absl::Status WriteAll(std::string_view data) override { return inner_->WriteAll(data); }
  absl::Status CloseWrite() override { return inner_->CloseWrite(); }
  void Shutdown() override { inner_->Shutdown(); }

 private:
  std::unique_ptr<Connection> inner_;
  std::string buffered_;
  size_t offset_ = 0;  // only the reading thread touches the prefix
};

}  // namespace

std::unique_ptr<Connection> WithBufferedPrefix(std::unique_ptr<Connection> inner,
                                               std::string buffered) {
  if (buffered.empty()) return inner;
  return std::make_unique<PrefixedConnection>(std::move(inner), std::move(buffered));
}

}  // namespace berth::cli::client
