// Client-side helpers for the streaming calls of the shim API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "berth/shim/v1/shim.grpc.pb.h"

namespace berth::testing {

namespace shimpb = ::berth::shim::v1;

// Up to `count` events after `after_sequence` (waits up to 10 s for them).
std::vector<shimpb::Event> CollectEvents(shimpb::Shim::Stub& stub, uint64_t after_sequence,
                                         size_t count);

// One attachment to a process: Open() returns once the shim confirmed it.
class Attachment {
 public:
  Attachment(shimpb::Shim::Stub& stub, const std::string& id, const std::string& exec_id,
             bool want_stdout = true, bool want_stderr = true);
  ~Attachment();
  bool opened() const { return opened_; }
  bool SendStdin(const std::string& data, bool close = false);
  // Half-closes our side (no more stdin from this attacher).
  void CloseSend();
  // Reads until the stream ends (the process's output closed); returns the
  // final status.
  grpc::Status ReadAll();
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  // Reads until `text` appeared on stdout (or the stream ended).
  bool ReadUntil(const std::string& text);
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<shimpb::AttachRequest, shimpb::AttachResponse>> stream_;
  bool opened_ = false;
  bool closed_send_ = false;
  bool ended_ = false;
  std::string id_;
  std::string exec_id_;
  std::string out_;
  std::string err_;
};

}  // namespace berth::testing
