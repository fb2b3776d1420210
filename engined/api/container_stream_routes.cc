// attach, logs and exec start: the endpoints that stream a process's output.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "engined/api/api_util.h"
#include "engined/api/container_routes.h"
#include "engined/daemon/attach_relay.h"
#include "engined/daemon/log_options.h"
#include "engined/http/target.h"
#include "engined/logs/log_format.h"
#include "engined/logs/log_reader.h"
#include "engined/logs/time_parse.h"

namespace berth::engined::api {

namespace {

using http::Request;
using http::ResponseWriter;

// Whether a hijacked connection is closed both ways. A client without
// stdin half-closes its side at once, so POLLRDHUP means nothing here.
bool HijackedClosed(int fd) {
  struct pollfd p {
    fd, 0, 0
  };
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)) != 0;
}

constexpr char kRawStream[] = "application/vnd.docker.raw-stream";
constexpr char kMultiplexedStream[] = "application/vnd.docker.multiplexed-stream";

// moby's Content-Type for these streams: the multiplexed type only for
// multiplexed frames at API 1.42 or later, and (attach, exec start) only
// on an upgraded connection; raw-stream otherwise, whatever the frames.
std::string StreamType(const Request& r, bool multiplexed, bool hijacked) {
  bool named = r.api_version.empty() || http::CompareVersions(r.api_version, "1.42") >= 0;
  if (hijacked && r.Header("upgrade").empty()) named = false;
  return multiplexed && named ? kMultiplexedStream : kRawStream;
}

// What attach's logs=1 replays: the container's whole log, the selected
// streams only, in the attach stream's format (moby's containerAttach
// reads the log driver with Tail -1 and writes each message to the
// attached stdout / stderr).
struct LogReplay {
  bool enabled = true;  // false for the "none" driver: nothing to read
  logs::LogReadOptions read;
  bool tty = false;
};

// false: the client went away (or the driver cannot be read, which ends
// the attach as docker's "Error attaching: ..." line does).
bool ReplayLog(const LogReplay& replay, int fd) {
  logs::LogFormatOptions format{replay.tty, false};
  if (!replay.enabled) {
    // moby prints the error on the attached stdout and ends the attach.
    std::string line = "Error attaching: configured logging driver does not support reading\n";
    (void)SendAll(fd, replay.tty ? line : http::MultiplexFrame(1, line));
    return false;
  }
  if (!replay.read.show_stdout && !replay.read.show_stderr) return true;
  bool client_ok = true;
  logs::LogSink sink = logs::FormattingSink(format, [&](std::string_view bytes) {
    client_ok = SendAll(fd, bytes);
    return client_ok;
  });
  absl::Status s = logs::ReadLogs(replay.read, sink);
  // moby logs a read error and goes on with the stream.
  if (!s.ok()) log::Warnf("attach: replaying {}: {}", replay.read.path, s);
  return client_ok;
}

void Attach(ContainerManager& containers, Request& r, ResponseWriter& w) {
  absl::StatusOr<ContainerRef> found = containers.Get(r.Param("id"));
  if (!found.ok()) return w.Error(found.status());
  ContainerRef entry = *found;
  const bool stream = r.QueryBool("stream");
  const bool logs = r.QueryBool("logs");
  if (!stream && !logs) {
    return w.Error(400, "at least one of stream or logs must be set");
  }
  AttachOptions options;
  std::string detach_keys = r.Query("detachKeys");
  if (!detach_keys.empty()) {
    absl::StatusOr<std::string> keys = ParseDetachKeys(detach_keys);
    if (!keys.ok()) return w.Error(keys.status());
    options.detach_keys = *keys;
  }
  options.stdout = r.QueryBool("stdout");
  options.stderr = r.QueryBool("stderr");
  LogReplay replay;
  // The exits seen so far: a stream on a stopped container waits for its
  // next start (docker start -a attaches first), not for an old exit.
  uint64_t exits = 0;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    const Container& c = entry->c;
    RunState st = c.state.status;
    if (st == RunState::kPaused) {
      return w.Error(409, "You cannot attach to a paused container, unpause it first");
    }
    // A log replay alone reads a stopped container too, as dockerd's does.
    if (stream && (st == RunState::kDead || st == RunState::kRemoving)) {
      return w.Error(409, "You cannot attach to a stopped container, start it first");
    }
    options.container_id = c.id;
    options.tty = JsonBool(c.config, "Tty");
    options.stdin = r.QueryBool("stdin") && JsonBool(c.config, "OpenStdin");
    options.stdin_once = JsonBool(c.config, "StdinOnce");
    if (logs) {
      absl::StatusOr<JsonFileOptions> log_options = containers.LogOptionsOf(c);
      replay.enabled = !log_options.ok() || log_options->enabled;
      replay.read.path = c.log_path;
      replay.read.max_files = log_options.ok() ? log_options->max_file : 1;
      replay.read.show_stdout = options.stdout;
      replay.read.show_stderr = options.stderr;
      replay.tty = options.tty;
    }
    exits = entry->exits;
    if (stream) ++entry->pending_attaches;
  }
  bool counted = stream;
  auto attached = [&] {
    if (!counted) return;
    counted = false;
    {
      std::lock_guard<std::mutex> lock(entry->mu);
      --entry->pending_attaches;
    }
    entry->changed.notify_all();
  };
  absl::Cleanup release = attached;

  absl::StatusOr<http::Hijacked> conn = w.Hijack(StreamType(r, !options.tty, true));
  if (!conn.ok()) return;
  if (logs && !ReplayLog(replay, conn->fd.get())) return;
  containers.EmitEvent("attach", options.container_id);
  if (!stream) {
    ::shutdown(conn->fd.get(), SHUT_RDWR);
    return;
  }
  // A created or stopped container (docker run, docker start -a attach
  // first): wait for its next task.
  {
    std::unique_lock<std::mutex> lock(entry->mu);
    for (;;) {
      RunState st = entry->c.state.status;
      if (entry->removed || entry->exits != exits || st == RunState::kDead) return;
      if (st == RunState::kRunning || st == RunState::kPaused) break;
      entry->changed.wait_for(lock, std::chrono::milliseconds(200));
      if (HijackedClosed(conn->fd.get())) return;
    }
  }
  absl::Status s = RelayAttach(containers.containerd(), options, std::move(conn->fd),
                               std::move(conn->buffered), [&] {
                                 attached();
                                 return absl::OkStatus();
                               });
  if (!s.ok()) log::Warnf("attach {}: {}", options.container_id, s);
}

void Logs(ContainerManager& containers, Request& r, ResponseWriter& w) {
  absl::StatusOr<ContainerRef> found = containers.Get(r.Param("id"));
  if (!found.ok()) return w.Error(found.status());
  ContainerRef entry = *found;
  logs::LogReadOptions options;
  options.show_stdout = r.QueryBool("stdout");
  options.show_stderr = r.QueryBool("stderr");
  if (!options.show_stdout && !options.show_stderr) {
    return w.Error(400, "Bad parameters: you must choose at least one stream");
  }
  absl::StatusOr<std::optional<int64_t>> since = logs::ParseLogsSince(r.Query("since"));
  if (!since.ok()) return w.Error(since.status());
  absl::StatusOr<std::optional<int64_t>> until = logs::ParseLogsUntil(r.Query("until"));
  if (!until.ok()) return w.Error(until.status());
  options.since_nanos = *since;
  options.until_nanos = *until;
  options.tail = logs::ParseLogsTail(r.Query("tail", "all"));
  options.follow = r.QueryBool("follow");
  bool tty = false;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    const Container& c = entry->c;
    absl::StatusOr<JsonFileOptions> log_options = containers.LogOptionsOf(c);
    if (log_options.ok() && !log_options->enabled) {
      return w.Error(501, "configured logging driver does not support reading");
    }
    options.path = c.log_path;
    options.max_files = log_options.ok() ? log_options->max_file : 1;
    tty = JsonBool(c.config, "Tty");
  }
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  options.wake_fd = wake.get();
  options.stopped = [&] {
    if (w.ClientGone()) return true;
    std::lock_guard<std::mutex> lock(entry->mu);
    return entry->removed || !entry->c.state.Running();
  };
  w.BeginStream(200, StreamType(r, !tty, false));
  logs::LogFormatOptions format{tty, r.QueryBool("timestamps")};
  logs::LogSink sink =
      logs::FormattingSink(format, [&](std::string_view bytes) { return w.Write(bytes); });
  // A following reader wakes when the container stops or the client goes.
  std::atomic<bool> done{false};
  std::thread waker;
  if (options.follow) {
    waker = std::thread([&] {
      while (!done) {
        bool stop = w.WaitClientGone(std::chrono::milliseconds(250));
        {
          std::lock_guard<std::mutex> lock(entry->mu);
          stop = stop || entry->removed || !entry->c.state.Running();
        }
        if (stop) {
          uint64_t one = 1;
          (void)::write(wake.get(), &one, sizeof(one));
          return;
        }
      }
    });
  }
  absl::Status s = logs::ReadLogs(options, sink);
  done = true;
  if (waker.joinable()) waker.join();
  if (!s.ok()) w.Write(logs::FormatLogError(s.message().data(), format));
}

void ExecStart(ExecManager& execs, Request& r, ResponseWriter& w) {
  absl::StatusOr<nlohmann::json> body = r.JsonBody();
  if (!body.ok()) return w.Error(body.status());
  const std::string id = r.Param("id");
  if (JsonBool(*body, "Detach")) {
    absl::Status s = execs.StartDetached(id);
    if (!s.ok()) return w.Error(s);
    return w.Json(200, nlohmann::json::object());
  }
  absl::Status s =
      execs.StartAttached(id, [&](bool tty) -> absl::StatusOr<std::pair<UniqueFd, std::string>> {
        BERTH_ASSIGN_OR_RETURN(http::Hijacked conn, w.Hijack(StreamType(r, !tty, true)));
        return std::make_pair(std::move(conn.fd), std::move(conn.buffered));
      });
  if (!s.ok()) {
    if (!w.Started()) return w.Error(s);
    log::Warnf("exec {}: {}", id, s);
  }
}

}  // namespace

void AddContainerStreamRoutes(http::Router& router, ContainerManager& containers,
                              ExecManager& execs) {
  router.Add("POST", "/containers/{id}/attach",
             [&](Request& r, ResponseWriter& w) { Attach(containers, r, w); });
  router.Add("GET", "/containers/{id}/logs",
             [&](Request& r, ResponseWriter& w) { Logs(containers, r, w); });
  router.Add("POST", "/exec/{id}/start",
             [&](Request& r, ResponseWriter& w) { ExecStart(execs, r, w); });
}

}  // namespace berth::engined::api
