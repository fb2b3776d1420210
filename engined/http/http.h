// The HTTP layer of berthd's Docker Engine API: requests as the handlers
// see them, the ways a handler answers (a JSON body, docker's error JSON,
// a chunked stream, or the raw connection after a hijack), and the router
// that maps "/containers/{name}/json" patterns to handlers.
//
// Connections are served one thread each with blocking I/O: the API's
// long calls (logs -f, wait, attach, events) hold their connection anyway.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::engined::http {

struct Request {
  std::string method;  // "GET", "HEAD", "POST", "PUT", "DELETE"
  // The path without the "/v1.NN" prefix and without the query, %-decoded
  // per segment: "/containers/t1/json".
  std::string path;
  // The version the client asked for in its path ("1.41"), or empty for an
  // unversioned path (handlers then use the server's current version).
  std::string api_version;
  // Query parameters, %-decoded; a repeated key keeps every value in order.
  std::multimap<std::string, std::string> query;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  // The whole body for ordinary routes (at most kMaxBody bytes; larger is
  // 413). Empty on RouteOptions::stream_body routes: read it with ReadBody.
  std::string body;
  // Values of the route's {placeholders}.
  std::map<std::string, std::string> params;
  // The path's segments, each %-decoded on its own, so an escaped "/"
  // ("localhost%3A5000%2Fx") stays inside its segment when routing. Filled
  // by the server; when empty the router splits `path`.
  std::vector<std::string> path_segments;

  // Streams the body of a stream_body route (Content-Length or chunked):
  // up to `n` bytes into `buf`, 0 once the body has ended. A client that
  // hangs up mid-body is an error naming the read. On other routes the
  // body was read already and this returns 0.
  absl::StatusOr<size_t> ReadBody(char* buf, size_t n);
  // Set by the server for streaming routes (the connection's body reader).
  std::function<absl::StatusOr<size_t>(char*, size_t)> body_reader;

  // The first value of `key`, or `fallback`.
  std::string Query(const std::string& key, const std::string& fallback = "") const;
  std::vector<std::string> QueryAll(const std::string& key) const;
  bool HasQuery(const std::string& key) const;
  // docker's boolean query rule: absent -> fallback; "", "0", "false",
  // "False", "no" -> false; anything else -> true.
  bool QueryBool(const std::string& key, bool fallback = false) const;
  // An integer query value; InvalidArgument naming the key when malformed.
  absl::StatusOr<int64_t> QueryInt(const std::string& key, int64_t fallback) const;
  std::string Header(const std::string& lower_name) const;
  const std::string& Param(const std::string& name) const;
  // The body as a JSON object/array; an empty body is `empty_value`. A
  // malformed body is InvalidArgument ("invalid JSON: ...").
  absl::StatusOr<nlohmann::json> JsonBody(
      nlohmann::json empty_value = nlohmann::json::object()) const;
};

// The largest body read into Request::body; stream_body routes have no cap.
inline constexpr size_t kMaxBody = 16 << 20;

// docker's status for a Status: NotFound 404, AlreadyExists 409,
// FailedPrecondition 409, InvalidArgument / OutOfRange 400,
// PermissionDenied 403, Unauthenticated 401, Unimplemented 501,
// Unavailable 503, everything else 500.
int HttpStatusFor(const absl::Status& status);

// A connection taken over by a handler after a hijack: raw bytes both ways.
struct Hijacked {
  UniqueFd fd;
  // Bytes the server had read past the request (the client may send stdin
  // right after its request); the handler consumes these first.
  std::string buffered;
};

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // Extra headers for the response about to be written ("Warning", ...).
  virtual void SetHeader(const std::string& name, const std::string& value) = 0;

  // A complete response with a JSON body (Content-Type: application/json).
  virtual void Json(int status, const nlohmann::json& body) = 0;
  // A complete response with any body (HEAD requests get the headers only).
  virtual void Body(int status, const std::string& content_type, std::string_view body) = 0;
  // A response without a body: 204 No Content, 304 Not Modified, 201...
  // (no Content-Type, as Go sends none for an empty body; "Content-Length:
  // 0" except for 1xx/204/304).
  virtual void NoBody(int status) = 0;
  // docker's error body {"message": MESSAGE} with `status`.
  virtual void Error(int status, const std::string& message) = 0;
  // Error(HttpStatusFor(status), status.message()).
  void Error(const absl::Status& status) {
    Error(HttpStatusFor(status), std::string(status.message()));
  }

  // Starts a chunked response; Write sends one chunk (false once the client
  // is gone); the stream ends when the handler returns.
  virtual void BeginStream(int status, const std::string& content_type) = 0;
  virtual bool Write(std::string_view data) = 0;
  // Whether the client has closed its side (polls the socket, no reads).
  virtual bool ClientGone() = 0;
  // Waits until the client hangs up or `timeout` passes; true if it hung up.
  virtual bool WaitClientGone(std::chrono::milliseconds timeout) = 0;

  // Takes over the connection as docker's attach / exec start do. With a
  // request carrying "Upgrade: tcp" (and "Connection: Upgrade") it answers
  // "101 UPGRADED" with "Connection: Upgrade", "Upgrade: tcp"; otherwise
  // "200 OK". Either way the Content-Type is `content_type`
  // ("application/vnd.docker.raw-stream" for a tty,
  // "application/vnd.docker.multiplexed-stream" otherwise), no length, and
  // the connection is the caller's from then on. The fd is a close-on-exec
  // duplicate: the server keeps its own descriptor until the handler
  // returns (so Shutdown can still shut the socket down under a blocked
  // handler); the connection ends when both are closed. Any headers the
  // server adds to every response follow docker's preamble, as moby's exec
  // start copies them. FailedPrecondition once a response was started.
  virtual absl::StatusOr<Hijacked> Hijack(const std::string& content_type) = 0;

  // Whether a response (or its start) has been written.
  virtual bool Started() const = 0;
};

using Handler = std::function<void(Request&, ResponseWriter&)>;

struct RouteOptions {
  // The handler reads the body itself with Request::ReadBody (docker's
  // /images/load, /build, PUT .../archive send tarballs of any size).
  bool stream_body = false;
};

// Routes by method and pattern; segments "{name}" match one non-empty path
// segment, a final "{name*}" matches the rest of the path (image names hold
// slashes: "/images/{name*}/json" is written as a suffix rule, see Add).
class Router {
 public:
  // `pattern` like "/containers/{id}/json". For image names with slashes a
  // pattern may hold one "{name*}" segment that matches one or more
  // segments, with fixed segments before and after it
  // ("/images/{name*}/json", "/images/{name*}").
  // When several routes match a path, the one with the most fixed
  // segments wins, then the first added. HEAD falls back to GET routes.
  void Add(const std::string& method, const std::string& pattern, Handler handler,
           RouteOptions options = {});

  struct Found {
    const Handler* handler = nullptr;  // null: no route for this method
    RouteOptions options;
    // When handler is null: the methods the path is served under (empty
    // for an unknown path, which is a 404; otherwise a 405).
    std::vector<std::string> allowed;
  };
  // The route for a request, filling request.params.
  Found Find(Request& request) const;
  // The handler for a request, filling request.params; nullptr with
  // `*method_mismatch` set when the path matches under another method.
  const Handler* Match(Request& request, bool* method_mismatch) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
    int fixed = 0;  // segments that are not placeholders
  };
  std::vector<Route> routes_;
};

// docker's stdcopy frame: an 8-byte header [stream, 0, 0, 0, size (u32 BE)]
// and the payload. stream: 0 stdin, 1 stdout, 2 stderr, 3 systemerr.
std::string MultiplexFrame(int stream, std::string_view payload);

struct ServerOptions {
  // The API version the server speaks and the oldest it accepts
  // (a path "/v1.NN" outside the range is 400 with docker's message).
  std::string api_version = "1.43";
  std::string min_api_version = "1.24";
  // The "Server" header (informative; clients read "Api-Version").
  std::string server_header = "berthd";
  // Extra headers on every response (docker sends Api-Version,
  // Docker-Experimental, Ostype).
  std::map<std::string, std::string> headers;
};

class Server {
 public:
  Server(Router& router, ServerOptions options);
  ~Server();  // Shutdown()

  // Binds a unix socket at `path` (a stale socket is replaced), mode
  // `mode`, group `gid` when >= 0.
  absl::Status ListenUnix(const std::string& path, unsigned mode, int gid = -1);
  // Listens on host:port with TLS 1.2+ (port 0 picks a free port, reported
  // in *bound_port). With `ca_file` set, clients must present a
  // certificate signed by it (docker's --tlsverify). Hijacked
  // connections are relayed through a socketpair (tls_relay.h).
  absl::Status ListenTcpTls(const std::string& host, int port, const std::string& cert_file,
                            const std::string& key_file, const std::string& ca_file,
                            int* bound_port = nullptr);
  // Starts accepting on every listener, one thread per connection.
  absl::Status Start();
  // Stops accepting, removes the unix socket files, shuts down the socket
  // of every live connection (idle ones close; handlers see ClientGone(),
  // failed writes, EOF on hijacked fds) and joins every connection thread.
  // A handler that never looks at its connection delays Shutdown.
  // Idempotent; the destructor calls it.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::engined::http
