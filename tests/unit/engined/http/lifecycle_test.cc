// Connection lifetimes: noticing a client that left, Shutdown with busy
// handlers, many connections at once and one after another, the socket file.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <future>
#include <thread>

#include "tests/testutil/status_testing.h"
#include "tests/unit/engined/http/raw_client.h"

namespace berth::engined::http::testing {
namespace {

int ThreadCount() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/task");
  REQUIRE(dir != nullptr);
  while (struct dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

TEST_CASE("ClientGone notices a client that closed, and only then", "[http]") {
  TestServer ts;
  std::promise<bool> gone_at_start;
  std::promise<bool> gone_later;
  ts.router().Add("GET", "/containers/{id}/wait", [&](Request&, ResponseWriter& w) {
    gone_at_start.set_value(w.ClientGone());
    gone_later.set_value(w.WaitClientGone(std::chrono::seconds(10)));
  });
  ts.Start();
  auto c = ts.Connect();
  c->Send(Get("/containers/c1/wait"));
  auto start = gone_at_start.get_future();
  REQUIRE(start.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(!start.get());
  auto t0 = std::chrono::steady_clock::now();
  c->Close();
  auto later = gone_later.get_future();
  REQUIRE(later.wait_for(std::chrono::seconds(15)) == std::future_status::ready);
  CHECK(later.get());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("WaitClientGone times out while the client stays, even with bytes pending", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/wait", [&](Request&, ResponseWriter& w) {
    bool gone = w.WaitClientGone(std::chrono::milliseconds(300));
    w.Json(200, {{"gone", gone}});
  });
  ts.Start();
  auto c = ts.Connect();
  // The second request is pending on the socket while the first waits: it
  // must neither count as a hang-up nor be eaten by the poll.
  c->Send(Get("/wait") + Get("/wait"));
  CHECK(nlohmann::json::parse(c->ReadResponse().body)["gone"] == false);
  CHECK(nlohmann::json::parse(c->ReadResponse().body)["gone"] == false);
}

TEST_CASE("Shutdown unblocks a handler waiting for its client", "[http]") {
  TestServer ts;
  std::promise<void> entered;
  std::atomic<bool> saw_gone{false};
  ts.router().Add("GET", "/events", [&](Request&, ResponseWriter& w) {
    w.BeginStream(200, "application/json");
    entered.set_value();
    saw_gone = w.WaitClientGone(std::chrono::seconds(60));
  });
  ts.router().Add("GET", "/_ping",
                  [](Request&, ResponseWriter& w) { w.Body(200, "text/plain", "OK"); });
  ts.Start();
  auto busy = ts.Connect();
  busy->Send(Get("/events"));
  auto idle = ts.Connect();
  idle->Send(Get("/_ping"));
  CHECK(idle->ReadResponse().body == "OK");
  REQUIRE(entered.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);

  auto t0 = std::chrono::steady_clock::now();
  ts.server().Shutdown();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(saw_gone);
  CHECK(idle->WaitClosed(std::chrono::seconds(5)));
  // The socket file is gone and nobody accepts any more.
  struct stat st;
  CHECK(::stat(ts.path().c_str(), &st) != 0);
  ts.server().Shutdown();  // twice is harmless
}

TEST_CASE("many connections: sequential ones leave no threads, concurrent ones run at once",
          "[http]") {
  TestServer ts;
  std::atomic<int> inside{0};
  std::atomic<int> peak{0};
  ts.router().Add("GET", "/_ping",
                  [](Request&, ResponseWriter& w) { w.Body(200, "text/plain", "OK"); });
  ts.router().Add("GET", "/gather", [&](Request&, ResponseWriter& w) {
    int now = ++inside;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    // Each waits (bounded) until all 50 are inside together.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (peak.load() < 50 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    w.Json(200, {{"peak", peak.load()}});
    --inside;
  });
  ts.Start();
  int baseline = ThreadCount();

  for (int i = 0; i < 200; ++i) {
    auto c = ts.Connect();
    c->Send(Get("/_ping", "Connection: close\r\n"));
    REQUIRE(c->ReadResponse().body == "OK");
  }
  // Finished threads are joined as the next connection arrives.
  auto last = ts.Connect();
  last->Send(Get("/_ping"));
  REQUIRE(last->ReadResponse().status == 200);
  // Threads of the last closed connections may still be on their way out.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ThreadCount() > baseline + 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(ThreadCount() <= baseline + 1);  // the one for `last`

  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&] {
      std::string response = RawExchange(ts.path(), Get("/gather", "Connection: close\r\n"));
      if (response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0) ++ok;
    });
  }
  for (auto& t : clients) t.join();
  CHECK(ok == 50);
  CHECK(peak == 50);
}

TEST_CASE("ListenUnix replaces a stale socket and sets the mode", "[http]") {
  berth::testing::TempDir dir;
  std::string path = dir.Sub("docker.sock");
  {
    // A socket file whose daemon is gone.
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0);
  }
  Router router;
  router.Add("GET", "/_ping", [](Request&, ResponseWriter& w) { w.Body(200, "text/plain", "OK"); });
  Server server(router, ServerOptions{});
  REQUIRE_OK(server.ListenUnix(path, 0600));
  REQUIRE_OK(server.Start());
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  RawClient c(path);
  c.Send(Get("/_ping"));
  CHECK(c.ReadResponse().body == "OK");

  // A regular file is not replaced.
  std::string file = dir.Sub("file");
  UniqueFd created(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
  REQUIRE(created.ok());
  Server other(router, ServerOptions{});
  absl::Status status = other.ListenUnix(file, 0600);
  CHECK(status.code() == absl::StatusCode::kAlreadyExists);
  CHECK(!other.Start().ok());  // no listeners
}

}  // namespace
}  // namespace berth::engined::http::testing
