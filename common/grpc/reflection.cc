#include "common/grpc/reflection.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>

namespace berth::grpcutil {

void EnableServerReflection() {
  // This call is also what links the plugin from libgrpc++_reflection.a:
  // without a reference to it, the linker would leave the archive's objects
  // (and the plugin's static initializer) out.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
}

}  // namespace berth::grpcutil
