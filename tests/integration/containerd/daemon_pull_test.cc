// Pulls through berth-containerd that go wrong midway: the daemon killed
// while a layer is half fetched, the disk filling up; and a registry that
// wants Bearer tokens from a token server. The registry is Debian's
// docker-registry on 127.0.0.1; images are pushed to it through the daemon.
#include <sys/mount.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <random>

#include "common/file_util.h"
#include "containerd/core/registry/auth.h"
#include "tests/integration/containerd/image_helpers.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/registry_server.h"
#include "tests/testutil/throttle_proxy.h"
#include "tests/testutil/token_server.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;
namespace fs = std::filesystem;

constexpr int64_t kBigFileSize = 16 << 20;

std::string RandomBytes(int64_t size) {
  std::mt19937_64 rng(42);
  std::string out(static_cast<size_t>(size), '\0');
  for (size_t i = 0; i + 8 <= out.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

// busybox plus a layer holding /opt/big.bin (kBigFileSize incompressible
// bytes, stored uncompressed): imported into the daemon as
// localhost/berth/big:latest.
struct BigImage {
  testimage::ImageInfo info;
  std::string name;  // in the daemon
};
BigImage ImportBigImage(DaemonFixture& f) {
  testimage::ImageOptions options;
  testimage::LayerSpec big;
  big.files["opt/big.bin"] = RandomBytes(kBigFileSize);
  options.layers = {big};
  options.gzip = false;
  absl::StatusOr<testimage::ImageInfo> built =
      testimage::CreateOciArchive(f.Path("big.tar"), options);
  REQUIRE(built.ok());
  grpc::Status s;
  std::vector<ctrpb::Image> imported =
      ImportTarball(f, f.Path("big.tar"), &s, "localhost/berth/big");
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(imported.size() == 1);
  fs::remove(f.Path("big.tar"));
  return {*built, imported[0].name()};
}

StatusCode ImageStatus(DaemonFixture& f, const std::string& name) {
  ctrpb::GetImageRequest get;
  get.set_name(name);
  ctrpb::GetImageResponse got;
  return f.images().Get(Ctx().get(), get, &got).error_code();
}

bool HasBlob(DaemonFixture& f, const std::string& digest) {
  ctrpb::InfoRequest info;
  info.set_digest(digest);
  ctrpb::InfoResponse response;
  return f.content().Info(Ctx().get(), info, &response).ok();
}

const testimage::LayerInfo& BigLayer(const testimage::ImageInfo& info) {
  REQUIRE(info.layers.size() == 2);
  REQUIRE(info.layers[1].size > kBigFileSize);
  return info.layers[1];
}

// The task sees the whole file: its size from the image.
void RunChecksBigFile(DaemonFixture& f, const std::string& id, const std::string& chain_id) {
  std::string log;
  CHECK(RunOn(f, id, chain_id, {"sh", "-c", "wc -c < /opt/big.bin"}, &log) == 0);
  CHECK(log.find(std::to_string(kBigFileSize)) != std::string::npos);
}

// Unmounts (lazily: the daemon may still hold files there) at scope exit.
struct MountGuard {
  std::string path;
  ~MountGuard() { ::umount2(path.c_str(), MNT_DETACH); }
};

TEST_CASE("a pull killed midway resumes after the daemon restarts", "[containerd][pull]") {
  DaemonFixture f;
  RegistryServer registry;
  // Replies come back at 2 MiB/s, so the pull is still in the big layer
  // when the daemon is killed.
  ThrottleProxy proxy(registry.port(), 0);
  const std::string remote = proxy.host() + "/berth/big:v1";
  BigImage image = ImportBigImage(f);
  const testimage::ImageInfo& info = image.info;
  grpc::Status pushed = PushImage(f, image.name, remote);
  INFO(pushed.error_message());
  REQUIRE(pushed.ok());
  ForgetImage(f, image.name);
  const testimage::LayerInfo& big = BigLayer(info);
  REQUIRE_FALSE(HasBlob(f, big.digest));

  proxy.set_rate(2 << 20);
  int64_t seen = 0;
  PullOutcome killed = PullImage(f, remote, /*unpack=*/true, [&](const ctrpb::BlobProgress& p) {
    if (p.digest() != big.digest || p.offset() < (1 << 20)) return true;
    seen = p.offset();
    f.StopDaemon(SIGKILL);
    return false;
  });
  REQUIRE(seen >= (1 << 20));
  CHECK_FALSE(killed.status.ok());

  f.StartDaemon();
  // Nothing that references the partial layer was committed ...
  CHECK(ImageStatus(f, remote) == StatusCode::NOT_FOUND);
  CHECK_FALSE(HasBlob(f, big.digest));
  // ... and its ingest kept what had arrived.
  ctrpb::ListStatusesResponse statuses;
  REQUIRE(f.content().ListStatuses(Ctx().get(), {}, &statuses).ok());
  int64_t kept = -1;
  for (const ctrpb::IngestStatus& st : statuses.statuses()) {
    if (st.expected() == big.digest) kept = st.offset();
  }
  CHECK(kept >= seen);
  CHECK(kept < big.size);

  proxy.set_rate(0);
  PullOutcome resumed = PullImage(f, remote, /*unpack=*/true);
  INFO(resumed.status.error_message());
  REQUIRE(resumed.status.ok());
  int64_t resumed_from = -1;
  for (const ctrpb::BlobProgress& p : resumed.progress) {
    if (p.digest() == big.digest && resumed_from < 0) resumed_from = p.resumed_from();
  }
  CHECK(resumed_from == kept);
  CHECK(resumed.last.image().target().digest() == info.manifest_digest);
  RunChecksBigFile(f, "resumed", resumed.last.chain_id());
}

TEST_CASE("a disk that fills during a pull leaves the store consistent and the pull retryable",
          "[containerd][pull]") {
  DaemonFixture f;
  RegistryServer registry;
  const std::string remote = registry.host() + "/berth/full:v1";
  BigImage image = ImportBigImage(f);
  const testimage::ImageInfo& info = image.info;
  grpc::Status pushed = PushImage(f, image.name, remote);
  INFO(pushed.error_message());
  REQUIRE(pushed.ok());

  // A fresh daemon whose root is a tmpfs smaller than the image.
  f.StopDaemon(SIGTERM);
  fs::remove_all(f.RootDir());
  fs::create_directories(f.RootDir());
  REQUIRE(::mount("tmpfs", f.RootDir().c_str(), "tmpfs", 0, "size=12m,mode=0700") == 0);
  MountGuard guard{f.RootDir()};
  f.StartDaemon();

  PullOutcome full = PullImage(f, remote, /*unpack=*/true);
  INFO(full.status.error_message());
  CHECK(full.status.error_code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(full.status.error_message().find("No space left on device") != std::string::npos);
  CHECK(ImageStatus(f, remote) == StatusCode::NOT_FOUND);
  CHECK_FALSE(HasBlob(f, BigLayer(info).digest));

  // More room, and the same pull goes through.
  REQUIRE(::mount("tmpfs", f.RootDir().c_str(), "tmpfs", MS_REMOUNT, "size=96m,mode=0700") == 0);
  PullOutcome retried = PullImage(f, remote, /*unpack=*/true);
  INFO(retried.status.error_message());
  REQUIRE(retried.status.ok());
  CHECK(retried.last.image().target().digest() == info.manifest_digest);
  RunChecksBigFile(f, "retried", retried.last.chain_id());
  f.StopDaemon(SIGTERM);
}

TEST_CASE("push and pull through a registry that wants Bearer tokens", "[containerd][pull]") {
  DaemonFixture f;
  TokenServer tokens;
  RegistryServer registry(tokens);
  const std::string remote = registry.host() + "/berth/token:v1";

  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(2);
  REQUIRE(testimage::CreateOciArchive(f.Path("image.tar"), options).ok());
  grpc::Status s;
  std::vector<ctrpb::Image> imported = ImportTarball(f, f.Path("image.tar"), &s);
  REQUIRE(s.ok());
  REQUIRE(imported.size() == 1);

  // Without credentials the token server refuses, and the error says so.
  s = PushImage(f, imported[0].name(), remote);
  CHECK(s.error_code() == StatusCode::PERMISSION_DENIED);
  CHECK(s.error_message().find(registry.host()) != std::string::npos);
  CHECK(tokens.refused() > 0);

  // With the user's docker config.json, push and pull go through.
  const std::string auth =
      containerd::registry::Base64Encode(std::string(kRegistryUser) + ":" + kRegistryPassword);
  REQUIRE(WriteFile(f.Path("docker-config.json"),
                    "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}")
              .ok());
  f.StopDaemon(SIGTERM);
  f.SetConfig("registry_credentials", "\"" + f.Path("docker-config.json") + "\"");
  f.StartDaemon();
  s = PushImage(f, imported[0].name(), remote);
  INFO(s.error_message());
  REQUIRE(s.ok());
  std::vector<std::string> scopes = tokens.scopes_seen();
  CHECK(std::find(scopes.begin(), scopes.end(), "repository:berth/token:pull,push") !=
        scopes.end());

  ForgetImage(f, imported[0].name());
  PullOutcome pulled = PullImage(f, remote, /*unpack=*/true);
  INFO(pulled.status.error_message());
  REQUIRE(pulled.status.ok());
  scopes = tokens.scopes_seen();
  CHECK(std::find(scopes.begin(), scopes.end(), "repository:berth/token:pull") != scopes.end());
  std::string log;
  CHECK(RunOn(f, "token", pulled.last.chain_id(), {"cat", "/opt/berth/a.txt"}, &log) == 0);
}

}  // namespace
}  // namespace berth::testing
