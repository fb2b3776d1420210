#include "containerd/core/registry/http.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "common/strings.h"

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

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  std::string h = HostOnly(host);
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) { GlobalInit(); }

std::string HttpClient::SchemeFor(const std::string& host) const {
  if (IsLoopbackHost(host)) return "http";
  for (const std::string& h : options_.insecure_hosts) {
    if (h == host || h == HostOnly(host)) return "http";
  }
  return "https";
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
  {
    // Loopback registries are never reached through a proxy.
    CURLU* u = curl_url();
    char* host = nullptr;
    if (curl_url_set(u, CURLUPART_URL, request.url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && IsLoopbackHost(host)) {
      curl_easy_setopt(c, CURLOPT_PROXY, "");
    }
    curl_free(host);
    curl_url_cleanup(u);
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
    return Errorf(absl::StatusCode::kUnavailable, "{} {}: {}", request.method, request.url,
                  curl_easy_strerror(rc));
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
