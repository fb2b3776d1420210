// Relays a process's stdio between a hijacked client connection and
// containerd's Tasks.Attach stream, in docker's framing: raw bytes for a
// tty, 8-byte-header frames (stdout 1, stderr 2) otherwise. Used by attach
// and by exec start.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "engined/containerd_client/containerd_client.h"

namespace berth::engined {

struct AttachOptions {
  std::string container_id;
  std::string exec_id;  // empty for the container's init
  bool stdin = false;
  bool stdout = true;
  bool stderr = true;
  bool tty = false;
  // Closing the client's stdin closes the process's (docker's StdinOnce;
  // always so for exec).
  bool stdin_once = false;
  // docker's detach keys as bytes (ctrl-p ctrl-q is "\x10\x11"); empty
  // disables detaching.
  std::string detach_keys = "\x10\x11";
};

// Parses docker's --detach-keys ("ctrl-p,ctrl-q", "a,ctrl-@") into bytes.
absl::StatusOr<std::string> ParseDetachKeys(const std::string& text);

// Sends all of `data` on a connected socket (no SIGPIPE); false once the
// client is gone.
bool SendAll(int fd, std::string_view data);

// Runs until the process's output ends, the client detaches or goes away.
// `fd` is the hijacked connection and `buffered` the bytes read past the
// request; `on_attached` runs once the attachment is in place (exec start
// starts the process there, so no output is missed).
// `before_close` runs after the output ended and before the client sees the
// connection close (exec records its exit code there: the docker CLI asks
// for it as soon as the stream ends).
absl::Status RelayAttach(ContainerdClient& containerd, const AttachOptions& options, UniqueFd fd,
                         std::string buffered, const std::function<absl::Status()>& on_attached,
                         const std::function<void()>& before_close = nullptr);

}  // namespace berth::engined
