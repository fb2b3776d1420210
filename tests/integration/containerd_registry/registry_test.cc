// The registry client against a real registry: Debian's docker-registry
// (distribution 2.8) on 127.0.0.1 with a random port and filesystem storage
// in a temp dir, without auth and with htpasswd basic auth. Images come from
// berth_testimage's OCI layouts: pushed with our Push, pulled back into a
// fresh content store.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/spawn.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "containerd/core/registry/client.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/registry_server.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"
#include "tests/testutil/test_pki.h"

namespace berth::containerd::registry {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using images::kMediaTypeOciIndex;
using images::kMediaTypeOciManifest;
namespace fs = std::filesystem;

constexpr const char* kUser = berth::testing::kRegistryUser;
constexpr const char* kPassword = berth::testing::kRegistryPassword;

// The shared test registry, with this suite's helpers.
class Registry : public berth::testing::RegistryServer {
 public:
  explicit Registry(bool basic_auth) : RegistryServer(basic_auth) {}
  explicit Registry(const berth::testing::RegistryTls& tls) : RegistryServer(tls) {}
  std::string BlobDataPath(const content::Digest& d) const {
    return RegistryServer::BlobDataPath(d.hex());
  }
  Reference Ref(const std::string& repo_tag) const {
    return ValueOrFail(Reference::Parse(host() + "/" + repo_tag));
  }
};

struct LocalImage {
  TempDir dir{"berth-registry-image"};
  std::unique_ptr<content::Store> store;
  testimage::ImageInfo info;
  Descriptor target;
};

// An OCI layout of busybox with `layers` layers, its blobs imported into a
// content store; target is its manifest.
std::unique_ptr<LocalImage> MakeImage(int layers) {
  auto img = std::make_unique<LocalImage>();
  testimage::ImageOptions opts;
  opts.layers = testimage::SampleLayers(layers);
  img->info = ValueOrFail(testimage::CreateOciLayout(img->dir.Sub("layout"), opts));
  img->store = ValueOrFail(content::Store::Open(img->dir.Sub("content")));
  for (const auto& e : fs::directory_iterator(img->dir.Sub("layout/blobs/sha256"))) {
    std::string data = ValueOrFail(ReadFile(e.path().string()));
    content::Digest d = ValueOrFail(content::Digest::FromHex(e.path().filename().string()));
    auto w = ValueOrFail(img->store->OpenWriter(d.str(), static_cast<int64_t>(data.size()), d));
    REQUIRE_OK(w->Write(data));
    REQUIRE_OK(w->Commit());
  }
  img->target.media_type = kMediaTypeOciManifest;
  img->target.digest = ValueOrFail(content::Digest::Parse(img->info.manifest_digest));
  img->target.size = img->info.manifest_size;
  return img;
}

void CheckPulled(const PullResult& pulled, const LocalImage& img, const content::Store& store) {
  CHECK(pulled.target.digest.str() == img.info.manifest_digest);
  CHECK(pulled.target.media_type == kMediaTypeOciManifest);
  CHECK(pulled.manifest.digest == pulled.target.digest);
  CHECK(pulled.parsed.config.digest.str() == img.info.config_digest);
  REQUIRE(pulled.parsed.layers.size() == img.info.layers.size());
  for (size_t i = 0; i < img.info.layers.size(); ++i) {
    CHECK(pulled.parsed.layers[i].digest.str() == img.info.layers[i].digest);
    REQUIRE_OK(store.Verify(pulled.parsed.layers[i].digest));
  }
  REQUIRE_OK(store.Verify(pulled.target.digest));
  REQUIRE_OK(store.Verify(pulled.parsed.config.digest));
  CHECK(content::Digest::Of(pulled.config).str() == img.info.config_digest);
  CHECK(ValueOrFail(store.ListStatuses()).empty());
}

TEST_CASE("registry client: push and pull against a registry without auth",
          "[registry][integration]") {
  Registry registry(false);
  std::unique_ptr<LocalImage> img = MakeImage(3);
  Client client({});
  Reference ref = registry.Ref("berth/busybox:v1");
  int64_t pushed_bytes = 0;
  PushOptions push;
  push.progress = [&](const Progress& p) {
    if (p.done) pushed_bytes += p.total;
    return true;
  };
  REQUIRE_OK(client.Push(ref, *img->store, img->target, push));
  CHECK(pushed_bytes > 0);

  Descriptor resolved = ValueOrFail(client.Resolve(ref));
  CHECK(resolved.digest == img->target.digest);
  CHECK(resolved.size == img->target.size);
  CHECK(resolved.media_type == kMediaTypeOciManifest);

  TempDir out("berth-registry-pull");
  auto store = ValueOrFail(content::Store::Open(out.Sub("content")));
  std::mutex mu;
  std::map<std::string, int64_t> last;
  PullOptions opts;
  opts.progress = [&](const Progress& p) {
    std::lock_guard lock(mu);
    CHECK(p.offset >= last[p.digest.str()]);
    last[p.digest.str()] = p.offset;
    return true;
  };
  PullResult pulled = ValueOrFail(client.Pull(ref, *store, opts));
  CheckPulled(pulled, *img, *store);
  for (const auto& l : img->info.layers) CHECK(last[l.digest] == l.size);

  // By digest, too.
  Reference by_digest = registry.Ref("berth/busybox@" + img->info.manifest_digest);
  CHECK(ValueOrFail(client.Resolve(by_digest)).digest == img->target.digest);

  // Chunked upload, and a cross-repository mount.
  PushOptions chunked;
  chunked.chunk_threshold = 1024;
  chunked.chunk_size = 64 * 1024;
  REQUIRE_OK(client.Push(registry.Ref("berth/chunked:v1"), *img->store, img->target, chunked));
  PushOptions mount;
  mount.mount_from = "berth/busybox";
  REQUIRE_OK(client.Push(registry.Ref("other/mounted:v1"), *img->store, img->target, mount));
  for (const char* name : {"berth/chunked:v1", "other/mounted:v1"}) {
    TempDir again("berth-registry-pull");
    auto s = ValueOrFail(content::Store::Open(again.Sub("content")));
    CheckPulled(ValueOrFail(client.Pull(registry.Ref(name), *s, {})), *img, *s);
  }

  // An index with a platform selection.
  std::string arch = images::HostPlatform().architecture;
  std::string index = fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","manifests":[)"
      R"({{"mediaType":"{}","digest":"{}","size":{},"platform":{{"os":"linux","architecture":"{}"}}}},)"
      R"({{"mediaType":"{}","digest":"{}","size":{},"platform":{{"os":"linux","architecture":"s390x"}}}}]}})",
      kMediaTypeOciIndex, kMediaTypeOciManifest, img->info.manifest_digest, img->info.manifest_size,
      arch == "s390x" ? "amd64" : arch, kMediaTypeOciManifest, img->info.manifest_digest,
      img->info.manifest_size);
  // Into the local store, then pushed as an index: children first, by digest.
  Descriptor index_desc;
  index_desc.media_type = kMediaTypeOciIndex;
  index_desc.digest = content::Digest::Of(index);
  index_desc.size = static_cast<int64_t>(index.size());
  {
    auto w = ValueOrFail(img->store->OpenWriter("index", index_desc.size, index_desc.digest));
    REQUIRE_OK(w->Write(index));
    REQUIRE_OK(w->Commit());
  }
  REQUIRE_OK(client.Push(registry.Ref("berth/multi:v1"), *img->store, index_desc, {}));
  {
    TempDir again("berth-registry-pull");
    auto s = ValueOrFail(content::Store::Open(again.Sub("content")));
    PullResult r = ValueOrFail(client.Pull(registry.Ref("berth/multi:v1"), *s, {}));
    CHECK(r.target.media_type == kMediaTypeOciIndex);
    CHECK(r.target.digest == content::Digest::Of(index));
    CHECK(r.manifest.digest == img->target.digest);
    REQUIRE_OK(s->Verify(r.target.digest));
    PullOptions windows;
    windows.platform = Platform{.os = "windows", .architecture = "amd64"};
    absl::StatusOr<PullResult> none = client.Pull(registry.Ref("berth/multi:v1"), *s, windows);
    REQUIRE_FALSE(none.ok());
    CHECK(absl::IsNotFound(none.status()));
  }

  // Unknown tag and repository: NotFound naming the reference.
  absl::StatusOr<Descriptor> missing = client.Resolve(registry.Ref("berth/busybox:nope"));
  REQUIRE_FALSE(missing.ok());
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(ToStd(missing.status().message()).find("berth/busybox:nope") != std::string_view::npos);
  CHECK(ToStd(missing.status().message()).find("MANIFEST_UNKNOWN") != std::string_view::npos);
  CHECK(absl::IsNotFound(client.Resolve(registry.Ref("nobody/here:v1")).status()));
}

TEST_CASE("registry client: basic auth with htpasswd and config.json credentials",
          "[registry][integration]") {
  Registry registry(true);
  std::unique_ptr<LocalImage> img = MakeImage(2);
  Reference ref = registry.Ref("secure/busybox:v1");

  Client anonymous({});
  absl::Status denied = anonymous.Push(ref, *img->store, img->target, {});
  REQUIRE_FALSE(denied.ok());
  CHECK(absl::IsPermissionDenied(denied));
  CHECK(ToStd(denied.message()).find(registry.host()) != std::string_view::npos);

  TempDir tmp("berth-registry-auth");
  REQUIRE_OK(WriteFile(tmp.Sub("config.json"),
                       fmt::format(R"({{"auths":{{"{}":{{"auth":"{}"}}}}}})", registry.host(),
                                   Base64Encode(std::string(kUser) + ":" + kPassword))));
  Client client({.credentials_file = tmp.Sub("config.json")});
  REQUIRE_OK(client.Push(ref, *img->store, img->target, {}));
  auto store = ValueOrFail(content::Store::Open(tmp.Sub("content")));
  CheckPulled(ValueOrFail(client.Pull(ref, *store, {})), *img, *store);

  Client wrong({.credentials = Credentials{kUser, "wrong"}});
  absl::StatusOr<Descriptor> r = wrong.Resolve(ref);
  REQUIRE_FALSE(r.ok());
  CHECK(absl::IsPermissionDenied(r.status()));
  CHECK(ToStd(r.status().message()).find(registry.host()) != std::string_view::npos);
}

TEST_CASE("registry client: an interrupted pull resumes with a range request",
          "[registry][integration]") {
  Registry registry(false);
  std::unique_ptr<LocalImage> img = MakeImage(2);
  Client client({});
  Reference ref = registry.Ref("berth/resume:v1");
  REQUIRE_OK(client.Push(ref, *img->store, img->target, {}));

  // The largest layer is cut off after some of its bytes.
  const testimage::LayerInfo* big = &img->info.layers[0];
  for (const auto& l : img->info.layers) {
    if (l.size > big->size) big = &l;
  }
  REQUIRE(big->size > 200 * 1024);
  const int64_t cut = 64 * 1024;
  TempDir out("berth-registry-resume");
  auto store = ValueOrFail(content::Store::Open(out.Sub("content")));
  PullOptions first;
  first.max_concurrent_downloads = 1;
  first.progress = [&](const Progress& p) {
    return !(p.digest.str() == big->digest && p.offset >= cut);
  };
  absl::StatusOr<PullResult> cancelled = client.Pull(ref, *store, first);
  REQUIRE_FALSE(cancelled.ok());
  CHECK(absl::IsCancelled(cancelled.status()));
  content::IngestStatus partial = ValueOrFail(store->Status(big->digest));
  CHECK(partial.offset >= cut);
  CHECK(partial.offset < big->size);
  CHECK_FALSE(store->Info(ValueOrFail(content::Digest::Parse(big->digest))).ok());

  std::mutex mu;
  int64_t resumed_from = -1;
  int64_t first_offset = -1;
  PullOptions second;
  second.progress = [&](const Progress& p) {
    std::lock_guard lock(mu);
    if (p.digest.str() == big->digest && resumed_from < 0) {
      resumed_from = p.resumed_from;
      first_offset = p.offset;
    }
    return true;
  };
  PullResult pulled = ValueOrFail(client.Pull(ref, *store, second));
  CheckPulled(pulled, *img, *store);
  // Only the rest was fetched: the transfer started at the ingest's offset.
  CHECK(resumed_from == partial.offset);
  CHECK(first_offset > partial.offset);
  CHECK(first_offset - partial.offset <= 64 * 1024);
}

TEST_CASE("registry client: a blob whose bytes do not match its digest is rejected",
          "[registry][integration]") {
  Registry registry(false);
  std::unique_ptr<LocalImage> img = MakeImage(2);
  Client client({});
  Reference ref = registry.Ref("berth/corrupt:v1");
  REQUIRE_OK(client.Push(ref, *img->store, img->target, {}));

  // Corrupt a layer in the registry's storage, keeping its size.
  const testimage::LayerInfo& layer = img->info.layers.back();
  content::Digest digest = ValueOrFail(content::Digest::Parse(layer.digest));
  std::string path = registry.BlobDataPath(digest);
  std::string data = ValueOrFail(ReadFile(path));
  data[data.size() / 2] ^= 0x55;
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  REQUIRE_OK(WriteFile(path, data));

  TempDir out("berth-registry-corrupt");
  auto store = ValueOrFail(content::Store::Open(out.Sub("content")));
  Descriptor desc;
  desc.media_type = layer.media_type;
  desc.digest = digest;
  desc.size = layer.size;
  absl::Status s = client.FetchBlob(ref, desc, *store, nullptr);
  REQUIRE_FALSE(s.ok());
  CHECK(absl::IsDataLoss(s));
  CHECK(ToStd(s.message()).find(layer.digest) != std::string_view::npos);
  CHECK(absl::IsNotFound(store->Info(digest).status()));
  CHECK(ValueOrFail(store->ListStatuses()).empty());

  absl::StatusOr<PullResult> pulled = client.Pull(ref, *store, {});
  REQUIRE_FALSE(pulled.ok());
  CHECK(absl::IsDataLoss(pulled.status()));
  CHECK(absl::IsNotFound(store->Info(digest).status()));
}

TEST_CASE("registry client: HTTPS with the CAs and client certificate of the certs dir",
          "[registry][integration]") {
  berth::testing::TestPki pki;
  berth::testing::TestPki other("another CA");
  Registry registry(berth::testing::RegistryTls{pki.server_cert, pki.server_key, {pki.ca}});
  std::unique_ptr<LocalImage> img = MakeImage(1);
  TempDir certs("berth-certs");
  const std::string dir = certs.Sub(registry.host());
  REQUIRE(MkdirAll(dir).ok());
  auto copy = [](const std::string& from, const std::string& to) {
    REQUIRE(WriteFile(to, ValueOrFail(ReadFile(from))).ok());
  };
  auto push = [&] {
    // A client per attempt: each reads the certs dir once.
    ClientOptions options;
    options.http.certs_dir = certs.path();
    return Client(options).Push(registry.Ref("berth/tls:v1"), *img->store, img->target, {});
  };

  absl::Status s = push();
  INFO(s.ToString());
  CHECK(absl::IsUnavailable(s));
  CHECK(ToStd(s.message())
            .find("TLS certificate verification failed for registry " + registry.host()) !=
        std::string::npos);

  copy(other.ca, dir + "/other.crt");
  s = push();
  INFO(s.ToString());
  CHECK(ToStd(s.message()).find(dir + "/other.crt") != std::string::npos);

  copy(pki.ca, dir + "/ca.crt");
  s = push();
  INFO(s.ToString());
  CHECK(absl::IsUnavailable(s));
  CHECK(ToStd(s.message()).find(registry.host()) != std::string::npos);
  CHECK(ToStd(s.message()).find("no client certificate") != std::string::npos);

  copy(pki.client_cert, dir + "/client.cert");
  copy(pki.client_key, dir + "/client.key");
  REQUIRE_OK(push());
  ClientOptions options;
  options.http.certs_dir = certs.path();
  Client client(options);
  TempDir out("berth-registry-pull");
  auto store = ValueOrFail(content::Store::Open(out.Sub("content")));
  PullResult pulled = ValueOrFail(client.Pull(registry.Ref("berth/tls:v1"), *store, {}));
  CheckPulled(pulled, *img, *store);
}

}  // namespace
}  // namespace berth::containerd::registry
