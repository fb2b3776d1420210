// Tasks.Attach: relays a caller's attach stream to the shim's and back,
// driven by gRPC callbacks (no thread per attachment). Flow control is one
// message in flight each way: the caller's next stdin is read once the last
// reached the shim, the shim's next output once the last reached the caller.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <memory>

#include "absl/status/statusor.h"
#include "berth/containerd/v1/tasks.pb.h"
#include "containerd/runtime/task_manager.h"

namespace berth::containerd::services {

grpc::ServerBidiReactor<berth::containerd::v1::AttachRequest,
                        berth::containerd::v1::AttachResponse>*
NewAttachRelay(TaskManager* tasks, absl::StatusOr<std::string> ns);

}  // namespace berth::containerd::services
