// The server half of reflection_test.cc, run as a process of its own: it
// links gRPC's reflection service (berth_common_grpc_reflection), whose
// generated grpc.reflection.v1alpha messages would clash with the test
// client's copy of reflection.proto in one program.
//
//   berth-reflection-test-server SOCKET
//
// Serves, with reflection, until killed:
//   berth.containerd.v1.Version  version "0.1.0-reflection-test", revision "test"
//   berth.containerd.v1.Events   Subscribe: three TaskExit envelopes in the
//                                caller's berth-namespace, then holds the
//                                stream open until the client cancels;
//                                Publish is unimplemented.
#include <google/protobuf/empty.pb.h>
#include <grpcpp/server.h>
#include <grpcpp/server_context.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "berth/containerd/v1/events.grpc.pb.h"
#include "berth/containerd/v1/version.grpc.pb.h"
#include "common/grpc/reflection.h"
#include "common/grpc/unix_socket.h"

namespace berth {
namespace {

namespace pb = berth::containerd::v1;

class VersionService final : public pb::Version::Service {
  grpc::Status Version(grpc::ServerContext* /*context*/, const google::protobuf::Empty* /*request*/,
                       pb::VersionResponse* response) override {
    response->set_version("0.1.0-reflection-test");
    response->set_revision("test");
    return grpc::Status::OK;
  }
};

class EventsService final : public pb::Events::Service {
  grpc::Status Subscribe(grpc::ServerContext* context, const pb::SubscribeRequest* /*request*/,
                         grpc::ServerWriter<pb::Envelope>* writer) override {
    auto ns = context->client_metadata().find("berth-namespace");
    if (ns == context->client_metadata().end()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "subscribe: berth-namespace metadata is required");
    }
    for (int i = 1; i <= 3; ++i) {
      pb::TaskExit exit;
      exit.set_container_id("c" + std::to_string(i));
      exit.set_id(exit.container_id());
      exit.set_pid(static_cast<uint32_t>(100 + i));
      exit.set_exit_status(static_cast<uint32_t>(i));
      pb::Envelope envelope;
      envelope.mutable_timestamp()->set_seconds(1700000000 + i);
      envelope.set_namespace_(std::string(ns->second.data(), ns->second.size()));
      envelope.set_topic("/tasks/exit");
      envelope.mutable_event()->PackFrom(exit);
      if (!writer->Write(envelope)) return grpc::Status::OK;
    }
    while (!context->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return grpc::Status::OK;
  }
};

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
    return 2;
  }
  grpcutil::EnableServerReflection();
  VersionService version;
  EventsService events;
  absl::StatusOr<std::unique_ptr<grpc::Server>> server =
      grpcutil::StartUnixServer({.path = argv[1], .services = {&version, &events}});
  if (!server.ok()) {
    std::fprintf(stderr, "berth-reflection-test-server: %s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  (*server)->Wait();
  return 0;
}

}  // namespace
}  // namespace berth

int main(int argc, char** argv) { return berth::Main(argc, argv); }
