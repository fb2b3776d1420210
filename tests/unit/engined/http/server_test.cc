// Plain requests over a real socket: routing, versions, query decoding,
// keep-alive, HEAD, errors and the headers every response carries.
#include <catch2/catch.hpp>
#include <stdexcept>

#include "tests/unit/engined/http/raw_client.h"

namespace berth::engined::http::testing {
namespace {

// Echoes what the handler saw.
void Echo(Request& r, ResponseWriter& w) {
  nlohmann::json query = nlohmann::json::object();
  for (const auto& [k, v] : r.query) query[k].push_back(v);
  w.Json(200, {{"method", r.method},
               {"path", r.path},
               {"version", r.api_version},
               {"params", r.params},
               {"query", query},
               {"body", r.body}});
}

nlohmann::json JsonOf(const RawResponse& response) {
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
  INFO(response.head << response.body);
  REQUIRE(!j.is_discarded());
  return j;
}

TEST_CASE("server routes params, rest segments and escaped names", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/containers/{id}/json", Echo);
  ts.router().Add("GET", "/images/{name*}/json", Echo);
  ts.Start();
  auto c = ts.Connect();

  c->Send(Get("/v1.41/containers/c1/json"));
  RawResponse r = c->ReadResponse();
  REQUIRE(r.status == 200);
  nlohmann::json j = JsonOf(r);
  CHECK(j["params"]["id"] == "c1");
  CHECK(j["version"] == "1.41");
  CHECK(j["path"] == "/containers/c1/json");

  c->Send(Get("/v1.43/images/localhost%3A5000%2Fx/json"));
  j = JsonOf(c->ReadResponse());
  CHECK(j["params"]["name"] == "localhost:5000/x");

  c->Send(Get("/images/reg.io/a/b:1/json"));  // unversioned, several segments
  j = JsonOf(c->ReadResponse());
  CHECK(j["params"]["name"] == "reg.io/a/b:1");
  CHECK(j["version"] == "");
}

TEST_CASE("server answers versions out of range with docker's 400", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/_ping", Echo);
  ts.Start();
  auto c = ts.Connect();
  c->Send(Get("/v1.12/_ping"));
  RawResponse r = c->ReadResponse();
  CHECK(r.status == 400);
  CHECK(JsonOf(r)["message"] ==
        "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade "
        "your client to a newer version");
  c->Send(Get("/v1.99/_ping"));
  r = c->ReadResponse();
  CHECK(r.status == 400);
  CHECK(JsonOf(r)["message"] ==
        "client version 1.99 is too new. Maximum supported API version is 1.43");
  c->Send(Get("/v1.24/_ping"));
  CHECK(c->ReadResponse().status == 200);
}

TEST_CASE("server decodes the query and keeps repeated keys", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/containers/json", Echo);
  ts.Start();
  auto c = ts.Connect();
  c->Send(Get("/containers/json?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&x=a+b&x=c%2Bd&all"));
  nlohmann::json j = JsonOf(c->ReadResponse());
  CHECK(j["query"]["filters"][0] == "{\"label\":[\"a=b\"]}");
  CHECK(j["query"]["x"] == nlohmann::json::array({"a b", "c+d"}));
  CHECK(j["query"]["all"][0] == "");
}

TEST_CASE("server keeps the connection for several requests and reads bodies", "[http]") {
  TestServer ts;
  ts.router().Add("POST", "/containers/create", Echo);
  ts.router().Add("GET", "/_ping", Echo);
  ts.Start();
  auto c = ts.Connect();
  // Two requests in one send (pipelined), then a third after the answers.
  std::string body = R"({"Image":"busybox"})";
  c->Send(
      "POST /containers/create?name=t1 HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body + Get("/_ping"));
  nlohmann::json j = JsonOf(c->ReadResponse());
  CHECK(j["body"] == body);
  CHECK(j["query"]["name"][0] == "t1");
  CHECK(JsonOf(c->ReadResponse())["path"] == "/_ping");
  c->Send(Get("/_ping"));
  CHECK(c->ReadResponse().status == 200);
  // Connection: close is honoured.
  c->Send(Get("/_ping", "Connection: close\r\n"));
  RawResponse r = c->ReadResponse();
  CHECK(r.headers["connection"] == "close");
  CHECK(c->WaitClosed(std::chrono::seconds(5)));
}

TEST_CASE("server answers HEAD with headers only", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/_ping",
                  [](Request&, ResponseWriter& w) { w.Body(200, "text/plain", "OK"); });
  ts.Start();
  auto c = ts.Connect();
  c->Send("HEAD /_ping HTTP/1.1\r\nHost: d\r\n\r\n");
  RawResponse r = c->ReadResponse(/*head_request=*/true);
  CHECK(r.status == 200);
  CHECK(r.headers["content-length"] == "2");
  // No body bytes followed: the next response starts right away.
  c->Send(Get("/_ping"));
  r = c->ReadResponse();
  CHECK(r.head.substr(0, 15) == "HTTP/1.1 200 OK");
  CHECK(r.body == "OK");
}

TEST_CASE("server answers unknown paths 404 and other methods 405", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/containers/{id}/json", Echo);
  ts.Start();
  auto c = ts.Connect();
  c->Send(Get("/nope"));
  RawResponse r = c->ReadResponse();
  CHECK(r.status == 404);
  CHECK(r.body == "{\"message\":\"page not found\"}\n");
  CHECK(r.headers["content-type"] == "application/json");
  c->Send("DELETE /containers/c1/json HTTP/1.1\r\nHost: d\r\n\r\n");
  r = c->ReadResponse();
  CHECK(r.status == 405);
  CHECK(r.headers["allow"] == "GET");
  CHECK(JsonOf(r)["message"].get<std::string>().find("DELETE") != std::string::npos);
}

TEST_CASE("server answers malformed requests 400 and closes", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/_ping", Echo);
  ts.Start();
  SECTION("garbage request line") {
    auto c = ts.Connect();
    c->Send("THIS IS NOT HTTP\r\n\r\n");
    RawResponse r = c->ReadResponse();
    CHECK(r.status == 400);
    CHECK(JsonOf(r)["message"].get<std::string>().find("malformed HTTP request") == 0);
    CHECK(c->WaitClosed(std::chrono::seconds(5)));
  }
  SECTION("bad header line") {
    auto c = ts.Connect();
    c->Send("GET /_ping HTTP/1.1\r\nno colon here\r\n\r\n");
    CHECK(c->ReadResponse().status == 400);
    CHECK(c->WaitClosed(std::chrono::seconds(5)));
  }
  SECTION("bad escape in the path") {
    auto c = ts.Connect();
    c->Send(Get("/_ping%zz"));
    CHECK(c->ReadResponse().status == 400);
  }
}

TEST_CASE("every response carries docker's headers", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/_ping", [](Request&, ResponseWriter& w) {
    w.SetHeader("Cache-Control", "no-cache");
    w.Body(200, "text/plain; charset=utf-8", "OK");
  });
  ts.Start();
  auto c = ts.Connect();
  for (const std::string& target : {std::string("/_ping"), std::string("/missing")}) {
    c->Send(Get(target));
    RawResponse r = c->ReadResponse();
    INFO(r.head);
    CHECK(r.headers["api-version"] == "1.43");
    CHECK(r.headers["docker-experimental"] == "false");
    CHECK(r.headers["ostype"] == "linux");
    CHECK(r.headers["server"] == "berthd");
    CHECK(r.headers.count("date") == 1);
    CHECK(r.headers.count("content-type") == 1);
  }
  c->Send(Get("/_ping"));
  CHECK(c->ReadResponse().headers["cache-control"] == "no-cache");
}

TEST_CASE("server turns handler bugs into 500s", "[http]") {
  TestServer ts;
  ts.router().Add("GET", "/silent", [](Request&, ResponseWriter&) {});
  ts.router().Add("GET", "/throws",
                  [](Request&, ResponseWriter&) { throw std::runtime_error("boom"); });
  ts.router().Add("GET", "/throws-mid-stream", [](Request&, ResponseWriter& w) {
    w.BeginStream(200, "application/json");
    w.Write("{}");
    throw std::runtime_error("boom");
  });
  ts.router().Add("GET", "/no-content", [](Request&, ResponseWriter& w) { w.NoBody(204); });
  ts.Start();
  auto c = ts.Connect();
  c->Send(Get("/silent"));
  RawResponse r = c->ReadResponse();
  CHECK(r.status == 500);
  CHECK(JsonOf(r)["message"] == "handler wrote no response");
  c->Send(Get("/throws"));
  r = c->ReadResponse();
  CHECK(r.status == 500);
  CHECK(JsonOf(r)["message"] == "internal error: boom");
  c->Send(Get("/no-content"));  // the connection survived both
  r = c->ReadResponse();
  CHECK(r.status == 204);
  CHECK(r.headers.count("content-length") == 0);

  // Mid-stream the status is gone: the connection closes without the last chunk.
  auto d = ts.Connect();
  d->Send(Get("/throws-mid-stream"));
  std::string all = d->ReadUntilClose();
  CHECK(all.find("HTTP/1.1 200 OK") == 0);
  CHECK(all.find("\r\n0\r\n\r\n") == std::string::npos);
}

}  // namespace
}  // namespace berth::engined::http::testing
