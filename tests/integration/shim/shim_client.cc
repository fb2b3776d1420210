#include "tests/integration/shim/shim_client.h"

#include <chrono>

namespace berth::testing {

std::vector<shimpb::Event> CollectEvents(shimpb::Shim::Stub& stub, uint64_t after_sequence,
                                         size_t count) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  shimpb::SubscribeRequest request;
  request.set_after_sequence(after_sequence);
  std::unique_ptr<grpc::ClientReader<shimpb::Event>> reader = stub.Subscribe(&context, request);
  std::vector<shimpb::Event> events;
  shimpb::Event event;
  while (events.size() < count && reader->Read(&event)) events.push_back(event);
  context.TryCancel();
  reader->Finish();
  return events;
}

Attachment::Attachment(shimpb::Shim::Stub& stub, const std::string& id, const std::string& exec_id,
                       bool want_stdout, bool want_stderr)
    : id_(id), exec_id_(exec_id) {
  context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  stream_ = stub.Attach(&context_);
  shimpb::AttachRequest first;
  first.set_id(id);
  first.set_exec_id(exec_id);
  first.set_stdout(want_stdout);
  first.set_stderr(want_stderr);
  if (!stream_->Write(first)) return;
  shimpb::AttachResponse ack;
  opened_ =
      stream_->Read(&ack) && ack.data().empty() && ack.stream() == shimpb::STD_STREAM_UNSPECIFIED;
  if (!opened_) ended_ = true;
}

Attachment::~Attachment() {
  if (!ended_) {
    context_.TryCancel();
    ReadAll();
  }
}

bool Attachment::SendStdin(const std::string& data, bool close) {
  shimpb::AttachRequest request;
  request.set_id(id_);
  request.set_exec_id(exec_id_);
  request.set_stdin(data);
  request.set_close_stdin(close);
  return stream_->Write(request);
}

void Attachment::CloseSend() {
  if (closed_send_) return;
  closed_send_ = true;
  stream_->WritesDone();
}

bool Attachment::ReadUntil(const std::string& text) {
  shimpb::AttachResponse response;
  while (out_.find(text) == std::string::npos) {
    if (!stream_->Read(&response)) return false;
    (response.stream() == shimpb::STD_STREAM_STDERR ? err_ : out_) += response.data();
  }
  return true;
}

grpc::Status Attachment::ReadAll() {
  shimpb::AttachResponse response;
  while (stream_->Read(&response)) {
    (response.stream() == shimpb::STD_STREAM_STDERR ? err_ : out_) += response.data();
  }
  CloseSend();
  ended_ = true;
  return stream_->Finish();
}

}  // namespace berth::testing
