// The HTTP transport of the registry client, over libcurl (one easy handle
// per request; safe to use from several threads).
//
// Plain HTTP is used for loopback hosts (localhost, 127.0.0.1, ::1) and the
// configured insecure hosts, HTTPS with the system CAs otherwise. A host
// with a directory in the certs dir (certs.h: docker's certs.d) is reached
// over HTTPS even when it is loopback or insecure, trusting the system CAs
// plus the directory's *.crt, and presenting its client certificate, if
// any. The directory is read once per HttpClient (a registry::Client lives
// for one pull or push), so changes apply to the next one. Redirects
// (blob storage) are followed, at most 5, http/https only; libcurl does not
// send our Authorization header to another host. Proxies: libcurl honours
// http_proxy / https_proxy / no_proxy from the environment, except for
// loopback hosts, which are always reached directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::containerd::registry {

// docker's /etc/docker/certs.d, for Berth.
inline constexpr char kDefaultCertsDir[] = "/etc/berth/certs.d";

struct HttpOptions {
  std::vector<std::string> insecure_hosts;  // "host" or "host:port": plain HTTP
  // Per-host CAs and client certificates (certs.h); empty: none.
  std::string certs_dir;
  std::chrono::seconds connect_timeout{30};
  // A transfer slower than 1 byte/s for this long is aborted.
  std::chrono::seconds stall_timeout{60};
  std::string user_agent = "berth-containerd";
};

// The body of a successful (2xx) response, streamed. Start is called once
// with the status before any data; an error from either ends the transfer
// with that error.
struct BodySink {
  std::function<absl::Status(long status, const std::map<std::string, std::string>& headers)> start;
  std::function<absl::Status(std::string_view data)> write;
};

// An upload body read with pread(2) from fd at [offset, offset+length).
struct FileBody {
  int fd = -1;
  int64_t offset = 0;
  int64_t length = 0;
};

struct HttpRequest {
  std::string method = "GET";  // GET HEAD POST PUT PATCH
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // used unless file_body.fd >= 0
  FileBody file_body;
  BodySink* sink = nullptr;  // streams a 2xx body instead of buffering it
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names; last value wins
  std::string body;                            // buffered (capped at 4 MiB) unless streamed
  std::string effective_url;
  std::string Header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  // "http" or "https" for `host` (host[:port]).
  std::string SchemeFor(const std::string& host) const;
  // Transport failures are Unavailable naming the URL (TLS failures name
  // the host and what it was trusted with); a certs dir entry that cannot
  // be used is FailedPrecondition naming the host and the file. HTTP error
  // statuses are returned as responses.
  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) const;

 private:
  struct HostTlsEntry;
  struct TlsCache;
  // The TLS settings for `host` (host[:port]); null when it has none.
  absl::StatusOr<std::shared_ptr<const HostTlsEntry>> TlsFor(const std::string& host) const;

  HttpOptions options_;
  std::shared_ptr<TlsCache> tls_cache_;
};

// True for localhost, 127.0.0.0/8 and ::1 (with or without a port).
bool IsLoopbackHost(const std::string& host);

}  // namespace berth::containerd::registry
