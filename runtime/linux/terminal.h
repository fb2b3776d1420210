// Pseudo-terminals for containers: the pty is made inside the container
// (its own devpts), the master goes to whoever listens on --console-socket.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// Connects to the AF_UNIX socket at `path` (done by the runtime on the host
// side, before the container process changes its root).
absl::StatusOr<UniqueFd> ConnectConsoleSocket(const std::string& path);

// In the container process: opens /dev/ptmx, sizes the pty, sends the master
// over `console_socket`, and makes the peer this process's controlling
// terminal and stdin/stdout/stderr.
absl::Status SetupConsole(int console_socket, const std::optional<spec::ConsoleSize>& size);

// fd passing over a unix socket; `name` travels as the message payload (runc
// sends the pty path there).
absl::Status SendFd(int socket, int fd, const std::string& name);
absl::StatusOr<UniqueFd> ReceiveFd(int socket);

}  // namespace berth::runtime::linux
