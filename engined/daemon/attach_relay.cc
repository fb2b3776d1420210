#include "engined/daemon/attach_relay.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <thread>

#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "engined/http/http.h"

namespace berth::engined {

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

namespace {

// Finds the detach sequence in a stream that arrives in pieces: bytes
// that may start the sequence are held back until it is known whether they
// complete it.
class DetachScanner {
 public:
  explicit DetachScanner(std::string keys) : keys_(std::move(keys)) {}
  // Returns the bytes to pass on; sets *detach when the sequence completed.
  std::string Feed(std::string_view in, bool* detach) {
    std::string out;
    for (char ch : in) {
      if (keys_.empty()) {
        out += ch;
        continue;
      }
      if (ch == keys_[matched_]) {
        if (++matched_ == keys_.size()) {
          *detach = true;
          return out;
        }
        continue;
      }
      out.append(keys_, 0, matched_);
      matched_ = 0;
      if (ch == keys_[0]) {
        matched_ = 1;
      } else {
        out += ch;
      }
    }
    return out;
  }

 private:
  std::string keys_;
  size_t matched_ = 0;
};

}  // namespace

absl::StatusOr<std::string> ParseDetachKeys(const std::string& text) {
  std::string out;
  for (std::string_view key : Split(text, ',')) {
    std::string k(TrimSpace(key));
    if (k.size() == 1) {
      out += k;
    } else if (k.rfind("ctrl-", 0) == 0 && k.size() == 6) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(k[5])));
      if (c >= 'a' && c <= 'z') {
        out += static_cast<char>(c - 'a' + 1);
      } else if (c == '@') {
        out += '\0';
      } else if (c == '[' || c == '\\' || c == ']' || c == '^' || c == '_') {
        out += static_cast<char>(c - '[' + 27);
      } else {
        return InvalidArgumentf("Invalid detach keys ({}) provided", text);
      }
    } else {
      return InvalidArgumentf("Invalid detach keys ({}) provided", text);
    }
  }
  return out;
}

absl::Status RelayAttach(ContainerdClient& containerd, const AttachOptions& options, UniqueFd fd,
                         std::string buffered, const std::function<absl::Status()>& on_attached,
                         const std::function<void()>& before_close) {
  std::unique_ptr<grpc::ClientContext> ctx = containerd.Ctx();
  auto stream = containerd.tasks().Attach(ctx.get());
  ctrpb::AttachRequest first;
  first.set_container_id(options.container_id);
  first.set_exec_id(options.exec_id);
  first.set_stdout(options.stdout);
  first.set_stderr(options.stderr);
  ctrpb::AttachResponse response;
  if (!stream->Write(first) || !stream->Read(&response)) {
    stream->WritesDone();
    return CallStatus(stream->Finish(), fmt::format("attach {}", options.container_id));
  }
  if (on_attached) {
    if (absl::Status s = on_attached(); !s.ok()) {
      ctx->TryCancel();
      (void)stream->Finish();
      return s;
    }
  }

  std::atomic<bool> detached{false};
  std::thread stdin_pump;
  if (options.stdin) {
    stdin_pump = std::thread([&, raw = fd.get()] {
      DetachScanner scanner(options.detach_keys);
      std::string pending = std::move(buffered);
      char buf[32 * 1024];
      for (;;) {
        if (!pending.empty()) {
          bool detach = false;
          std::string pass = scanner.Feed(pending, &detach);
          pending.clear();
          if (!pass.empty()) {
            ctrpb::AttachRequest in;
            in.set_stdin(pass);
            if (!stream->Write(in)) return;
          }
          if (detach) {
            detached = true;
            ctx->TryCancel();
            return;
          }
        }
        ssize_t n = ::read(raw, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the client closed its side (or went away)
        pending.assign(buf, static_cast<size_t>(n));
      }
      // In the stream, after the data: the shim closes the process's stdin
      // once all of it is written (a CloseIO call could overtake it).
      ctrpb::AttachRequest close;
      close.set_close_stdin(true);
      if (options.stdin_once) (void)stream->Write(close);
    });
  }

  bool client_ok = true;
  while (stream->Read(&response)) {
    if (response.data().empty()) continue;
    if (options.tty) {
      client_ok = SendAll(fd.get(), response.data());
    } else {
      int s = response.stream() == ctrpb::ATTACH_STREAM_STDERR ? 2 : 1;
      client_ok = SendAll(fd.get(), http::MultiplexFrame(s, response.data()));
    }
    if (!client_ok) {
      ctx->TryCancel();
      break;
    }
  }
  if (before_close && client_ok && !detached) before_close();
  // Output is over: the client sees EOF, and a blocked stdin read wakes.
  ::shutdown(fd.get(), SHUT_RDWR);
  if (stdin_pump.joinable()) stdin_pump.join();
  stream->WritesDone();
  grpc::Status finished = stream->Finish();
  if (detached || !client_ok || finished.error_code() == grpc::StatusCode::CANCELLED) {
    return absl::OkStatus();
  }
  return CallStatus(finished, fmt::format("attach {}", options.container_id));
}

}  // namespace berth::engined
