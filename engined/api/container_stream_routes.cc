// attach, logs and exec start: the endpoints that stream a process's output.
#include <poll.h>
#include <sys/eventfd.h>

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "engined/api/api_util.h"
#include "engined/api/container_routes.h"
#include "engined/daemon/attach_relay.h"
#include "engined/daemon/log_options.h"
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

void Attach(ContainerManager& containers, Request& r, ResponseWriter& w) {
  absl::StatusOr<ContainerRef> found = containers.Get(r.Param("id"));
  if (!found.ok()) return w.Error(found.status());
  ContainerRef entry = *found;
  if (!r.QueryBool("stream") && !r.QueryBool("logs")) {
    return w.Error(400, "at least one of stream or logs must be set");
  }
  AttachOptions options;
  std::string detach_keys = r.Query("detachKeys");
  if (!detach_keys.empty()) {
    absl::StatusOr<std::string> keys = ParseDetachKeys(detach_keys);
    if (!keys.ok()) return w.Error(keys.status());
    options.detach_keys = *keys;
  }
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    const Container& c = entry->c;
    RunState st = c.state.status;
    if (st == RunState::kExited || st == RunState::kDead || st == RunState::kRemoving) {
      return w.Error(409, "You cannot attach to a stopped container, start it first");
    }
    if (st == RunState::kPaused) {
      return w.Error(409, "You cannot attach to a paused container, unpause it first");
    }
    options.container_id = c.id;
    options.tty = JsonBool(c.config, "Tty");
    options.stdin = r.QueryBool("stdin") && JsonBool(c.config, "OpenStdin");
    options.stdin_once = JsonBool(c.config, "StdinOnce");
    ++entry->pending_attaches;
  }
  bool counted = true;
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
  options.stdout = r.QueryBool("stdout");
  options.stderr = r.QueryBool("stderr");

  absl::StatusOr<http::Hijacked> conn = w.Hijack(options.tty ? kRawStream : kMultiplexedStream);
  if (!conn.ok()) return;
  // A created container (docker run attaches first): wait for its task.
  {
    std::unique_lock<std::mutex> lock(entry->mu);
    for (;;) {
      RunState st = entry->c.state.status;
      if (entry->removed || st == RunState::kExited || st == RunState::kDead) return;
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
    absl::StatusOr<JsonFileOptions> log_options = JsonFileOptionsOf(c.host_config, {});
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
  w.BeginStream(200, tty ? kRawStream : kMultiplexedStream);
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
        BERTH_ASSIGN_OR_RETURN(http::Hijacked conn,
                               w.Hijack(tty ? kRawStream : kMultiplexedStream));
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
