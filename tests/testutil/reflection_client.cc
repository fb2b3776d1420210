#include "tests/testutil/reflection_client.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <algorithm>

#include "common/grpc/status_convert.h"
#include "common/status.h"
#include "common/strings.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace berth::testing {
namespace {

namespace pb = google::protobuf;
namespace reflection = grpc::reflection::v1alpha;

absl::Status FromProtobuf(const pb::util::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // protobuf's util::StatusCode uses the canonical numbering too.
  return absl::Status(static_cast<absl::StatusCode>(static_cast<int>(status.code())),
                      status.message().ToString());
}

// One ServerReflectionInfo stream: a request, then its response, in turn.
class ReflectionStream {
 public:
  ReflectionStream(const std::shared_ptr<grpc::ChannelInterface>& channel,
                   std::chrono::system_clock::time_point deadline)
      : stub_(reflection::ServerReflection::NewStub(channel)) {
    context_.set_deadline(deadline);
    stream_ = stub_->ServerReflectionInfo(&context_);
  }
  ~ReflectionStream() {
    if (!finished_) {
      context_.TryCancel();
      (void)Finish();
    }
  }
  ReflectionStream(const ReflectionStream&) = delete;
  ReflectionStream& operator=(const ReflectionStream&) = delete;

  absl::StatusOr<reflection::ServerReflectionResponse> Ask(
      const reflection::ServerReflectionRequest& request) {
    reflection::ServerReflectionResponse response;
    if (!stream_->Write(request) || !stream_->Read(&response)) {
      absl::Status status = Finish();
      if (status.ok()) status = absl::UnavailableError("the server ended the stream");
      return WithContext(status, "server reflection");
    }
    if (response.has_error_response()) {
      const reflection::ErrorResponse& error = response.error_response();
      return absl::Status(static_cast<absl::StatusCode>(error.error_code()),
                          "server reflection: " + error.error_message());
    }
    return response;
  }

  absl::Status Finish() {
    finished_ = true;
    stream_->WritesDone();
    return grpcutil::FromGrpc(stream_->Finish());
  }

 private:
  std::unique_ptr<reflection::ServerReflection::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<reflection::ServerReflectionRequest,
                                           reflection::ServerReflectionResponse>>
      stream_;
  bool finished_ = false;
};

// "pkg.Service/Method" or "pkg.Service.Method" -> {"pkg.Service", "Method"}.
absl::StatusOr<std::pair<std::string, std::string>> SplitMethodName(const std::string& name) {
  size_t at = name.find('/');
  if (at == std::string::npos) at = name.rfind('.');
  if (at == std::string::npos || at == 0 || at + 1 == name.size()) {
    return InvalidArgumentf("method {}: want pkg.Service/Method", name);
  }
  return std::make_pair(name.substr(0, at), name.substr(at + 1));
}

class CollectErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message* /*descriptor*/, ErrorLocation /*location*/,
                const std::string& message) override {
    if (!errors_.empty()) errors_ += "; ";
    errors_ += filename + ": " + element_name + ": " + message;
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

absl::StatusOr<std::string> FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  BERTH_RETURN_IF_ERROR(grpcutil::FromGrpc(buffer.Dump(&slices)));
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Waits for the operation tagged `tag` on a completion queue that has one
// operation in flight at a time; false if it failed (the call is over).
bool Await(grpc::CompletionQueue& cq, void* tag) {
  void* got = nullptr;
  bool ok = false;
  if (!cq.Next(&got, &ok)) return false;
  return ok && got == tag;
}

// Shuts the queue down and drains it, as gRPC requires before destroying it.
void Drain(grpc::CompletionQueue& cq) {
  cq.Shutdown();
  void* got = nullptr;
  bool ok = false;
  while (cq.Next(&got, &ok)) {
  }
}

void AddMetadata(grpc::ClientContext& context, const ReflectionCallOptions& options) {
  for (const auto& [key, value] : options.metadata) context.AddMetadata(key, value);
}

// "pkg.Service/Method"; the call's path has a leading '/'.
std::string MethodName(const pb::MethodDescriptor& method) {
  return method.service()->full_name() + "/" + method.name();
}

}  // namespace

ReflectionClient::ReflectionClient(std::shared_ptr<grpc::ChannelInterface> channel)
    : channel_(std::move(channel)) {}

ReflectionClient::~ReflectionClient() = default;

absl::StatusOr<std::vector<std::string>> ReflectionClient::ListServices(
    std::chrono::milliseconds timeout) {
  ReflectionStream stream(channel_, std::chrono::system_clock::now() + timeout);
  reflection::ServerReflectionRequest request;
  request.set_list_services("*");
  BERTH_ASSIGN_OR_RETURN(reflection::ServerReflectionResponse response, stream.Ask(request));
  if (!response.has_list_services_response()) {
    return absl::InternalError("server reflection: list_services answered with another response");
  }
  std::vector<std::string> names;
  for (const reflection::ServiceResponse& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  BERTH_RETURN_IF_ERROR(WithContext(stream.Finish(), "server reflection"));
  return names;
}

absl::StatusOr<const pb::MethodDescriptor*> ReflectionClient::FindMethod(
    const std::string& method, std::chrono::milliseconds timeout) {
  return FindMethodBy(method, std::chrono::system_clock::now() + timeout);
}

absl::StatusOr<const pb::MethodDescriptor*> ReflectionClient::FindMethodBy(
    const std::string& method, Deadline deadline) {
  BERTH_ASSIGN_OR_RETURN(auto names, SplitMethodName(method));
  const auto& [service_name, method_name] = names;
  const pb::ServiceDescriptor* service = pool_.FindServiceByName(service_name);
  if (service == nullptr) {
    absl::Status loaded = LoadFileContainingSymbol(service_name, deadline);
    if (absl::IsNotFound(loaded)) {
      return NotFoundf("method {}: the server has no service {} ({})", method, service_name,
                       ToStd(loaded.message()));
    }
    BERTH_RETURN_IF_ERROR(WithContext(loaded, "method " + method));
    service = pool_.FindServiceByName(service_name);
    if (service == nullptr) {
      return NotFoundf("method {}: {} is not a service", method, service_name);
    }
  }
  const pb::MethodDescriptor* found = service->FindMethodByName(method_name);
  if (found == nullptr) {
    return NotFoundf("method {}: service {} has no method {}", method, service_name, method_name);
  }
  return found;
}

absl::Status ReflectionClient::LoadFileContainingSymbol(const std::string& symbol,
                                                        Deadline deadline) {
  ReflectionStream stream(channel_, deadline);
  std::vector<std::string> received;
  auto take = [&](const reflection::ServerReflectionResponse& response) -> absl::Status {
    if (!response.has_file_descriptor_response()) {
      return absl::InternalError("server reflection: expected file descriptors");
    }
    for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
      pb::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) {
        return absl::InternalError("server reflection: unparsable FileDescriptorProto");
      }
      std::string name = file.name();
      if (files_.emplace(name, std::move(file)).second) received.push_back(name);
    }
    return absl::OkStatus();
  };

  reflection::ServerReflectionRequest request;
  request.set_file_containing_symbol(symbol);
  BERTH_ASSIGN_OR_RETURN(reflection::ServerReflectionResponse response, stream.Ask(request));
  BERTH_RETURN_IF_ERROR(take(response));
  // The server may leave out imports; ask for any still missing by name.
  for (size_t i = 0; i < received.size(); ++i) {
    std::vector<std::string> deps(files_.at(received[i]).dependency().begin(),
                                  files_.at(received[i]).dependency().end());
    for (const std::string& dep : deps) {
      if (files_.contains(dep) || pool_.FindFileByName(dep) != nullptr) continue;
      reflection::ServerReflectionRequest by_name;
      by_name.set_file_by_filename(dep);
      BERTH_ASSIGN_OR_RETURN(response, stream.Ask(by_name));
      BERTH_RETURN_IF_ERROR(take(response));
    }
  }
  BERTH_RETURN_IF_ERROR(WithContext(stream.Finish(), "server reflection"));

  for (const std::string& name : received) {
    std::vector<std::string> building;
    BERTH_RETURN_IF_ERROR(BuildFile(name, building));
  }
  return absl::OkStatus();
}

// Builds `name` into pool_ after its imports; `building` is the import chain.
absl::Status ReflectionClient::BuildFile(const std::string& name,
                                         std::vector<std::string>& building) {
  if (pool_.FindFileByName(name) != nullptr) return absl::OkStatus();
  if (std::find(building.begin(), building.end(), name) != building.end()) {
    return InvalidArgumentf("descriptor {}: import cycle", name);
  }
  auto it = files_.find(name);
  if (it == files_.end()) {
    return NotFoundf("descriptor {}: the server did not send it", name);
  }
  building.push_back(name);
  for (const std::string& dep : it->second.dependency()) {
    BERTH_RETURN_IF_ERROR(BuildFile(dep, building));
  }
  building.pop_back();
  CollectErrors errors;
  if (pool_.BuildFileCollectingErrors(it->second, &errors) == nullptr) {
    return InvalidArgumentf("descriptor {}: {}", name, errors.errors());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<pb::Message>> ReflectionClient::ParseRequest(
    const pb::MethodDescriptor& method, const std::string& json) {
  std::unique_ptr<pb::Message> request(factory_.GetPrototype(method.input_type())->New());
  absl::Status parsed = FromProtobuf(pb::util::JsonStringToMessage(json, request.get()));
  if (!parsed.ok()) {
    return InvalidArgumentf("request for {}: {} as JSON: {}", MethodName(method),
                            method.input_type()->full_name(), ToStd(parsed.message()));
  }
  return request;
}

absl::StatusOr<std::string> ReflectionClient::ResponseToJson(const pb::MethodDescriptor& method,
                                                             const std::string& bytes) {
  std::unique_ptr<pb::Message> response(factory_.GetPrototype(method.output_type())->New());
  if (!response->ParseFromString(bytes)) {
    return absl::InternalError("response of " + MethodName(method) + ": not a " +
                               method.output_type()->full_name());
  }
  pb::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  std::string json;
  BERTH_RETURN_IF_ERROR(
      WithContext(FromProtobuf(pb::util::MessageToJsonString(*response, &json, print)),
                  "response of " + MethodName(method) + " as JSON"));
  return json;
}

absl::StatusOr<std::string> ReflectionClient::CallUnary(const std::string& method,
                                                        const std::string& request_json,
                                                        const ReflectionCallOptions& options) {
  Deadline deadline = std::chrono::system_clock::now() + options.timeout;
  BERTH_ASSIGN_OR_RETURN(const pb::MethodDescriptor* descriptor, FindMethodBy(method, deadline));
  if (descriptor->client_streaming() || descriptor->server_streaming()) {
    return InvalidArgumentf("method {}: streams; CallUnary calls unary methods only", method);
  }
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<pb::Message> request,
                         ParseRequest(*descriptor, request_json));

  grpc::ClientContext context;
  context.set_deadline(deadline);
  AddMetadata(context, options);
  grpc::CompletionQueue cq;
  grpc::GenericStub stub(channel_);
  grpc::ByteBuffer request_bytes = ToByteBuffer(request->SerializeAsString());
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, "/" + MethodName(*descriptor), request_bytes, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  int tag = 0;
  call->Finish(&response, &status, &tag);
  bool done = Await(cq, &tag);
  Drain(cq);
  if (!done) return absl::InternalError("call " + method + ": completion queue failed");
  BERTH_RETURN_IF_ERROR(WithContext(grpcutil::FromGrpc(status), "call " + method));
  BERTH_ASSIGN_OR_RETURN(std::string bytes, FromByteBuffer(response));
  return ResponseToJson(*descriptor, bytes);
}

absl::StatusOr<std::vector<std::string>> ReflectionClient::CallServerStreaming(
    const std::string& method, const std::string& request_json, size_t max_messages,
    const ReflectionCallOptions& options) {
  Deadline deadline = std::chrono::system_clock::now() + options.timeout;
  BERTH_ASSIGN_OR_RETURN(const pb::MethodDescriptor* descriptor, FindMethodBy(method, deadline));
  if (descriptor->client_streaming() || !descriptor->server_streaming()) {
    return InvalidArgumentf("method {}: not server-streaming", method);
  }
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<pb::Message> request,
                         ParseRequest(*descriptor, request_json));

  grpc::ClientContext context;
  context.set_deadline(deadline);
  AddMetadata(context, options);
  grpc::CompletionQueue cq;
  grpc::GenericStub stub(channel_);
  // A generic call is a bidi stream on the wire; one request, then
  // half-close, is what a server-streaming method expects.
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, "/" + MethodName(*descriptor), &cq);
  int tag = 0;
  call->StartCall(&tag);
  bool open = Await(cq, &tag);
  if (open) {
    grpc::ByteBuffer request_bytes = ToByteBuffer(request->SerializeAsString());
    call->Write(request_bytes, &tag);
    open = Await(cq, &tag);
  }
  if (open) {
    call->WritesDone(&tag);
    open = Await(cq, &tag);
  }
  std::vector<grpc::ByteBuffer> received;
  while (open && received.size() < max_messages) {
    grpc::ByteBuffer message;
    call->Read(&message, &tag);
    open = Await(cq, &tag);
    if (open) received.push_back(std::move(message));
  }
  bool cancelled = received.size() >= max_messages;
  if (cancelled) context.TryCancel();
  grpc::Status status;
  call->Finish(&status, &tag);
  bool finished = Await(cq, &tag);
  Drain(cq);
  if (!finished) return absl::InternalError("call " + method + ": completion queue failed");
  if (!cancelled) {
    BERTH_RETURN_IF_ERROR(WithContext(grpcutil::FromGrpc(status), "call " + method));
  }

  std::vector<std::string> messages;
  for (const grpc::ByteBuffer& message : received) {
    BERTH_ASSIGN_OR_RETURN(std::string bytes, FromByteBuffer(message));
    BERTH_ASSIGN_OR_RETURN(std::string json, ResponseToJson(*descriptor, bytes));
    messages.push_back(std::move(json));
  }
  return messages;
}

}  // namespace berth::testing
