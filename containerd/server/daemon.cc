#include "containerd/server/daemon.h"

#include <fcntl.h>
#include <sys/file.h>

#include "common/file_util.h"
#include "common/grpc/reflection.h"
#include "common/grpc/unix_socket.h"
#include "common/logger.h"
#include "common/status.h"
#include "containerd/core/gc/gc.h"
#include "containerd/core/images/image_store.h"
#include "containerd/core/metadata/namespaces.h"
#include "containerd/core/snapshots/native.h"
#include "containerd/core/snapshots/overlay.h"
#include "containerd/core/snapshots/temp_mount.h"
#include "containerd/services/containers_service.h"
#include "containerd/services/content_service.h"
#include "containerd/services/diff_service.h"
#include "containerd/services/events_service.h"
#include "containerd/services/images_service.h"
#include "containerd/services/leases_service.h"
#include "containerd/services/namespaces_service.h"
#include "containerd/services/snapshots_service.h"
#include "containerd/services/tasks_service.h"
#include "containerd/services/version_service.h"

namespace berth::containerd::server {
namespace {

// One daemon per root: two would hand out the same bundles and shims.
absl::StatusOr<UniqueFd> LockRoot(const std::string& root) {
  std::string path = JoinPath(root, "daemon.lock");
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return ErrnoErrorf(errno, "open {}", path);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK) {
      return FailedPreconditionf("root {}: another berth-containerd is using it", root);
    }
    return ErrnoErrorf(errno, "lock {}", path);
  }
  return fd;
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

// overlayfs where the kernel mounts it on this filesystem (the default),
// and native (copies) always.
absl::StatusOr<std::unique_ptr<snapshots::SnapshotterSet>> OpenSnapshotters(
    const std::string& root, metadata::Store* store) {
  auto set = std::make_unique<snapshots::SnapshotterSet>();
  std::string dir = JoinPath(root, "snapshots");
  BERTH_RETURN_IF_ERROR(MkdirAll(dir, 0700));
  bool overlay = snapshots::OverlaySupported(dir);
  if (overlay) {
    BERTH_ASSIGN_OR_RETURN(auto sn,
                           snapshots::OverlaySnapshotter::Open(JoinPath(dir, "overlayfs"), store));
    set->Add(std::move(sn), /*is_default=*/true);
  } else {
    log::Warnf("overlayfs is not available under {}: the native snapshotter is the default", dir);
  }
  BERTH_ASSIGN_OR_RETURN(auto native,
                         snapshots::NativeSnapshotter::Open(JoinPath(dir, "native"), store));
  set->Add(std::move(native), /*is_default=*/!overlay);
  return set;
}

// How long after the last deletion a collection runs: a burst of removals
// (an image and its containers) costs one.
constexpr std::chrono::milliseconds kGcDelay{100};

void LogReport(const gc::Report& r, std::chrono::steady_clock::duration took) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  if (r.removed_blobs.empty() && r.removed_snapshots.empty() && r.removed_content_refs.empty() &&
      r.removed_leases.empty() && r.removed_ingests.empty()) {
    log::Debugf("gc: nothing to collect ({} ms)", ms);
    return;
  }
  log::Infof(
      "gc: removed {} blobs, {} snapshots, {} content references, {} expired leases, {} stale "
      "ingests; {} bytes freed ({} ms)",
      r.removed_blobs.size(), r.removed_snapshots.size(), r.removed_content_refs.size(),
      r.removed_leases.size(), r.removed_ingests.size(), r.bytes, ms);
  for (const content::Digest& d : r.removed_blobs) log::Debugf("gc: blob {}", d.str());
  for (const gc::SnapshotId& s : r.removed_snapshots) {
    log::Debugf("gc: snapshot {}/{}/{}", s.ns, s.snapshotter, s.key);
  }
  for (const gc::LeaseId& l : r.removed_leases) log::Debugf("gc: lease {}/{}", l.ns, l.id);
  for (const std::string& ref : r.removed_ingests) log::Debugf("gc: ingest {:?}", ref);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(const DaemonConfig& config) {
  BERTH_ASSIGN_OR_RETURN(std::string socket, grpcutil::UnixSocketPath(config.address));
  for (const std::string& dir :
       {config.root, config.state, config.TasksDir(), config.SocketDir(), Dirname(socket)}) {
    BERTH_RETURN_IF_ERROR(MkdirAll(dir, 0711));
  }
  log::Debugf("berth-containerd starting: root {}, state {}", config.root, config.state);
  std::unique_ptr<Daemon> d(new Daemon());
  BERTH_ASSIGN_OR_RETURN(d->lock_, LockRoot(config.root));
  BERTH_ASSIGN_OR_RETURN(d->store_, metadata::Store::Open(JoinPath(
                                        config.root, std::string(metadata::kDatabaseFile))));
  d->store_->AddNamespaceUsageCheck(images::ImageStore::UsageCheck());
  BERTH_RETURN_IF_ERROR(metadata::EnsureNamespace(*d->store_, metadata::kDefaultNamespace));
  d->exchange_ = std::make_unique<events::Exchange>();
  BERTH_ASSIGN_OR_RETURN(d->content_, content::Store::Open(JoinPath(config.root, "content")));
  BERTH_ASSIGN_OR_RETURN(d->snapshotters_, OpenSnapshotters(config.root, d->store_.get()));
  // Where Diff mounts snapshots for a moment (containerd's tmpmounts); a
  // crash may have left some mounted.
  const std::string mount_root = JoinPath(config.root, "tmpmounts");
  BERTH_RETURN_IF_ERROR(snapshots::CleanTempMounts(mount_root));

  gc::Options gc_options;
  if (config.ingest_expiry_seconds > 0) {
    gc_options.ingest_expiry = std::chrono::seconds(config.ingest_expiry_seconds);
  }
  Daemon* daemon = d.get();
  d->gc_ = std::make_unique<gc::Scheduler>(
      [daemon, gc_options]() -> absl::StatusOr<gc::Report> {
        auto start = std::chrono::steady_clock::now();
        absl::StatusOr<gc::Report> report = gc::CollectGarbage(*daemon->store_, *daemon->content_,
                                                               *daemon->snapshotters_, gc_options);
        if (!report.ok()) {
          log::Warnf("gc: {}", report.status());
        } else {
          LogReport(*report, std::chrono::steady_clock::now() - start);
        }
        return report;
      },
      kGcDelay);

  TaskManagerOptions options;
  options.state_dir = config.TasksDir();
  options.default_runtime = config.default_runtime;
  options.runtimes = config.runtimes;
  ShimLaunchOptions launch;
  launch.shim_binary = ResolveShim(config);
  launch.runtime_root = config.RuntimeRoot();
  launch.socket_dir = config.SocketDir();
  launch.daemon_address = "unix://" + socket;
  d->tasks_ = std::make_unique<TaskManager>(options, d->store_.get(), d->exchange_.get(), launch,
                                            d->snapshotters_.get());
  // Before serving: a client's first List sees every task that survived.
  BERTH_RETURN_IF_ERROR(WithContext(d->tasks_->Restore(), "restore tasks"));

  d->services_.push_back(std::make_unique<services::VersionService>());
  d->services_.push_back(
      std::make_unique<services::NamespacesService>(d->store_.get(), d->exchange_.get()));
  d->services_.push_back(std::make_unique<services::ContainersService>(
      d->store_.get(), d->exchange_.get(), d->gc_.get()));
  d->services_.push_back(std::make_unique<services::TasksService>(d->tasks_.get()));
  d->services_.push_back(std::make_unique<services::EventsService>(d->exchange_.get()));
  d->services_.push_back(std::make_unique<services::SnapshotsService>(
      d->snapshotters_.get(), d->store_.get(), d->gc_.get()));
  d->services_.push_back(
      std::make_unique<services::ContentService>(d->store_.get(), d->content_.get(), d->gc_.get()));
  d->services_.push_back(std::make_unique<services::LeasesService>(d->store_.get(), d->gc_.get()));
  d->services_.push_back(
      std::make_unique<services::DiffService>(d->store_.get(), d->content_.get(), mount_root));
  registry::ClientOptions registry;
  registry.http.insecure_hosts = config.insecure_registries;
  registry.http.certs_dir = config.registry_certs_dir;
  registry.credentials_file = config.registry_credentials;
  d->services_.push_back(std::make_unique<services::ImagesService>(
      d->store_.get(), d->content_.get(), d->snapshotters_.get(), std::move(registry),
      d->gc_.get()));
  grpcutil::EnableServerReflection();
  grpcutil::ServerOptions server;
  server.path = socket;
  server.mode = 0660;
  for (const auto& s : d->services_) server.services.push_back(s.get());
  BERTH_ASSIGN_OR_RETURN(d->server_, grpcutil::StartUnixServer(server));
  log::Infof("berth-containerd serving on {} (root {}, state {}, shim {})", socket, config.root,
             config.state, launch.shim_binary);
  return d;
}

void Daemon::Shutdown(std::chrono::milliseconds grace) {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + grace);
    server_->Wait();
    server_.reset();
  }
  // After the server: no call can schedule a collection any more.
  if (gc_ != nullptr) gc_->Stop();
}

Daemon::~Daemon() { Shutdown(std::chrono::milliseconds(0)); }

}  // namespace berth::containerd::server
