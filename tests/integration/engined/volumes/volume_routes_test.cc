// The /volumes routes through the real HTTP server on a unix socket, with a
// raw HTTP/1.1 client so nothing of the server's own parsing is reused.
#include "engined/volumes/volume_routes.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::engined::volumes {
namespace {

using berth::testing::ValueOrFail;

struct Reply {
  int status = 0;
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

std::string Dechunk(const std::string& in) {
  std::string out;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) break;
    size_t n = std::stoul(in.substr(pos, eol - pos), nullptr, 16);
    if (n == 0) break;
    out += in.substr(eol + 2, n);
    pos = eol + 2 + n + 2;
  }
  return out;
}

Reply Call(const std::string& socket, const std::string& method, const std::string& target,
           const std::string& body = "") {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.ok());
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  REQUIRE(socket.size() < sizeof(addr.sun_path));
  std::copy(socket.begin(), socket.end(), addr.sun_path);
  REQUIRE(::connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n";
  if (!body.empty()) req += "Content-Type: application/json\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  REQUIRE(::write(fd.get(), req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  std::string raw;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    REQUIRE(n >= 0);
    if (n == 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  Reply r;
  size_t sp = raw.find(' ');
  REQUIRE(sp != std::string::npos);
  r.status = std::stoi(raw.substr(sp + 1, 3));
  size_t head_end = raw.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  std::string head = raw.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  r.body = raw.substr(head_end + 4);
  if (head.find("transfer-encoding: chunked") != std::string::npos) r.body = Dechunk(r.body);
  return r;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct ServerFixture {
  berth::testing::TempDir dir{"berth-vol-routes"};
  std::unique_ptr<VolumeStore> store = ValueOrFail(VolumeStore::Open(dir.Sub("data")));
  http::Router router;
  std::unique_ptr<http::Server> server;
  std::string socket = dir.Sub("api.sock");

  ServerFixture() {
    AddVolumeRoutes(router, *store);
    server = std::make_unique<http::Server>(router, http::ServerOptions{});
    REQUIRE_OK(server->ListenUnix(socket, 0600));
    REQUIRE_OK(server->Start());
  }
  ~ServerFixture() { server->Shutdown(); }
};

TEST_CASE("volume routes: create, inspect, list, remove over the socket", "[volumes][routes]") {
  ServerFixture f;

  Reply r = Call(f.socket, "POST", "/v1.43/volumes/create",
                 R"({"Name":"web-data","Labels":{"tier":"web"},"DriverOpts":{}})");
  REQUIRE(r.status == 201);
  nlohmann::json v = r.Json();
  CHECK(v["Name"] == "web-data");
  CHECK(v["Driver"] == "local");
  CHECK(v["Scope"] == "local");
  CHECK(v["Mountpoint"] == f.dir.Sub("data") + "/volumes/web-data/_data");
  CHECK(v["Labels"] == nlohmann::json{{"tier", "web"}});
  CHECK(v["Options"] == nlohmann::json::object());
  CHECK(v["CreatedAt"].is_string());
  CHECK_FALSE(v.contains("Status"));

  r = Call(f.socket, "POST", "/volumes/create", "{}");
  REQUIRE(r.status == 201);
  std::string anon = r.Json()["Name"];
  CHECK(anon.size() == 64);
  CHECK(r.Json()["Labels"].contains(kAnonymousLabel));

  r = Call(f.socket, "POST", "/volumes/create", R"({"Name":"bad/name"})");
  CHECK(r.status == 400);
  CHECK(std::string(r.Json()["message"]).find("includes invalid characters") != std::string::npos);
  r = Call(f.socket, "POST", "/volumes/create", R"({"Name":"x1","Driver":"flocker"})");
  CHECK(r.status == 404);
  CHECK(r.Json()["message"] ==
        "error looking up volume plugin flocker: plugin \"flocker\" not found");
  r = Call(f.socket, "POST", "/volumes/create", R"({"Name":"x1","DriverOpts":{"type":"tmpfs"}})");
  CHECK(r.status == 400);
  r = Call(f.socket, "POST", "/volumes/create", "{not json");
  CHECK(r.status == 400);

  r = Call(f.socket, "GET", "/v1.43/volumes/web-data");
  REQUIRE(r.status == 200);
  CHECK(r.Json()["Name"] == "web-data");
  r = Call(f.socket, "GET", "/volumes/nope");
  CHECK(r.status == 404);
  CHECK(r.Json()["message"] == "get nope: no such volume");

  r = Call(f.socket, "GET", "/volumes");
  REQUIRE(r.status == 200);
  CHECK(r.Json()["Volumes"].size() == 2);
  CHECK(r.Json()["Warnings"].is_null());
  r = Call(f.socket, "GET", "/volumes?filters=" + UrlEncode(R"({"label":{"tier=web":true}})"));
  REQUIRE(r.status == 200);
  REQUIRE(r.Json()["Volumes"].size() == 1);
  CHECK(r.Json()["Volumes"][0]["Name"] == "web-data");
  r = Call(f.socket, "GET", "/volumes?filters=" + UrlEncode(R"({"colour":["red"]})"));
  CHECK(r.status == 400);
  CHECK(r.Json()["message"] == "invalid filter 'colour'");

  REQUIRE_OK(f.store->Acquire("web-data", "c0ffee").status());
  for (const char* q : {"", "?force=1"}) {
    r = Call(f.socket, "DELETE", std::string("/volumes/web-data") + q);
    CHECK(r.status == 409);
    CHECK(r.Json()["message"] == "remove web-data: volume is in use - [c0ffee]");
  }
  REQUIRE_OK(f.store->Release("web-data", "c0ffee"));
  r = Call(f.socket, "DELETE", "/volumes/web-data");
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  r = Call(f.socket, "DELETE", "/volumes/web-data");
  CHECK(r.status == 404);
  r = Call(f.socket, "DELETE", "/volumes/web-data?force=true");
  CHECK(r.status == 204);
}

TEST_CASE("volume routes: prune by API version", "[volumes][routes]") {
  ServerFixture f;
  Volume anon = ValueOrFail(f.store->Create({}));
  VolumeCreateOptions o;
  o.name = "named";
  REQUIRE_OK(f.store->Create(o).status());
  REQUIRE_OK(WriteFile(anon.mountpoint + "/f", std::string(1234, 'x')));

  Reply r = Call(f.socket, "POST", "/v1.43/volumes/prune");
  REQUIRE(r.status == 200);
  CHECK(r.Json()["VolumesDeleted"] == nlohmann::json{anon.name});
  CHECK(r.Json()["SpaceReclaimed"] == 1234);

  r = Call(f.socket, "POST", "/v1.43/volumes/prune");
  REQUIRE(r.status == 200);
  CHECK(r.Json()["VolumesDeleted"].is_null());
  CHECK(r.Json()["SpaceReclaimed"] == 0);

  // Before 1.42 prune took every unused volume.
  r = Call(f.socket, "POST", "/v1.41/volumes/prune");
  REQUIRE(r.status == 200);
  CHECK(r.Json()["VolumesDeleted"] == nlohmann::json{"named"});

  REQUIRE_OK(f.store->Create(o).status());
  r = Call(f.socket, "POST", "/volumes/prune?filters=" + UrlEncode(R"({"all":["true"]})"));
  REQUIRE(r.status == 200);
  CHECK(r.Json()["VolumesDeleted"] == nlohmann::json{"named"});
}

}  // namespace
}  // namespace berth::engined::volumes
