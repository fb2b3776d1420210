// A registry v2 client (OCI distribution spec; containerd's
// remotes/docker resolver, fetcher, pusher and authorizer): resolve,
// fetch manifests and blobs into the content store, pull whole images with
// platform selection and parallel, resumable, verified layer downloads, and
// push images from the content store. Transport-free apart from its own
// HTTP: no gRPC; errors are absl::Status.
//
//   Client client({.credentials_file = "/root/.docker/config.json"});
//   BERTH_ASSIGN_OR_RETURN(Reference ref, Reference::Parse("localhost:5000/app:1"));
//   BERTH_ASSIGN_OR_RETURN(PullResult image, client.Pull(ref, store, {}));
//
// Errors: 404 NotFound naming the reference or blob; 401/403 after
// authenticating PermissionDenied naming the registry; a blob or manifest
// whose bytes do not match its digest DataLoss (nothing is committed);
// a progress callback returning false Cancelled (the partial download stays
// in the store's ingest and the next pull resumes it with an HTTP Range).
// The registry's error JSON (errors[].code/message) is part of the message.
// A Client is safe to use from several threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/reference.h"
#include "containerd/core/content/store.h"
#include "containerd/core/registry/auth.h"
#include "containerd/core/registry/http.h"
#include "containerd/core/registry/manifest.h"

namespace berth::containerd::registry {

// Shared with berthd.
using ::berth::Reference;
using ::berth::RegistryHostFor;

struct ClientOptions {
  HttpOptions http;
  // A docker-style config.json to take credentials from; empty: none.
  std::string credentials_file;
  // Credentials for every registry, instead of the file's.
  std::optional<Credentials> credentials;
};

// Byte progress of one blob. Called from the thread transferring it, but
// never concurrently (the client serializes the calls).
struct Progress {
  content::Digest digest;
  int64_t offset = 0;        // bytes in the store's ingest so far
  int64_t total = 0;         // the descriptor's size
  int64_t resumed_from = 0;  // the offset this transfer started at
  bool done = false;
};
// Returning false aborts the transfer: the call fails with Cancelled.
using ProgressFn = std::function<bool(const Progress&)>;

struct PullResult;

struct PullOptions {
  std::optional<Platform> platform;  // default: images::HostPlatform()
  int max_concurrent_downloads = 3;
  ProgressFn progress;
  // Once the manifests and the config are in the store, before any layer:
  // the result so far (layers not fetched yet). Lets a caller start
  // unpacking while the layers download.
  std::function<void(const PullResult&)> on_manifest;
  // After each layer blob is in the store (fetched, verified, committed, or
  // found there), from the thread that fetched it.
  std::function<void(const content::Digest&)> on_layer;
};

struct PullResult {
  Descriptor target;    // what the reference resolved to (index or manifest)
  Descriptor manifest;  // the image manifest (== target unless an index)
  Manifest parsed;      // config and layers
  std::string config;   // the config JSON
};

struct PushOptions {
  // Another repository on the same registry to mount blobs from.
  std::string mount_from;
  // Blobs larger than this go up in PATCH chunks of chunk_size.
  int64_t chunk_threshold = 16 << 20;
  int64_t chunk_size = 8 << 20;
  ProgressFn progress;
};

class Client {
 public:
  explicit Client(ClientOptions options);

  // The descriptor `ref` names (HEAD, falling back to GET, of its manifest).
  absl::StatusOr<Descriptor> Resolve(const Reference& ref);
  // The manifest or index `desc` in `ref`'s repository, verified against
  // its digest.
  absl::StatusOr<std::string> FetchManifest(const Reference& ref, const Descriptor& desc);
  // Streams blob `desc` into `store` under the ref "<digest>", resuming an
  // earlier partial download; done at once when the store has it.
  absl::Status FetchBlob(const Reference& ref, const Descriptor& desc, content::Store& store,
                         const ProgressFn& progress);
  // The whole image: manifests and config are stored too.
  absl::StatusOr<PullResult> Pull(const Reference& ref, content::Store& store,
                                  const PullOptions& options);

  // Pushes the blob `desc` from `store` (skipped when the registry has it).
  absl::Status PushBlob(const Reference& ref, const Descriptor& desc, const content::Store& store,
                        const PushOptions& options);
  // PUTs a manifest or index at `tag_or_digest`.
  absl::Status PushManifest(const Reference& ref, const std::string& tag_or_digest,
                            const std::string& media_type, const std::string& data);
  // Pushes the image rooted at `target` (a manifest or an index in `store`):
  // blobs first, then child manifests by digest, then `target` at ref's tag
  // (or digest).
  absl::Status Push(const Reference& ref, const content::Store& store, const Descriptor& target,
                    const PushOptions& options);

  // Whether the registry at `host` accepts the client's credentials: GET
  // /v2/ and whatever authentication its challenge asks for (docker login).
  // Unauthenticated when it refuses them.
  absl::Status CheckLogin(const std::string& host);

 private:
  std::string BaseUrl(const Reference& ref) const;
  // Sends `request` with cached authorization, authenticating on a 401 and
  // retrying once.
  absl::StatusOr<HttpResponse> Send(const std::string& host, const std::vector<std::string>& scopes,
                                    HttpRequest request);
  absl::StatusOr<std::string> Authorize(const std::string& host,
                                        const std::vector<std::string>& scopes,
                                        const std::string& www_authenticate);
  absl::StatusOr<std::optional<Credentials>> CredentialsFor(const std::string& host);
  absl::Status PushImageManifest(const Reference& ref, const content::Store& store,
                                 const Descriptor& desc, const std::string& tag_or_digest,
                                 const PushOptions& options);

  ClientOptions options_;
  HttpClient http_;
  std::mutex mu_;
  // "host scope scope..." -> Authorization header value.
  std::map<std::string, std::string> tokens_;
  // host -> "Basic ..." once a host asked for basic auth.
  std::map<std::string, std::string> basic_;
};

// The message of a registry error response: "CODE: message; ..." from its
// errors JSON, else the body's start, else the HTTP status.
std::string RegistryErrorMessage(const HttpResponse& response);

}  // namespace berth::containerd::registry
