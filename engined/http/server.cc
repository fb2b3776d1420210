// Listeners, the accept loop and the connection threads. Each connection
// thread is kept in `connections_` while it runs and moved to `finished_`
// as it ends; the accept loop and Shutdown join finished threads, so
// neither threads nor their stacks pile up.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "common/logger.h"
#include "common/status.h"
#include "engined/http/connection.h"
#include "engined/http/http.h"
#include "engined/http/listener.h"
#include "engined/http/tls.h"

namespace berth::engined::http {

namespace asio = boost::asio;

struct Server::Impl {
  Router& router;
  ServerOptions options;
  asio::io_context io;
  std::vector<std::unique_ptr<Listener>> listeners;
  UniqueFd wake;  // eventfd: readable once Shutdown starts
  std::vector<std::thread> accept_threads;
  bool started = false;

  std::mutex mu;
  std::condition_variable connection_ended;
  bool stopping = false;
  uint64_t next_id = 0;
  std::map<uint64_t, std::pair<std::shared_ptr<Connection>, std::thread>> connections;
  std::vector<std::thread> finished;

  Impl(Router& r, ServerOptions o) : router(r), options(std::move(o)) {}

  void JoinFinished() {
    std::vector<std::thread> done;
    {
      std::lock_guard<std::mutex> lock(mu);
      done.swap(finished);
    }
    for (std::thread& t : done) t.join();
  }

  void StartConnection(std::unique_ptr<Transport> transport) {
    auto connection = std::make_shared<Connection>(std::move(transport), router, options);
    std::lock_guard<std::mutex> lock(mu);
    if (stopping) return;  // the transport closes with `connection`
    uint64_t id = next_id++;
    auto& entry = connections[id];
    entry.first = connection;
    // The thread's last step takes `mu`, so it cannot finish before its
    // std::thread is stored here.
    entry.second = std::thread([this, id, connection] {
      connection->Serve();
      std::lock_guard<std::mutex> done_lock(mu);
      auto it = connections.find(id);
      finished.push_back(std::move(it->second.second));
      connections.erase(it);
      connection_ended.notify_all();
    });
  }

  void AcceptLoop(Listener& listener) {
    while (true) {
      struct pollfd fds[2] = {{listener.fd(), POLLIN, 0}, {wake.get(), POLLIN, 0}};
      int n = ::poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents & POLLIN) != 0) return;
      JoinFinished();
      absl::StatusOr<std::unique_ptr<Transport>> transport = listener.Accept();
      if (!transport.ok()) {
        // EMFILE and the like: back off instead of spinning on poll.
        log::Warnf("http: {}", transport.status());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (*transport == nullptr) continue;  // another thread took it
      StartConnection(*std::move(transport));
    }
  }

  void Shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) return;
      stopping = true;
    }
    if (wake.ok()) {
      uint64_t one = 1;
      if (::write(wake.get(), &one, sizeof(one)) < 0) {
        log::Warnf("http: wake the accept loops: {}", std::strerror(errno));
      }
    }
    for (std::thread& t : accept_threads) t.join();
    accept_threads.clear();
    listeners.clear();  // closes the sockets and removes unix socket files
    // No connection starts once `stopping` is set, so one pass reaches all.
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& [id, entry] : connections) entry.first->ShutdownSocket();
    }
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu);
        connection_ended.wait(lock, [this] { return connections.empty() || !finished.empty(); });
        if (connections.empty() && finished.empty()) break;
      }
      JoinFinished();
    }
  }
};

Server::Server(Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

Server::~Server() { Shutdown(); }

absl::Status Server::ListenUnix(const std::string& path, unsigned mode, int gid) {
  if (impl_->started) return FailedPreconditionf("listen on {}: the server has started", path);
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<Listener> listener,
                         UnixListener::Create(impl_->io, path, mode, gid));
  impl_->listeners.push_back(std::move(listener));
  return absl::OkStatus();
}

absl::Status Server::ListenTcpTls(const std::string& host, int port, const std::string& cert_file,
                                  const std::string& key_file, const std::string& ca_file,
                                  int* bound_port) {
  if (impl_->started)
    return FailedPreconditionf("listen on {}:{}: the server has started", host, port);
  BERTH_ASSIGN_OR_RETURN(
      std::unique_ptr<Listener> listener,
      CreateTlsListener(impl_->io, host, port, TlsFiles{cert_file, key_file, ca_file}, bound_port));
  impl_->listeners.push_back(std::move(listener));
  return absl::OkStatus();
}

absl::Status Server::Start() {
  if (impl_->started) return FailedPreconditionf("start the API server: already started");
  if (impl_->listeners.empty()) return FailedPreconditionf("start the API server: no listeners");
  int fd = ::eventfd(0, EFD_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "start the API server: eventfd");
  impl_->wake.reset(fd);
  impl_->started = true;
  for (auto& listener : impl_->listeners) {
    Listener* l = listener.get();
    impl_->accept_threads.emplace_back([this, l] { impl_->AcceptLoop(*l); });
  }
  return absl::OkStatus();
}

void Server::Shutdown() {
  if (impl_ != nullptr) impl_->Shutdown();
}

}  // namespace berth::engined::http
