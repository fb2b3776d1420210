// A gRPC client that has none of the server's generated code: it learns the
// services, methods and message types from the server's reflection service
// (grpc.reflection.v1alpha) and speaks JSON, as grpcurl does. Tests use it to
// drive a daemon the way an outside client would:
//
//   ReflectionClient client(grpcutil::DialUnix(socket));
//   absl::StatusOr<std::string> created = client.CallUnary(
//       "berth.containerd.v1.Namespaces/Create", R"({"namespace": {"name": "x"}})",
//       {.metadata = {{"berth-namespace", "x"}}});
//
// Links only its own copy of reflection.proto (tests/testutil/proto), never
// berth_proto_*; a program using it must not link libgrpc++_reflection.a
// (berth_common_grpc_reflection), whose generated reflection messages would
// clash with that copy. Not thread-safe: one client per thread.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/channel.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::testing {

struct ReflectionCallOptions {
  // Request metadata, e.g. {"berth-namespace", "default"}. Keys lower-case.
  std::vector<std::pair<std::string, std::string>> metadata;
  // Covers the descriptor lookups and the call.
  std::chrono::milliseconds timeout{10000};
};

class ReflectionClient {
 public:
  explicit ReflectionClient(std::shared_ptr<grpc::ChannelInterface> channel);
  ~ReflectionClient();
  ReflectionClient(const ReflectionClient&) = delete;
  ReflectionClient& operator=(const ReflectionClient&) = delete;

  // Full names of the services the server registers, as it lists them.
  absl::StatusOr<std::vector<std::string>> ListServices(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // "pkg.Service/Method" (or "pkg.Service.Method"), fetching the descriptors
  // of the file that declares the service and of its imports on first use.
  // NotFound names the missing service or method.
  absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(
      const std::string& method, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Calls a unary method with a request given as JSON (proto3 JSON mapping;
  // unknown fields are an error) and returns the response as JSON, with
  // proto field names and fields at their default values included.
  // Malformed JSON is InvalidArgument before anything is sent; a failed call
  // returns the server's code and message.
  absl::StatusOr<std::string> CallUnary(const std::string& method, const std::string& request_json,
                                        const ReflectionCallOptions& options = {});

  // Calls a server-streaming method and reads responses until `max_messages`
  // have come (the call is then cancelled) or the server ends the stream.
  // Fewer messages by the deadline is DeadlineExceeded.
  absl::StatusOr<std::vector<std::string>> CallServerStreaming(
      const std::string& method, const std::string& request_json, size_t max_messages,
      const ReflectionCallOptions& options = {});

  // The descriptors fetched so far.
  const google::protobuf::DescriptorPool& pool() const { return pool_; }

 private:
  using Deadline = std::chrono::system_clock::time_point;

  absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethodBy(const std::string& method,
                                                                         Deadline deadline);
  absl::Status LoadFileContainingSymbol(const std::string& symbol, Deadline deadline);
  absl::Status BuildFile(const std::string& name, std::vector<std::string>& building);
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseRequest(
      const google::protobuf::MethodDescriptor& method, const std::string& json);
  absl::StatusOr<std::string> ResponseToJson(const google::protobuf::MethodDescriptor& method,
                                             const std::string& bytes);

  std::shared_ptr<grpc::ChannelInterface> channel_;
  // Files received from the server, by name, until built into pool_.
  std::map<std::string, google::protobuf::FileDescriptorProto> files_;
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_{&pool_};
};

}  // namespace berth::testing
