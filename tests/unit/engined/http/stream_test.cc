// Bodies that stream: request bodies read incrementally by stream_body
// routes, the 16 MiB cap elsewhere, and chunked responses sent live.
#include <atomic>
#include <catch2/catch.hpp>
#include <future>

#include "tests/unit/engined/http/raw_client.h"

namespace berth::engined::http::testing {
namespace {

// Deterministic bytes so the handler can check every one it reads.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

// Reads the body in 64 KiB pieces and reports size, reads and a match.
// (Handlers run on server threads, where Catch assertions are not safe:
// they report through the response or atomics instead.)
void CountBody(Request& r, ResponseWriter& w) {
  bool body_empty = r.body.empty();
  std::string got;
  std::vector<char> buf(64 << 10);
  size_t reads = 0;
  while (true) {
    absl::StatusOr<size_t> n = r.ReadBody(buf.data(), buf.size());
    if (!n.ok()) return w.Error(n.status());
    if (*n == 0) break;
    ++reads;
    got.append(buf.data(), *n);
  }
  w.Json(200, {{"size", got.size()},
               {"reads", reads},
               {"match", got == Pattern(got.size()) && body_empty}});
}

TEST_CASE("stream_body routes read large bodies incrementally", "[http]") {
  TestServer ts;
  ts.router().Add("POST", "/images/load", CountBody, RouteOptions{.stream_body = true});
  ts.router().Add("GET", "/_ping",
                  [](Request&, ResponseWriter& w) { w.Body(200, "text/plain", "OK"); });
  ts.Start();
  const size_t size = (5 << 20) + 12345;
  std::string data = Pattern(size);

  SECTION("Content-Length") {
    auto c = ts.Connect();
    c->Send(
        "POST /v1.43/images/load HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-tar\r\n"
        "Content-Length: " +
        std::to_string(size) + "\r\n\r\n");
    c->Send(data);
    RawResponse r = c->ReadResponse();
    nlohmann::json j = nlohmann::json::parse(r.body);
    CHECK(j["size"] == size);
    CHECK(j["match"] == true);
    CHECK(j["reads"].get<size_t>() >= size / (64 << 10));
    c->Send(Get("/_ping"));  // the connection is still in step
    CHECK(c->ReadResponse().body == "OK");
  }
  SECTION("chunked, with uneven chunks") {
    auto c = ts.Connect();
    c->Send("POST /images/load HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n");
    size_t off = 0;
    size_t step = 1;
    while (off < size) {
      size_t n = std::min(size - off, step);
      char hex[32];
      snprintf(hex, sizeof(hex), "%zx\r\n", n);
      c->Send(std::string(hex) + data.substr(off, n) + "\r\n");
      off += n;
      step = step * 3 + 17;
    }
    c->Send("0\r\n\r\n");
    nlohmann::json j = nlohmann::json::parse(c->ReadResponse().body);
    CHECK(j["size"] == size);
    CHECK(j["match"] == true);
    c->Send(Get("/_ping"));
    CHECK(c->ReadResponse().body == "OK");
  }
  SECTION("Expect: 100-continue gets its interim response") {
    auto c = ts.Connect();
    c->Send(
        "POST /images/load HTTP/1.1\r\nHost: d\r\nExpect: 100-continue\r\nContent-Length: "
        "1000\r\n\r\n");
    CHECK(c->ReadHead() == "HTTP/1.1 100 Continue\r\n\r\n");
    c->Send(Pattern(1000));
    CHECK(nlohmann::json::parse(c->ReadResponse().body)["size"] == 1000);
  }
}

TEST_CASE("ordinary routes cap the body with 413", "[http]") {
  TestServer ts;
  ts.router().Add("POST", "/containers/create", [](Request&, ResponseWriter& w) { w.NoBody(201); });
  ts.Start();
  SECTION("declared length") {
    auto c = ts.Connect();
    c->Send("POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: " +
            std::to_string(kMaxBody + 1) + "\r\n\r\n");
    RawResponse r = c->ReadResponse();
    CHECK(r.status == 413);
    CHECK(nlohmann::json::parse(r.body)["message"].get<std::string>().find("exceeds the limit") !=
          std::string::npos);
  }
  SECTION("chunked past the cap") {
    auto c = ts.Connect();
    c->Send("POST /containers/create HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string chunk = "100000\r\n" + std::string(1 << 20, 'x') + "\r\n";
    // The server stops reading at the cap, so late sends may fail.
    for (int i = 0; i < 17 && c->TrySend(chunk); ++i) {
    }
    CHECK(c->ReadResponse().status == 413);
  }
}

TEST_CASE("chunked responses reach the client while the handler runs", "[http]") {
  TestServer ts;
  std::promise<void> first_seen;
  std::future<void> first_seen_future = first_seen.get_future();
  std::atomic<int> failures{0};
  ts.router().Add("GET", "/events", [&](Request&, ResponseWriter& w) {
    w.BeginStream(200, "application/json");
    if (!w.Write("{\"status\":\"start\"}\n")) ++failures;
    // Blocks until the client has read the first chunk: only a chunk that
    // was flushed can get there.
    if (first_seen_future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ++failures;
    }
    if (!w.Write("")) ++failures;  // an empty write is not the end of the stream
    if (!w.Write("{\"status\":\"die\"}\n")) ++failures;
  });
  ts.Start();
  auto c = ts.Connect();
  c->Send(Get("/events"));
  std::string head = c->ReadHead();
  CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(head.find("Content-Length") == std::string::npos);
  CHECK(c->ReadLine() == "13");
  CHECK(c->ReadExactly(0x13) == "{\"status\":\"start\"}\n");
  CHECK(c->ReadLine().empty());
  first_seen.set_value();
  CHECK(c->ReadLine() == "11");
  CHECK(c->ReadExactly(0x11) == "{\"status\":\"die\"}\n");
  CHECK(c->ReadLine().empty());
  CHECK(c->ReadLine() == "0");
  CHECK(c->ReadLine().empty());
  first_seen = std::promise<void>();
  first_seen_future = first_seen.get_future();
  first_seen.set_value();
  c->Send(Get("/events"));  // the stream ended cleanly; keep-alive holds
  RawResponse r = c->ReadResponse();
  CHECK(r.chunks.size() == 2);
  CHECK(failures == 0);
}

TEST_CASE("Write reports a client that went away", "[http]") {
  TestServer ts;
  std::promise<bool> result;
  ts.router().Add("GET", "/logs", [&](Request&, ResponseWriter& w) {
    w.BeginStream(200, "application/octet-stream");
    std::string block(64 << 10, 'l');
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!w.Write(block)) {
        result.set_value(true);
        return;
      }
    }
    result.set_value(false);
  });
  ts.Start();
  auto c = ts.Connect();
  c->Send(Get("/logs"));
  c->ReadHead();
  c->Close();
  auto f = result.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(15)) == std::future_status::ready);
  CHECK(f.get());
}

}  // namespace
}  // namespace berth::engined::http::testing
