// The Docker Engine API client the CLI's commands use: HTTP/1.1 over a
// Connection, one connection per request (as the docker CLI does for
// streams), the API version negotiated once from HEAD /_ping.
//
// Errors: a daemon answer outside 2xx becomes a DaemonError (see errors.h)
// whose message is the daemon's own "message"; a daemon that cannot be
// reached becomes Unavailable naming the endpoint tried.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/client/connection.h"
#include "cli/client/endpoint.h"

namespace berth::cli::client {

// The newest Engine API version the CLI speaks, and the oldest berthd has.
inline constexpr char kApiVersion[] = "1.43";

// Query parameters in order; values are URL-encoded by the client.
using Query = std::vector<std::pair<std::string, std::string>>;
// Header names lower-cased on responses.
using Headers = std::map<std::string, std::string>;

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

struct Request {
  std::string method = "GET";
  std::string path;  // "/containers/json"; the client adds "/v1.xx"
  Query query;
  std::optional<nlohmann::json> json;  // sent as application/json
  std::string body;                    // raw body when json is unset
  Headers headers;
};

// A response body read as it arrives (logs -f, events, pull progress,
// docker save). Chunked encoding is decoded.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual int status() const = 0;
  virtual const Headers& headers() const = 0;
  // The next bytes of the body; "" at its end.
  virtual absl::StatusOr<std::string> Read() = 0;
  // The next newline-delimited JSON value; nullopt at the end.
  virtual absl::StatusOr<std::optional<nlohmann::json>> NextJson() = 0;
  // Unblocks a Read in another thread (Ctrl-C while following).
  virtual void Shutdown() = 0;
};

// Streams a request body (docker load, import) from a reader: each call
// returns the next bytes, "" at the end.
using BodyReader = std::function<absl::StatusOr<std::string>()>;

class EngineClient {
 public:
  EngineClient(Endpoint endpoint, Headers default_headers = {});

  const Endpoint& endpoint() const { return endpoint_; }

  // The version every path is prefixed with: the older of kApiVersion and
  // the daemon's API-Version header (HEAD /_ping on first use).
  absl::StatusOr<std::string> ApiVersion();

  // Sends `request` and reads the whole answer. Non-2xx: a DaemonError.
  absl::StatusOr<Response> Do(const Request& request);
  // Do, then the body parsed as JSON.
  absl::StatusOr<nlohmann::json> DoJson(const Request& request);
  // GET `path` as JSON.
  absl::StatusOr<nlohmann::json> GetJson(const std::string& path, const Query& query = {});

  // Sends `request` and returns once the answer's header is in. Non-2xx: a
  // DaemonError (the error body read first).
  absl::StatusOr<std::unique_ptr<BodyStream>> Stream(const Request& request);
  // As Stream, with the request body streamed from `reader` (chunked).
  absl::StatusOr<std::unique_ptr<BodyStream>> StreamUpload(const Request& request,
                                                           const BodyReader& reader);

  // Sends `request` with "Connection: Upgrade, Upgrade: tcp" and returns the
  // raw connection after the daemon's 101 (or 200, which older daemons send).
  absl::StatusOr<std::unique_ptr<Connection>> Hijack(const Request& request);

 private:
  absl::StatusOr<std::unique_ptr<Connection>> Dial();

  Endpoint endpoint_;
  Headers default_headers_;
  std::optional<std::string> api_version_;
};

}  // namespace berth::cli::client
