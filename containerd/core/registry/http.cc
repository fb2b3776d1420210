#include "containerd/core/registry/http.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <mutex>
#include <string>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "containerd/core/registry/certs.h"

namespace berth::containerd::registry {
namespace {

constexpr size_t kMaxBufferedBody = 4 << 20;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string HostOnly(const std::string& host) {
  if (!host.empty() && host.front() == '[') return host.substr(1, host.find(']') - 1);
  size_t colon = host.rfind(':');
  if (colon != std::string::npos && host.find(':') == colon) return host.substr(0, colon);
  return host;
}

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  CURL* curl;
  bool started = false;
  bool streaming = false;
  absl::Status error;  // set by a callback that aborted the transfer
  int64_t uploaded = 0;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();  // a new response (after a redirect or 100)
    return size * n;
  }
  auto [name, value] = SplitOnce(line, ':');
  if (value) {
    std::string key(TrimSpace(name));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t->response->headers[key] = std::string(TrimSpace(*value));
  }
  return size * n;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (!t->started) {
    t->started = true;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    t->response->status = status;
    if (t->request->sink != nullptr && status >= 200 && status < 300) {
      t->streaming = true;
      if (t->request->sink->start) {
        t->error = t->request->sink->start(status, t->response->headers);
        if (!t->error.ok()) return 0;
      }
    }
  }
  if (t->streaming) {
    t->error = t->request->sink->write(std::string_view(data, len));
    return t->error.ok() ? len : 0;
  }
  if (t->response->body.size() + len > kMaxBufferedBody) {
    t->error = Errorf(absl::StatusCode::kResourceExhausted, "response body over {} bytes",
                      kMaxBufferedBody);
    return 0;
  }
  t->response->body.append(data, len);
  return len;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const FileBody& f = t->request->file_body;
  int64_t left = f.length - t->uploaded;
  size_t want = std::min<int64_t>(left, static_cast<int64_t>(size * n));
  if (want == 0) return 0;
  ssize_t got;
  do {
    got = pread(f.fd, buffer, want, f.offset + t->uploaded);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    t->error =
        got < 0 ? ErrnoErrorf(errno, "read upload body") : Internalf("upload body: short file");
    return CURL_READFUNC_ABORT;
  }
  t->uploaded += got;
  return static_cast<size_t>(got);
}

// The PEM bundle libcurl trusts by default (Debian's
// /etc/ssl/certs/ca-certificates.crt); empty when it has none or it cannot
// be read (its CA path, which a CA blob leaves in place, may still serve).
std::string SystemCaBundle() {
  std::string path;
#if LIBCURL_VERSION_NUM >= 0x075400  // CURLINFO_CAINFO: 7.84
  std::unique_ptr<CURL, CurlFree> c(curl_easy_init());
  char* p = nullptr;
  if (c && curl_easy_getinfo(c.get(), CURLINFO_CAINFO, &p) == CURLE_OK && p != nullptr) path = p;
#endif
  if (path.empty()) return "";
  absl::StatusOr<std::string> data = ReadFile(path);
  return data.ok() ? *data + "\n" : "";
}

// Whether a failed HTTPS transfer failed in TLS: the TLS errors, and a
// connection that broke before any response (a TLS 1.3 server refuses a
// client certificate only after the handshake, and libcurl then reports
// the first symptom it saw, often a socket error).
bool IsTlsFailure(CURLcode rc, bool got_response) {
  switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CLIENTCERT:
      return true;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return !got_response;
    default:
      return false;
  }
}

// The message of a TLS failure with `host`: what failed, what the host was
// trusted with and which client certificate it got, and where the files go.
std::string TlsFailureMessage(CURLcode rc, const std::string& detail, const std::string& host,
                              const HostTls* tls, const std::string& certs_dir) {
  std::string dir = HostCertsDir(certs_dir, host);
  bool has_cas = tls != nullptr && !tls->ca_files.empty();
  std::string trusted = "trusted: the system CAs";
  if (has_cas) trusted += " and " + Join(tls->ca_files, ", ");
  if (rc == CURLE_PEER_FAILED_VERIFICATION) {
    if (!has_cas && !dir.empty()) {
      trusted += fmt::format("; a private registry's CA certificate goes in {}/ca.crt", dir);
    }
    return fmt::format("TLS certificate verification failed for registry {}: {} ({})", host, detail,
                       trusted);
  }
  std::string client;
  if (tls != nullptr && !tls->client_cert.empty()) {
    client = "client certificate " + tls->client_cert;
  } else if (!dir.empty()) {
    client = fmt::format(
        "no client certificate; one the registry requires goes in {}/NAME.cert and NAME.key", dir);
  } else {
    client = "no client certificate";
  }
  bool broke = rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING;
  return fmt::format("TLS with registry {} failed: {}{} ({}; {})", host,
                     broke ? "the connection broke before a response: " : "", detail, trusted,
                     client);
}

}  // namespace

struct HttpClient::HostTlsEntry {
  HostTls tls;
  std::string ca_bundle;  // the system bundle and the host's CAs; empty: the system's only
};

struct HttpClient::TlsCache {
  std::mutex mu;
  std::map<std::string, absl::StatusOr<std::shared_ptr<const HostTlsEntry>>> hosts;
};

bool IsLoopbackHost(const std::string& host) {
  std::string h = HostOnly(host);
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(HttpOptions options)
    : options_(std::move(options)), tls_cache_(std::make_shared<TlsCache>()) {
  GlobalInit();
}

std::string HttpClient::SchemeFor(const std::string& host) const {
  if (HasHostCertsDir(options_.certs_dir, host)) return "https";
  if (IsLoopbackHost(host)) return "http";
  for (const std::string& h : options_.insecure_hosts) {
    if (h == host || h == HostOnly(host)) return "http";
  }
  return "https";
}

absl::StatusOr<std::shared_ptr<const HttpClient::HostTlsEntry>> HttpClient::TlsFor(
    const std::string& host) const {
  if (options_.certs_dir.empty()) return std::shared_ptr<const HostTlsEntry>();
  std::lock_guard lock(tls_cache_->mu);
  auto it = tls_cache_->hosts.find(host);
  if (it != tls_cache_->hosts.end()) return it->second;
  absl::StatusOr<std::shared_ptr<const HostTlsEntry>> entry =
      [&]() -> absl::StatusOr<std::shared_ptr<const HostTlsEntry>> {
    BERTH_ASSIGN_OR_RETURN(std::optional<HostTls> tls, LoadHostTls(options_.certs_dir, host));
    if (!tls) return std::shared_ptr<const HostTlsEntry>();
    auto e = std::make_shared<HostTlsEntry>();
    e->tls = *std::move(tls);
    // CURLOPT_CAINFO takes one file and CURLOPT_CAINFO_BLOB replaces it:
    // the host's CAs go after the system's, in one bundle.
    if (!e->tls.ca_pem.empty()) e->ca_bundle = SystemCaBundle() + e->tls.ca_pem;
    return std::shared_ptr<const HostTlsEntry>(std::move(e));
  }();
  tls_cache_->hosts.emplace(host, entry);
  return entry;
}

absl::StatusOr<HttpResponse> HttpClient::Do(const HttpRequest& request) const {
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return Internalf("{} {}: curl_easy_init failed", request.method, request.url);
  CURL* c = curl.get();
  HttpResponse response;
  Transfer t{&request, &response, c};

  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add_header = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  for (const std::string& h : request.headers) add_header(h);
  add_header("Expect:");  // no 100-continue round trip

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  char error_buffer[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  std::string scheme;
  std::string host;  // host[:port], as the certs dir names it
  {
    CURLU* u = curl_url();
    char* part = nullptr;
    if (curl_url_set(u, CURLUPART_URL, request.url.c_str(), 0) == CURLUE_OK) {
      if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) scheme = part;
      curl_free(part);
      part = nullptr;
      if (curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) host = part;
      curl_free(part);
      part = nullptr;
      // Only a port the URL spells out, as references do.
      if (curl_url_get(u, CURLUPART_PORT, &part, 0) == CURLUE_OK) host += std::string(":") + part;
      curl_free(part);
    }
    curl_url_cleanup(u);
  }
  // Loopback registries are never reached through a proxy.
  if (!host.empty() && IsLoopbackHost(host)) curl_easy_setopt(c, CURLOPT_PROXY, "");
  std::shared_ptr<const HostTlsEntry> tls;
  if (scheme == "https") {
    BERTH_ASSIGN_OR_RETURN(tls, TlsFor(host));
  }
  if (tls != nullptr) {
    if (!tls->ca_bundle.empty()) {
      curl_blob blob{const_cast<char*>(tls->ca_bundle.data()), tls->ca_bundle.size(),
                     CURL_BLOB_NOCOPY};  // `tls` outlives the transfer
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!tls->tls.client_cert.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, tls->tls.client_cert.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, tls->tls.client_key.c_str());
    }
  }

  bool has_file = request.file_body.fd >= 0;
  int64_t body_size =
      has_file ? request.file_body.length : static_cast<int64_t>(request.body.size());
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT" || request.method == "PATCH" ||
             (request.method == "POST" && has_file)) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
    if (has_file) {
      curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
      curl_easy_setopt(c, CURLOPT_READDATA, &t);
    } else {
      // An in-memory body through the same read path: a memfd would do, but
      // a string is simplest with a read callback of its own.
      curl_easy_setopt(
          c, CURLOPT_READFUNCTION, +[](char* buffer, size_t size, size_t n, void* user) -> size_t {
            auto* tr = static_cast<Transfer*>(user);
            const std::string& b = tr->request->body;
            size_t want = std::min(b.size() - static_cast<size_t>(tr->uploaded), size * n);
            std::copy_n(b.data() + tr->uploaded, want, buffer);
            tr->uploaded += static_cast<int64_t>(want);
            return want;
          });
      curl_easy_setopt(c, CURLOPT_READDATA, &t);
    }
    if (request.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  CURLcode rc = curl_easy_perform(c);
  if (!t.error.ok()) return t.error;
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (scheme == "https" && IsTlsFailure(rc, status != 0)) {
      return Errorf(absl::StatusCode::kUnavailable, "{} {}: {}", request.method, request.url,
                    TlsFailureMessage(rc, detail, host, tls != nullptr ? &tls->tls : nullptr,
                                      options_.certs_dir));
    }
    return Errorf(absl::StatusCode::kUnavailable, "{} {}: {}", request.method, request.url, detail);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* effective = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective != nullptr) response.effective_url = effective;
  // A 2xx without a body still starts the sink (an empty blob).
  if (!t.started && request.sink != nullptr && request.method != "HEAD" && response.status >= 200 &&
      response.status < 300 && request.sink->start) {
    BERTH_RETURN_IF_ERROR(request.sink->start(response.status, response.headers));
  }
  return response;
}

}  // namespace berth::containerd::registry
