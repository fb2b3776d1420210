#include "containerd/core/registry/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::registry {
namespace {

using images::HostPlatform;
using images::IsIndexType;
using images::IsManifestType;
using images::kMaxManifestSize;

std::string UrlEscape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  std::string out = e != nullptr ? e : "";
  curl_free(e);
  return out;
}

std::string PullScope(const Reference& ref) { return "repository:" + ref.path + ":pull"; }
std::string PushScope(const Reference& ref) { return "repository:" + ref.path + ":pull,push"; }

bool Is2xx(long status) { return status >= 200 && status < 300; }

// The error for a failed response about `what` ("manifest docker.io/x:1").
absl::Status ResponseError(const HttpResponse& r, const std::string& what,
                           const std::string& host) {
  std::string msg = RegistryErrorMessage(r);
  switch (r.status) {
    case 404:
      return NotFoundf("{}: not found ({})", what, msg);
    case 401:
    case 403:
      return Errorf(absl::StatusCode::kPermissionDenied, "{}: access denied by registry {} ({})",
                    what, host, msg);
    case 429:
      return Errorf(absl::StatusCode::kResourceExhausted, "{}: registry {} rate limit ({})", what,
                    host, msg);
    default:
      return Errorf(r.status >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kUnknown,
                    "{}: registry {} answered HTTP {} ({})", what, host, r.status, msg);
  }
}

// Resolves a Location header against the URL it came from.
std::string ResolveLocation(const std::string& base_url, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  size_t scheme_end = base_url.find("://");
  size_t path_start = base_url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::string origin = base_url.substr(0, path_start);
  return origin + (location.rfind('/', 0) == 0 ? "" : "/") + location;
}

std::string WithQuery(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

// Stores a small verified blob (manifest, config) unless present.
absl::Status StoreSmallBlob(content::Store& store, const Descriptor& desc,
                            const std::string& data) {
  if (store.Info(desc.digest).ok()) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(
      std::unique_ptr<content::Writer> w,
      store.OpenWriter(desc.digest.str(), static_cast<int64_t>(data.size()), desc.digest));
  BERTH_RETURN_IF_ERROR(w->Truncate(0));
  BERTH_RETURN_IF_ERROR(w->Write(data));
  absl::Status s = w->Commit(static_cast<int64_t>(data.size()), desc.digest);
  if (absl::IsAlreadyExists(s)) return absl::OkStatus();
  return s;
}

}  // namespace

std::string RegistryErrorMessage(const HttpResponse& r) {
  absl::StatusOr<json::Json> doc = json::Parse(r.body, "error");
  std::vector<std::string> parts;
  if (doc.ok() && doc->is_object() && doc->contains("errors") && (*doc)["errors"].is_array()) {
    for (const json::Json& e : (*doc)["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.value("code", "");
      std::string message = e.value("message", "");
      parts.push_back(code.empty() ? message : message.empty() ? code : code + ": " + message);
    }
  }
  if (!parts.empty()) return Join(parts, "; ");
  std::string body(TrimSpace(r.body.substr(0, 200)));
  if (!body.empty() && body.front() != '<') return fmt::format("HTTP {}: {}", r.status, body);
  return fmt::format("HTTP {}", r.status);
}

Client::Client(ClientOptions options) : options_(std::move(options)), http_(options_.http) {}

std::string Client::BaseUrl(const Reference& ref) const {
  std::string host = ref.RegistryHost();
  return http_.SchemeFor(host) + "://" + host + "/v2/" + ref.path;
}

absl::StatusOr<std::optional<Credentials>> Client::CredentialsFor(const std::string& host) {
  if (options_.credentials) return options_.credentials;
  if (options_.credentials_file.empty()) return std::optional<Credentials>();
  return LookupCredentials(options_.credentials_file, host);
}

absl::StatusOr<std::string> Client::Authorize(const std::string& host,
                                              const std::vector<std::string>& scopes,
                                              const std::string& www_authenticate) {
  std::vector<Challenge> challenges = ParseWwwAuthenticate(www_authenticate);
  BERTH_ASSIGN_OR_RETURN(std::optional<Credentials> creds, CredentialsFor(host));
  std::string basic;
  if (creds) basic = "Basic " + Base64Encode(creds->username + ":" + creds->password);
  for (const Challenge& c : challenges) {
    if (c.scheme == "bearer") {
      auto realm = c.params.find("realm");
      if (realm == c.params.end() || realm->second.empty()) continue;
      std::string url = realm->second;
      if (auto service = c.params.find("service"); service != c.params.end()) {
        url = WithQuery(url, "service=" + UrlEscape(service->second));
      }
      for (const std::string& scope : scopes) url = WithQuery(url, "scope=" + UrlEscape(scope));
      HttpRequest req;
      req.url = url;
      if (!basic.empty()) req.headers.push_back("Authorization: " + basic);
      BERTH_ASSIGN_OR_RETURN(HttpResponse r, http_.Do(req));
      if (!Is2xx(r.status)) return ResponseError(r, "token from " + realm->second, host);
      absl::StatusOr<json::Json> doc = json::Parse(r.body, "token response");
      if (!doc.ok() || !doc->is_object()) {
        return Errorf(absl::StatusCode::kUnavailable, "token from {}: not a JSON object",
                      realm->second);
      }
      std::string token = doc->value("token", "");
      if (token.empty()) token = doc->value("access_token", "");
      if (token.empty()) {
        return Errorf(absl::StatusCode::kUnavailable, "token from {}: no token", realm->second);
      }
      std::string header = "Bearer " + token;
      std::lock_guard lock(mu_);
      tokens_[host + " " + Join(scopes, " ")] = header;
      return header;
    }
    if (c.scheme == "basic") {
      if (basic.empty()) {
        return Errorf(absl::StatusCode::kPermissionDenied,
                      "registry {} requires basic authentication and no credentials are "
                      "configured for it",
                      host);
      }
      std::lock_guard lock(mu_);
      basic_[host] = basic;
      return basic;
    }
  }
  return Errorf(absl::StatusCode::kPermissionDenied,
                "registry {}: unauthorized, and no supported authentication challenge in \"{}\"",
                host, www_authenticate);
}

absl::StatusOr<HttpResponse> Client::Send(const std::string& host,
                                          const std::vector<std::string>& scopes,
                                          HttpRequest request) {
  std::string auth;
  {
    std::lock_guard lock(mu_);
    if (auto it = tokens_.find(host + " " + Join(scopes, " ")); it != tokens_.end()) {
      auth = it->second;
    } else if (auto b = basic_.find(host); b != basic_.end()) {
      auth = b->second;
    }
  }
  std::vector<std::string> base_headers = request.headers;
  for (int attempt = 0;; ++attempt) {
    request.headers = base_headers;
    if (!auth.empty()) request.headers.push_back("Authorization: " + auth);
    BERTH_ASSIGN_OR_RETURN(HttpResponse r, http_.Do(request));
    if (r.status != 401 || attempt == 1) return r;
    std::string challenge = r.Header("www-authenticate");
    if (challenge.empty()) return r;
    BERTH_ASSIGN_OR_RETURN(auth, Authorize(host, scopes, challenge));
  }
}

absl::Status Client::CheckLogin(const std::string& host) {
  HttpRequest req;
  req.method = "GET";
  req.url = http_.SchemeFor(host) + "://" + host + "/v2/";
  absl::StatusOr<HttpResponse> r = Send(host, {}, req);
  if (!r.ok()) {
    if (r.status().code() == absl::StatusCode::kUnauthenticated ||
        r.status().code() == absl::StatusCode::kPermissionDenied) {
      return absl::UnauthenticatedError(fmt::format("login to {}: {}", host, r.status()));
    }
    return r.status();
  }
  if (Is2xx(r->status)) return absl::OkStatus();
  if (r->status == 401 || r->status == 403) {
    return absl::UnauthenticatedError(
        fmt::format("login to {}: unauthorized: incorrect username or password", host));
  }
  return absl::UnavailableError(
      fmt::format("login to {}: GET {} answered HTTP {}", host, req.url, r->status));
}

absl::StatusOr<Descriptor> Client::Resolve(const Reference& ref) {
  std::string host = ref.RegistryHost();
  HttpRequest req;
  req.method = "HEAD";
  req.url = BaseUrl(ref) + "/manifests/" + ref.Object();
  req.headers = {std::string("Accept: ") + kManifestAccept};
  BERTH_ASSIGN_OR_RETURN(HttpResponse r, Send(host, {PullScope(ref)}, req));
  Descriptor d;
  if (Is2xx(r.status)) {
    std::string digest = r.Header("docker-content-digest");
    std::string type(
        TrimSpace(r.Header("content-type").substr(0, r.Header("content-type").find(';'))));
    std::optional<int64_t> size = ParseInt64(r.Header("content-length"));
    if (!ref.digest.empty()) digest = ref.digest;
    if (!digest.empty() && size && (IsIndexType(type) || IsManifestType(type))) {
      absl::StatusOr<content::Digest> parsed = content::Digest::Parse(digest);
      if (parsed.ok()) {
        d.digest = *parsed;
        d.media_type = type;
        d.size = *size;
        return d;
      }
    }
  }
  // The HEAD failed (its error has no body) or did not say enough: GET the
  // manifest and describe it ourselves.
  req.method = "GET";
  BERTH_ASSIGN_OR_RETURN(r, Send(host, {PullScope(ref)}, req));
  if (!Is2xx(r.status)) return ResponseError(r, "manifest " + ref.String(), host);
  d.digest = content::Digest::Of(r.body);
  if (!ref.digest.empty() && d.digest.str() != ref.digest) {
    return Errorf(absl::StatusCode::kDataLoss, "manifest {}: content has digest {}", ref.String(),
                  d.digest.str());
  }
  d.size = static_cast<int64_t>(r.body.size());
  BERTH_ASSIGN_OR_RETURN(d.media_type, DetectMediaType(r.body, r.Header("content-type")));
  return d;
}

absl::StatusOr<std::string> Client::FetchManifest(const Reference& ref, const Descriptor& desc) {
  std::string host = ref.RegistryHost();
  std::string what = fmt::format("manifest {}@{}", ref.Name(), desc.digest.str());
  if (desc.size > kMaxManifestSize) {
    return InvalidArgumentf("{}: size {} over the limit of {}", what, desc.size, kMaxManifestSize);
  }
  HttpRequest req;
  req.url = BaseUrl(ref) + "/manifests/" + desc.digest.str();
  req.headers = {std::string("Accept: ") + kManifestAccept};
  BERTH_ASSIGN_OR_RETURN(HttpResponse r, Send(host, {PullScope(ref)}, req));
  if (!Is2xx(r.status)) return ResponseError(r, what, host);
  content::Digest got = content::Digest::Of(r.body);
  if (got != desc.digest) {
    return Errorf(absl::StatusCode::kDataLoss, "{}: content has digest {}", what, got.str());
  }
  return std::move(r.body);
}

absl::Status Client::FetchBlob(const Reference& ref, const Descriptor& desc, content::Store& store,
                               const ProgressFn& progress) {
  std::string host = ref.RegistryHost();
  std::string what = fmt::format("blob {}@{}", ref.Name(), desc.digest.str());
  Progress p{desc.digest, 0, desc.size, 0, false};
  if (store.Info(desc.digest).ok()) {
    p.offset = p.resumed_from = desc.size;
    p.done = true;
    if (progress) progress(p);
    return absl::OkStatus();
  }
  const std::string ingest_ref = desc.digest.str();
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<content::Writer> w,
                         store.OpenWriter(ingest_ref, desc.size, desc.digest));
  if (desc.size > 0 && w->offset() > desc.size) BERTH_RETURN_IF_ERROR(w->Truncate(0));
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (desc.size > 0 && w->offset() == desc.size) break;  // all there: just verify
    p.resumed_from = p.offset = w->offset();
    HttpRequest req;
    req.url = BaseUrl(ref) + "/blobs/" + desc.digest.str();
    if (w->offset() > 0) req.headers.push_back(fmt::format("Range: bytes={}-", w->offset()));
    BodySink sink;
    sink.start = [&](long status, const std::map<std::string, std::string>&) -> absl::Status {
      if (status != 206 && w->offset() > 0) {
        // No range support: start over.
        BERTH_RETURN_IF_ERROR(w->Truncate(0));
        p.resumed_from = p.offset = 0;
      }
      return absl::OkStatus();
    };
    sink.write = [&](std::string_view data) -> absl::Status {
      if (desc.size > 0 && w->offset() + static_cast<int64_t>(data.size()) > desc.size) {
        return Errorf(absl::StatusCode::kDataLoss, "{}: registry sent more than {} bytes", what,
                      desc.size);
      }
      BERTH_RETURN_IF_ERROR(w->Write(data));
      p.offset = w->offset();
      if (progress && !progress(p)) {
        return Errorf(absl::StatusCode::kCancelled, "{}: cancelled at byte {}", what, p.offset);
      }
      return absl::OkStatus();
    };
    req.sink = &sink;
    absl::StatusOr<HttpResponse> r = Send(host, {PullScope(ref)}, req);
    if (!r.ok()) {
      if (absl::IsDataLoss(r.status())) {
        w.reset();
        (void)store.Abort(ingest_ref);
      }
      return WithContext(r.status(), "fetch " + what);
    }
    if (r->status == 416 && w->offset() > 0) {  // our offset is past what it has
      BERTH_RETURN_IF_ERROR(w->Truncate(0));
      continue;
    }
    if (!Is2xx(r->status)) return ResponseError(*r, what, host);
    break;
  }
  absl::Status s = w->Commit(desc.size, desc.digest);
  if (absl::IsFailedPrecondition(s)) {
    // Wrong bytes: drop them so the next pull starts clean.
    w.reset();
    (void)store.Abort(ingest_ref);
    return Errorf(absl::StatusCode::kDataLoss, "{}: {}", what, ToStd(s.message()));
  }
  if (!s.ok() && !absl::IsAlreadyExists(s)) return WithContext(s, "commit " + what);
  p.offset = desc.size;
  p.done = true;
  if (progress) progress(p);
  return absl::OkStatus();
}

absl::StatusOr<PullResult> Client::Pull(const Reference& ref, content::Store& store,
                                        const PullOptions& options) {
  PullResult result;
  BERTH_ASSIGN_OR_RETURN(result.target, Resolve(ref));
  BERTH_ASSIGN_OR_RETURN(std::string data, FetchManifest(ref, result.target));
  BERTH_ASSIGN_OR_RETURN(std::string type, DetectMediaType(data, result.target.media_type));
  result.target.media_type = type;
  BERTH_RETURN_IF_ERROR(StoreSmallBlob(store, result.target, data));
  result.manifest = result.target;
  if (IsIndexType(type)) {
    BERTH_ASSIGN_OR_RETURN(Index index, ParseIndex(data));
    Platform want = options.platform ? *options.platform : HostPlatform();
    absl::StatusOr<Descriptor> chosen = SelectPlatform(index, want);
    if (!chosen.ok()) return WithContext(chosen.status(), ref.String());
    result.manifest = *chosen;
    BERTH_ASSIGN_OR_RETURN(data, FetchManifest(ref, result.manifest));
    BERTH_ASSIGN_OR_RETURN(result.manifest.media_type,
                           DetectMediaType(data, result.manifest.media_type));
    BERTH_RETURN_IF_ERROR(StoreSmallBlob(store, result.manifest, data));
  }
  absl::StatusOr<Manifest> parsed = ParseManifest(data);
  if (!parsed.ok()) return WithContext(parsed.status(), ref.String());
  result.parsed = *std::move(parsed);

  // One lock serializes the caller's progress callback.
  std::mutex progress_mu;
  std::atomic<bool> failed{false};
  ProgressFn progress = [&](const Progress& p) {
    if (failed.load()) return false;
    if (!options.progress) return true;
    std::lock_guard lock(progress_mu);
    return options.progress(p);
  };

  const Descriptor& config = result.parsed.config;
  if (config.size > kMaxManifestSize) {
    return InvalidArgumentf("config {}: size {} over the limit", config.digest.str(), config.size);
  }
  BERTH_RETURN_IF_ERROR(FetchBlob(ref, config, store, progress));
  BERTH_ASSIGN_OR_RETURN(result.config, store.ReadBlob(config.digest, kMaxManifestSize));
  if (options.on_manifest) options.on_manifest(result);

  // Layers in parallel, each digest once.
  std::vector<Descriptor> layers;
  for (const Descriptor& l : result.parsed.layers) {
    bool seen = std::any_of(layers.begin(), layers.end(),
                            [&](const Descriptor& d) { return d.digest == l.digest; });
    if (!seen) layers.push_back(l);
  }
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  absl::Status first_error;
  auto worker = [&] {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= layers.size()) return;
      absl::Status s = FetchBlob(ref, layers[i], store, progress);
      if (s.ok() && options.on_layer) options.on_layer(layers[i].digest);
      if (!s.ok()) {
        std::lock_guard lock(error_mu);
        // The first real error wins over the Cancelled of the others.
        if (first_error.ok() ||
            (absl::IsCancelled(first_error) && !absl::IsCancelled(s) && !failed.load())) {
          first_error = s;
        }
        failed.store(true);
      }
    }
  };
  size_t n = std::clamp<size_t>(static_cast<size_t>(std::max(1, options.max_concurrent_downloads)),
                                1, std::max<size_t>(1, layers.size()));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  if (!first_error.ok()) return WithContext(first_error, "pull " + ref.String());
  return result;
}

absl::Status Client::PushBlob(const Reference& ref, const Descriptor& desc,
                              const content::Store& store, const PushOptions& options) {
  std::string host = ref.RegistryHost();
  std::string what = fmt::format("blob {}@{}", ref.Name(), desc.digest.str());
  std::vector<std::string> scopes = {PushScope(ref)};
  Progress p{desc.digest, 0, desc.size, 0, false};
  auto report = [&](int64_t offset, bool done) {
    p.offset = offset;
    p.done = done;
    if (options.progress && !options.progress(p)) {
      return Errorf(absl::StatusCode::kCancelled, "push {}: cancelled", what);
    }
    return absl::OkStatus();
  };

  HttpRequest head;
  head.method = "HEAD";
  head.url = BaseUrl(ref) + "/blobs/" + desc.digest.str();
  BERTH_ASSIGN_OR_RETURN(HttpResponse r, Send(host, scopes, head));
  // resumed_from == total tells the caller the registry already had the blob.
  if (Is2xx(r.status)) {
    p.resumed_from = desc.size;
    return report(desc.size, true);
  }
  if (r.status != 404) return ResponseError(r, what, host);

  HttpRequest start;
  start.method = "POST";
  start.url = BaseUrl(ref) + "/blobs/uploads/";
  if (!options.mount_from.empty()) {
    start.url +=
        "?mount=" + UrlEscape(desc.digest.str()) + "&from=" + UrlEscape(options.mount_from);
    scopes.push_back("repository:" + options.mount_from + ":pull");
  }
  BERTH_ASSIGN_OR_RETURN(r, Send(host, scopes, start));
  if (r.status == 201) {  // mounted: the registry had it in another repository
    p.resumed_from = desc.size;
    return report(desc.size, true);
  }
  if (r.status != 202) return ResponseError(r, "upload " + what, host);
  std::string location = r.Header("location");
  if (location.empty())
    return Errorf(absl::StatusCode::kUnavailable, "upload {}: no Location", what);
  location = ResolveLocation(start.url, location);

  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, store.OpenBlob(desc.digest));
  if (desc.size > options.chunk_threshold && options.chunk_size > 0) {
    for (int64_t off = 0; off < desc.size; off += options.chunk_size) {
      int64_t len = std::min(options.chunk_size, desc.size - off);
      HttpRequest patch;
      patch.method = "PATCH";
      patch.url = location;
      patch.headers = {"Content-Type: application/octet-stream",
                       fmt::format("Content-Range: {}-{}", off, off + len - 1)};
      patch.file_body = {fd.get(), off, len};
      BERTH_ASSIGN_OR_RETURN(r, Send(host, scopes, patch));
      if (r.status != 202) return ResponseError(r, "upload " + what, host);
      if (std::string l = r.Header("location"); !l.empty()) location = ResolveLocation(location, l);
      BERTH_RETURN_IF_ERROR(report(off + len, false));
    }
    HttpRequest put;
    put.method = "PUT";
    put.url = WithQuery(location, "digest=" + UrlEscape(desc.digest.str()));
    BERTH_ASSIGN_OR_RETURN(r, Send(host, scopes, put));
  } else {
    HttpRequest put;
    put.method = "PUT";
    put.url = WithQuery(location, "digest=" + UrlEscape(desc.digest.str()));
    put.headers = {"Content-Type: application/octet-stream"};
    put.file_body = {fd.get(), 0, desc.size};
    BERTH_ASSIGN_OR_RETURN(r, Send(host, scopes, put));
  }
  if (r.status != 201) return ResponseError(r, "upload " + what, host);
  return report(desc.size, true);
}

absl::Status Client::PushManifest(const Reference& ref, const std::string& tag_or_digest,
                                  const std::string& media_type, const std::string& data) {
  std::string host = ref.RegistryHost();
  HttpRequest put;
  put.method = "PUT";
  put.url = BaseUrl(ref) + "/manifests/" + tag_or_digest;
  put.headers = {"Content-Type: " + media_type};
  put.body = data;
  BERTH_ASSIGN_OR_RETURN(HttpResponse r, Send(host, {PushScope(ref)}, put));
  if (!Is2xx(r.status)) {
    return ResponseError(r, fmt::format("manifest {}:{}", ref.Name(), tag_or_digest), host);
  }
  return absl::OkStatus();
}

absl::Status Client::PushImageManifest(const Reference& ref, const content::Store& store,
                                       const Descriptor& desc, const std::string& tag_or_digest,
                                       const PushOptions& options) {
  BERTH_ASSIGN_OR_RETURN(std::string data, store.ReadBlob(desc.digest, kMaxManifestSize));
  BERTH_ASSIGN_OR_RETURN(std::string type, DetectMediaType(data, desc.media_type));
  BERTH_ASSIGN_OR_RETURN(Manifest m, ParseManifest(data));
  BERTH_RETURN_IF_ERROR(PushBlob(ref, m.config, store, options));
  for (const Descriptor& l : m.layers) BERTH_RETURN_IF_ERROR(PushBlob(ref, l, store, options));
  return PushManifest(ref, tag_or_digest, type, data);
}

absl::Status Client::Push(const Reference& ref, const content::Store& store,
                          const Descriptor& target, const PushOptions& options) {
  BERTH_ASSIGN_OR_RETURN(std::string data, store.ReadBlob(target.digest, kMaxManifestSize));
  BERTH_ASSIGN_OR_RETURN(std::string type, DetectMediaType(data, target.media_type));
  std::string object = ref.tag.empty() ? target.digest.str() : ref.tag;
  if (!IsIndexType(type)) {
    return WithContext(PushImageManifest(ref, store, target, object, options),
                       "push " + ref.String());
  }
  BERTH_ASSIGN_OR_RETURN(Index index, ParseIndex(data));
  for (const Descriptor& child : index.manifests) {
    BERTH_RETURN_IF_ERROR(WithContext(
        PushImageManifest(ref, store, child, child.digest.str(), options), "push " + ref.String()));
  }
  return WithContext(PushManifest(ref, object, type, data), "push " + ref.String());
}

}  // namespace berth::containerd::registry
