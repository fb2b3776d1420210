// Hijack as docker's attach and exec start do it, with and without
// "Upgrade: tcp", including stdin that arrives with the request.
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <future>

#include "tests/unit/engined/http/raw_client.h"

namespace berth::engined::http::testing {
namespace {

// Echoes the buffered bytes, then whatever else arrives until EOF, as
// "buffered=<...>;" and "more=<...>;".
void EchoAttach(Request&, ResponseWriter& w) {
  absl::StatusOr<Hijacked> h = w.Hijack("application/vnd.docker.raw-stream");
  if (!h.ok()) return;  // the test sees no preamble
  std::string out = "buffered=" + h->buffered + ";";
  ::send(h->fd.get(), out.data(), out.size(), MSG_NOSIGNAL);
  std::string more;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(h->fd.get(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    more.append(buf, static_cast<size_t>(n));
  }
  // A second hijack must fail; "twice!" in the output would show it did not.
  out = "more=" + more + (w.Hijack("x").ok() ? "twice!" : "") + ";";
  ::send(h->fd.get(), out.data(), out.size(), MSG_NOSIGNAL);
}

std::string AttachRequest(bool upgrade) {
  return "POST /v1.43/containers/c1/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: "
         "api.moby.localhost\r\n"
         "Content-Type: text/plain\r\n" +
         std::string(upgrade ? "Connection: Upgrade\r\nUpgrade: tcp\r\n" : "") + "\r\n";
}

TEST_CASE("hijack with Upgrade: tcp answers 101 UPGRADED and hands over buffered stdin", "[http]") {
  TestServer ts;
  ts.router().Add("POST", "/containers/{id}/attach", EchoAttach);
  ts.Start();
  auto c = ts.Connect();
  c->Send(AttachRequest(true) + "echo hi\n");  // stdin in the same packet
  std::string head = c->ReadHead();
  INFO(head);
  CHECK(head.rfind("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                   "Connection: Upgrade\r\nUpgrade: tcp\r\n",
                   0) == 0);
  CHECK(head.find("Api-Version: 1.43\r\n") != std::string::npos);
  CHECK(head.find("Content-Length") == std::string::npos);
  CHECK(head.find("Transfer-Encoding") == std::string::npos);
  CHECK(c->ReadExactly(18) == "buffered=echo hi\n;");
  c->Send("more stdin");
  c->ShutdownWrite();  // docker's CloseWrite at the end of stdin
  CHECK(c->ReadUntilClose() == "more=more stdin;");
}

TEST_CASE("hijack without Upgrade answers 200 OK with no length", "[http]") {
  TestServer ts;
  ts.router().Add("POST", "/containers/{id}/attach", EchoAttach);
  ts.Start();
  auto c = ts.Connect();
  c->Send(AttachRequest(false));
  std::string head = c->ReadHead();
  INFO(head);
  CHECK(head.rfind("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n", 0) ==
        0);
  CHECK(head.find("Upgrade") == std::string::npos);
  CHECK(head.find("Content-Length") == std::string::npos);
  CHECK(head.find("Transfer-Encoding") == std::string::npos);
  CHECK(c->ReadExactly(10) == "buffered=;");
  c->Send("late");
  c->ShutdownWrite();
  CHECK(c->ReadUntilClose() == "more=late;");
}

TEST_CASE("a hijacked fd passed to another thread keeps the connection open", "[http]") {
  TestServer ts;
  std::promise<UniqueFd> handed;
  ts.router().Add("POST", "/exec/{id}/start", [&](Request&, ResponseWriter& w) {
    absl::StatusOr<Hijacked> h = w.Hijack("application/vnd.docker.multiplexed-stream");
    handed.set_value(h.ok() ? std::move(h->fd) : UniqueFd());
  });
  ts.Start();
  auto c = ts.Connect();
  c->Send(
      "POST /exec/e1/start HTTP/1.1\r\nHost: d\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n"
      "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  c->ReadHead();
  auto f = handed.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  UniqueFd fd = f.get();
  REQUIRE(fd.ok());
  std::string frame = MultiplexFrame(1, "out");
  REQUIRE(::send(fd.get(), frame.data(), frame.size(), MSG_NOSIGNAL) == 11);
  CHECK(c->ReadExactly(11) == frame);
  fd.reset();  // closing the handed fd ends the connection
  CHECK(c->WaitClosed(std::chrono::seconds(5)));
}

}  // namespace
}  // namespace berth::engined::http::testing
