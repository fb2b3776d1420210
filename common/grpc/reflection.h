// gRPC server reflection (grpc.reflection.v1alpha): lets a client that has
// none of our .proto files (grpcurl, the reflection tests) list the services
// and fetch their descriptors.
#pragma once

namespace berth::grpcutil {

// Every grpc::ServerBuilder built after this call (StartUnixServer included)
// adds the reflection service to its server. Idempotent; call it before
// building the server. Link berth_common_grpc_reflection for it.
void EnableServerReflection();

}  // namespace berth::grpcutil
