// The transport-free pieces: request accessors, target parsing, routing,
// stdcopy frames.
#include <catch2/catch.hpp>

#include "engined/http/http.h"
#include "engined/http/target.h"
#include "tests/testutil/status_testing.h"

namespace berth::engined::http {
namespace {

using berth::testing::ValueOrFail;

// Handlers in the router tests only record which one ran.
class NullWriter : public ResponseWriter {
 public:
  void SetHeader(const std::string&, const std::string&) override {}
  void Json(int, const nlohmann::json&) override {}
  void Body(int, const std::string&, std::string_view) override {}
  void NoBody(int) override {}
  void Error(int, const std::string&) override {}
  void BeginStream(int, const std::string&) override {}
  bool Write(std::string_view) override { return true; }
  bool ClientGone() override { return false; }
  bool WaitClientGone(std::chrono::milliseconds) override { return false; }
  absl::StatusOr<Hijacked> Hijack(const std::string&) override {
    return absl::UnimplementedError("hijack");
  }
  bool Started() const override { return false; }
};

TEST_CASE("ParseTarget strips the version and decodes segments and query", "[http]") {
  Target t = ValueOrFail(
      ParseTarget("/v1.41/images/localhost%3A5000%2Fx/json?a=1&a=2&b=x+y%26z&f", "1.24", "1.43"));
  CHECK(t.api_version == "1.41");
  REQUIRE(t.segments.size() == 3);
  CHECK(t.segments[1] == "localhost:5000/x");
  CHECK(t.path == "/images/localhost:5000/x/json");
  CHECK(t.query.count("a") == 2);
  CHECK(t.query.find("b")->second == "x y&z");
  CHECK(t.query.find("f")->second.empty());
  // '+' is a space only in the query.
  CHECK(ValueOrFail(ParseTarget("/a+b", "1.24", "1.43")).path == "/a+b");
  CHECK(ValueOrFail(ParseTarget("/_ping", "1.24", "1.43")).api_version.empty());
  // "/version" is a path, not a version prefix.
  CHECK(ValueOrFail(ParseTarget("/version", "1.24", "1.43")).path == "/version");
}

TEST_CASE("ParseTarget rejects versions out of range with docker's messages", "[http]") {
  auto old = ParseTarget("/v1.12/info", "1.24", "1.43");
  REQUIRE(old.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(old.status().message() ==
        "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade "
        "your client to a newer version");
  auto young = ParseTarget("/v1.99/info", "1.24", "1.43");
  CHECK(young.status().message() ==
        "client version 1.99 is too new. Maximum supported API version is 1.43");
  // Numeric comparison: 1.9 < 1.24 < 1.100.
  CHECK(!ParseTarget("/v1.9/info", "1.24", "1.43").ok());
  CHECK(ParseTarget("/v1.24/info", "1.24", "1.43").ok());
  CHECK(ParseTarget("/v1.43/info", "1.24", "1.43").ok());
  CHECK(!ParseTarget("/v1.100/info", "1.24", "1.43").ok());
}

TEST_CASE("ParseTarget names bad escapes and non-path targets", "[http]") {
  auto bad = ParseTarget("/x?a=%zz", "1.24", "1.43");
  REQUIRE(!bad.ok());
  CHECK(std::string(bad.status().message()).find("%zz") != std::string::npos);
  CHECK(!ParseTarget("/images/%4", "1.24", "1.43").ok());
  CHECK(!ParseTarget("http://x/y", "1.24", "1.43").ok());
}

TEST_CASE("Request accessors follow docker's query rules", "[http]") {
  Request r;
  r.query = {{"all", "1"}, {"no", "0"},   {"f", "False"}, {"e", ""},
             {"n", "42"},  {"bad", "4x"}, {"label", "a"}, {"label", "b"}};
  CHECK(r.QueryBool("all"));
  CHECK(!r.QueryBool("no", true));
  CHECK(!r.QueryBool("f", true));
  CHECK(!r.QueryBool("e", true));
  CHECK(r.QueryBool("missing", true));
  CHECK(ValueOrFail(r.QueryInt("n", 0)) == 42);
  CHECK(ValueOrFail(r.QueryInt("missing", 7)) == 7);
  CHECK(r.QueryInt("bad", 0).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(r.QueryAll("label") == std::vector<std::string>{"a", "b"});
  CHECK(r.Query("label") == "a");
  CHECK(r.Query("missing", "d") == "d");
  r.body = "";
  CHECK(ValueOrFail(r.JsonBody()) == nlohmann::json::object());
  r.body = "{\"Image\":\"busybox\"}";
  CHECK(ValueOrFail(r.JsonBody())["Image"] == "busybox");
  r.body = "{bad";
  CHECK(r.JsonBody().status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Router matches placeholders, rest segments and reports other methods", "[http]") {
  Router router;
  std::string hit;
  router.Add("GET", "/containers/{id}/json", [&](Request&, ResponseWriter&) { hit = "inspect"; });
  router.Add("GET", "/containers/json", [&](Request&, ResponseWriter&) { hit = "list"; });
  router.Add("GET", "/images/{name*}/json", [&](Request&, ResponseWriter&) { hit = "image"; });
  router.Add("DELETE", "/images/{name*}", [&](Request&, ResponseWriter&) { hit = "rmi"; });
  router.Add(
      "PUT", "/containers/{id}/archive", [&](Request&, ResponseWriter&) {},
      RouteOptions{.stream_body = true});

  Request r;
  r.method = "GET";
  r.path = "/containers/abc/json";
  Router::Found f = router.Find(r);
  REQUIRE(f.handler != nullptr);
  CHECK(r.Param("id") == "abc");
  CHECK(!f.options.stream_body);

  r.path = "/containers/json";
  REQUIRE(router.Find(r).handler != nullptr);
  NullWriter writer;
  (*router.Find(r).handler)(r, writer);
  CHECK(hit == "list");

  r.path = "/images/registry:5000/a/b/json";
  REQUIRE(router.Find(r).handler != nullptr);
  (*router.Find(r).handler)(r, writer);
  CHECK(hit == "image");
  CHECK(r.Param("name") == "registry:5000/a/b");

  // Decoded segments keep an escaped '/' inside one segment.
  r.path = "";
  r.path_segments = {"images", "x/y", "json"};
  REQUIRE(router.Find(r).handler != nullptr);
  CHECK(r.Param("name") == "x/y");
  r.path_segments.clear();

  r.method = "DELETE";
  r.path = "/images/a/json";  // DELETE of an image named "a/json"
  REQUIRE(router.Find(r).handler != nullptr);
  CHECK(r.Param("name") == "a/json");

  r.method = "POST";
  r.path = "/containers/abc/json";
  f = router.Find(r);
  CHECK(f.handler == nullptr);
  CHECK(f.allowed == std::vector<std::string>{"GET"});
  bool mismatch = false;
  CHECK(router.Match(r, &mismatch) == nullptr);
  CHECK(mismatch);

  r.path = "/nothing/here";
  CHECK(router.Match(r, &mismatch) == nullptr);
  CHECK(!mismatch);

  r.method = "PUT";
  r.path = "/containers/c1/archive";
  CHECK(router.Find(r).options.stream_body);

  r.method = "HEAD";  // falls back to GET
  r.path = "/containers/c1/json";
  CHECK(router.Find(r).handler != nullptr);
  // "{id}" needs a segment.
  r.method = "GET";
  r.path_segments = {"containers", "", "json"};
  CHECK(router.Find(r).handler == nullptr);
}

TEST_CASE("MultiplexFrame writes docker's stdcopy header", "[http]") {
  std::string frame = MultiplexFrame(2, std::string(300, 'x'));
  REQUIRE(frame.size() == 308);
  CHECK(frame.substr(0, 8) == std::string("\x02\0\0\0\0\0\x01\x2c", 8));
  CHECK(MultiplexFrame(1, "hi") == std::string("\x01\0\0\0\0\0\0\x02hi", 10));
}

TEST_CASE("HttpStatusFor maps codes as docker does", "[http]") {
  CHECK(HttpStatusFor(absl::NotFoundError("x")) == 404);
  CHECK(HttpStatusFor(absl::AlreadyExistsError("x")) == 409);
  CHECK(HttpStatusFor(absl::FailedPreconditionError("x")) == 409);
  CHECK(HttpStatusFor(absl::InvalidArgumentError("x")) == 400);
  CHECK(HttpStatusFor(absl::UnavailableError("x")) == 503);
  CHECK(HttpStatusFor(absl::InternalError("x")) == 500);
  CHECK(HttpStatusFor(absl::UnimplementedError("x")) == 501);
}

}  // namespace
}  // namespace berth::engined::http
