#include "containerd/services/images_service.h"

#include <sys/mman.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "common/grpc/status_convert.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "containerd/core/images/archive.h"
#include "containerd/core/images/image_store.h"
#include "containerd/core/images/layer_gate.h"
#include "containerd/core/images/unpack.h"
#include "containerd/core/leases/leased_snapshotter.h"
#include "containerd/core/leases/operation_lease.h"
#include "containerd/services/proto_convert.h"
#include "containerd/services/request_lease.h"
#include "containerd/services/request_namespace.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
using grpcutil::ToGrpc;

// Images from anywhere are unpacked without device nodes: the runtime
// makes /dev, and a device node in a snapshot is a way to the host's disks
// for whoever can reach the snapshot (a privileged container, a host user).
images::UnpackOptions DaemonUnpackOptions() {
  images::UnpackOptions options;
  options.allow_devices = false;
  return options;
}
using images::ImageStore;
using metadata::Transaction;

void ToProto(const images::Image& image, pb::Image* out) {
  out->set_name(image.name);
  out->mutable_labels()->insert(image.labels.begin(), image.labels.end());
  out->mutable_target()->set_media_type(image.target.media_type);
  out->mutable_target()->set_digest(image.target.digest.str());
  out->mutable_target()->set_size(image.target.size);
  services::ToProto(image.created_at, out->mutable_created_at());
  services::ToProto(image.updated_at, out->mutable_updated_at());
}

absl::StatusOr<images::Image> FromProto(const pb::Image& image) {
  images::Image out;
  out.name = image.name();
  out.labels.insert(image.labels().begin(), image.labels().end());
  out.target.media_type = image.target().media_type();
  out.target.size = image.target().size();
  if (!image.target().digest().empty()) {
    BERTH_ASSIGN_OR_RETURN(out.target.digest, content::Digest::Parse(image.target().digest()));
  }
  return out;
}

absl::StatusOr<std::optional<images::Platform>> OptionalPlatform(const std::string& text) {
  if (text.empty()) return std::optional<images::Platform>();
  BERTH_ASSIGN_OR_RETURN(images::Platform p, images::ParsePlatform(text));
  return std::optional<images::Platform>(std::move(p));
}

// Creates the image, or points an existing one at `image.target`.
absl::StatusOr<images::Image> Record(metadata::Store& store, const std::string& ns,
                                     const images::Image& image) {
  return store.UpdateValue([&](Transaction& tx) -> absl::StatusOr<images::Image> {
    ImageStore images(tx, ns);
    absl::StatusOr<images::Image> existing = images.Get(image.name);
    if (absl::IsNotFound(existing.status())) return images.Create(image);
    if (!existing.ok()) return existing.status();
    return images.Update(image, {"target"});
  });
}

// The lease an operation works under: the call's own when it names one
// (the client decides how long it lives), else one for the operation's
// length.
class OperationScope {
 public:
  static absl::StatusOr<OperationScope> Open(grpc::ServerContext& context, metadata::Store* store,
                                             const std::string& ns, std::string_view what) {
    BERTH_ASSIGN_OR_RETURN(std::string lease, RequestLease(context));
    OperationScope scope;
    if (!lease.empty()) {
      scope.borrowed_ = std::make_unique<leases::LeaseTracker>(store, ns, lease);
    } else {
      BERTH_ASSIGN_OR_RETURN(scope.owned_, leases::OperationLease::Create(store, ns, what));
    }
    return scope;
  }

  leases::LeaseTracker& tracker() { return owned_ ? owned_->tracker() : *borrowed_; }

 private:
  std::unique_ptr<leases::OperationLease> owned_;
  std::unique_ptr<leases::LeaseTracker> borrowed_;
};

void ToProto(const registry::Progress& p, pb::BlobProgress* out) {
  out->set_digest(p.digest.str());
  out->set_offset(p.offset);
  out->set_total(p.total);
  out->set_resumed_from(p.resumed_from);
  out->set_done(p.done);
}

// The daemon's registry options with a call's own credentials (docker's
// X-Registry-Auth) in place of its credentials file.
registry::ClientOptions WithAuth(registry::ClientOptions options, const pb::RegistryAuth* auth) {
  if (auth == nullptr) return options;
  registry::Credentials creds;
  creds.username = auth->username();
  creds.password = auth->password();
  if (creds.password.empty() && !auth->identity_token().empty()) {
    creds.username = "<token>";
    creds.password = auth->identity_token();
  }
  if (!creds.username.empty() || !creds.password.empty()) options.credentials = creds;
  return options;
}

}  // namespace

grpc::Status ImagesService::Get(grpc::ServerContext* context, const pb::GetImageRequest* request,
                                pb::GetImageResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<images::Image> image =
      store_->ViewValue([&](Transaction& tx) { return ImageStore(tx, *ns).Get(request->name()); });
  if (!image.ok()) return ToGrpc(image.status());
  ToProto(*image, response->mutable_image());
  return grpc::Status::OK;
}

grpc::Status ImagesService::List(grpc::ServerContext* context, const pb::ListImagesRequest* request,
                                 pb::ListImagesResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  std::vector<std::string> filters(request->filters().begin(), request->filters().end());
  absl::StatusOr<std::vector<images::Image>> list =
      store_->ViewValue([&](Transaction& tx) { return ImageStore(tx, *ns).List(filters); });
  if (!list.ok()) return ToGrpc(list.status());
  for (const images::Image& image : *list) ToProto(image, response->add_images());
  return grpc::Status::OK;
}

grpc::Status ImagesService::Create(grpc::ServerContext* context,
                                   const pb::CreateImageRequest* request,
                                   pb::CreateImageResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<images::Image> image = FromProto(request->image());
  if (!image.ok()) return ToGrpc(image.status());
  absl::StatusOr<std::string> lease = RequestLease(*context);
  if (!lease.ok()) return ToGrpc(lease.status());
  if (!lease->empty()) {
    leases::LeaseTracker held(store_, *ns, *lease);
    if (absl::Status s = held.HoldImage(image->name); !s.ok()) return ToGrpc(s);
  }
  absl::StatusOr<images::Image> created =
      store_->UpdateValue([&](Transaction& tx) { return ImageStore(tx, *ns).Create(*image); });
  if (!created.ok()) return ToGrpc(created.status());
  ToProto(*created, response->mutable_image());
  return grpc::Status::OK;
}

grpc::Status ImagesService::Update(grpc::ServerContext* context,
                                   const pb::UpdateImageRequest* request,
                                   pb::UpdateImageResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<images::Image> image = FromProto(request->image());
  if (!image.ok()) return ToGrpc(image.status());
  std::vector<std::string> paths(request->update_mask().paths().begin(),
                                 request->update_mask().paths().end());
  absl::StatusOr<images::Image> updated = store_->UpdateValue(
      [&](Transaction& tx) { return ImageStore(tx, *ns).Update(*image, paths); });
  if (!updated.ok()) return ToGrpc(updated.status());
  ToProto(*updated, response->mutable_image());
  return grpc::Status::OK;
}

grpc::Status ImagesService::Delete(grpc::ServerContext* context,
                                   const pb::DeleteImageRequest* request,
                                   google::protobuf::Empty*) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::Status deleted =
      store_->Update([&](Transaction& tx) { return ImageStore(tx, *ns).Delete(request->name()); });
  if (!deleted.ok()) return ToGrpc(deleted);
  gc_->Schedule();  // its blobs and snapshots may be garbage now
  return grpc::Status::OK;
}

grpc::Status ImagesService::Pull(grpc::ServerContext* context, const pb::PullImageRequest* request,
                                 grpc::ServerWriter<pb::PullImageResponse>* writer) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<registry::Reference> ref = registry::Reference::Parse(request->reference());
  if (!ref.ok()) return ToGrpc(ref.status());
  absl::StatusOr<std::optional<images::Platform>> platform = OptionalPlatform(request->platform());
  if (!platform.ok()) return ToGrpc(platform.status());
  registry::PullOptions options;
  options.platform = *platform;
  // The client serializes its progress calls; this thread is inside Pull.
  options.progress = [&](const registry::Progress& p) {
    pb::PullImageResponse message;
    ToProto(p, message.mutable_progress());
    return !context->IsCancelled() && writer->Write(message);
  };
  snapshots::Snapshotter* snapshotter = nullptr;
  if (request->unpack()) {
    absl::StatusOr<snapshots::Snapshotter*> sn = snapshotters_->Get(request->snapshotter());
    if (!sn.ok()) return ToGrpc(sn.status());
    snapshotter = *sn;
  }
  absl::StatusOr<OperationScope> scope =
      OperationScope::Open(*context, store_, *ns, "pull " + ref->String());
  if (!scope.ok()) return ToGrpc(scope.status());
  leases::LeaseTracker& held = scope->tracker();
  // Every blob the pull finds or writes is held before it is relied on.
  std::unique_ptr<content::Store> leased = content_->WithHooks(held.ContentHooks());

  // With unpack, layers are applied in order as they land while later ones
  // still download (containerd's ctr fetches everything first).
  std::optional<leases::LeasedSnapshotter> leased_sn;
  if (snapshotter) leased_sn.emplace(*snapshotter, held);
  images::LayerGate gate;
  std::thread unpacker;
  absl::StatusOr<images::UnpackResult> unpacked = absl::UnknownError("unpack did not start");
  if (snapshotter) {
    options.on_manifest = [&](const registry::PullResult& partial) {
      unpacker = std::thread([&, target = partial.target] {
        images::UnpackOptions unpack = DaemonUnpackOptions();
        unpack.platform = *platform;
        unpack.await_layer = [&](const content::Digest& d) { return gate.Wait(d); };
        unpacked = images::Unpack(*content_, *leased_sn, *ns, target, unpack);
      });
    };
    options.on_layer = [&](const content::Digest& d) { gate.Ready(d); };
  }
  registry::Client client(WithAuth(registry_, request->has_auth() ? &request->auth() : nullptr));
  absl::StatusOr<registry::PullResult> pulled = client.Pull(*ref, *leased, options);
  if (!pulled.ok()) gate.Fail(absl::CancelledError("the pull failed"));
  if (unpacker.joinable()) unpacker.join();
  if (!pulled.ok()) {
    return ToGrpc(WithContext(pulled.status(), "pull " + ref->String()));
  }
  if (absl::Status s = held.ReferenceHeldBlobs(*content_); !s.ok()) {
    return ToGrpc(WithContext(s, "pull " + ref->String()));
  }
  images::Image image;
  image.name = ref->String();
  image.target = pulled->target;
  absl::StatusOr<images::Image> recorded = Record(*store_, *ns, image);
  if (!recorded.ok()) return ToGrpc(recorded.status());
  pb::PullImageResponse last;
  if (snapshotter) {
    if (!unpacked.ok()) return ToGrpc(WithContext(unpacked.status(), "unpack " + image.name));
    last.set_chain_id(unpacked->chain_id.str());
  }
  ToProto(*recorded, last.mutable_image());
  writer->Write(last);
  return grpc::Status::OK;
}

grpc::Status ImagesService::Push(grpc::ServerContext* context, const pb::PushImageRequest* request,
                                 grpc::ServerWriter<pb::PushImageResponse>* writer) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<images::Image> image =
      store_->ViewValue([&](Transaction& tx) { return ImageStore(tx, *ns).Get(request->name()); });
  if (!image.ok()) return ToGrpc(image.status());
  absl::StatusOr<registry::Reference> ref = registry::Reference::Parse(
      request->reference().empty() ? request->name() : request->reference());
  if (!ref.ok()) return ToGrpc(ref.status());
  registry::PushOptions options;
  options.progress = [&](const registry::Progress& p) {
    pb::PushImageResponse message;
    ToProto(p, message.mutable_progress());
    return !context->IsCancelled() && writer->Write(message);
  };
  registry::Client client(WithAuth(registry_, request->has_auth() ? &request->auth() : nullptr));
  return ToGrpc(
      WithContext(client.Push(*ref, *content_, image->target, options), "push " + ref->String()));
}

grpc::Status ImagesService::Unpack(grpc::ServerContext* context,
                                   const pb::UnpackImageRequest* request,
                                   pb::UnpackImageResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<std::optional<images::Platform>> platform = OptionalPlatform(request->platform());
  if (!platform.ok()) return ToGrpc(platform.status());
  absl::StatusOr<images::Image> image =
      store_->ViewValue([&](Transaction& tx) { return ImageStore(tx, *ns).Get(request->name()); });
  if (!image.ok()) return ToGrpc(image.status());
  absl::StatusOr<snapshots::Snapshotter*> sn = snapshotters_->Get(request->snapshotter());
  if (!sn.ok()) return ToGrpc(sn.status());
  absl::StatusOr<OperationScope> scope =
      OperationScope::Open(*context, store_, *ns, "unpack " + image->name);
  if (!scope.ok()) return ToGrpc(scope.status());
  leases::LeasedSnapshotter leased_sn(**sn, scope->tracker());
  images::UnpackOptions options = DaemonUnpackOptions();
  options.platform = *platform;
  absl::StatusOr<images::UnpackResult> unpacked =
      images::Unpack(*content_, leased_sn, *ns, image->target, options);
  if (!unpacked.ok()) return ToGrpc(WithContext(unpacked.status(), "unpack " + image->name));
  response->set_chain_id(unpacked->chain_id.str());
  response->set_layers_applied(unpacked->layers_applied);
  response->set_layers_skipped(unpacked->layers_skipped);
  return grpc::Status::OK;
}

grpc::Status ImagesService::Import(grpc::ServerContext* context,
                                   grpc::ServerReader<pb::ImportImageRequest>* reader,
                                   pb::ImportImageResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  // The tarball is read in one pass by the importer; it is spooled to an
  // anonymous file first so that a client going away midway imports nothing.
  UniqueFd spool(::memfd_create("berth-import", MFD_CLOEXEC));
  if (!spool) return ToGrpc(ErrnoErrorf(errno, "import: memfd_create"));
  images::ImportOptions options;
  pb::ImportImageRequest chunk;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (first) options.base_name = chunk.base_name();
    first = false;
    const std::string& data = chunk.data();
    for (size_t done = 0; done < data.size();) {
      ssize_t n = ::write(spool.get(), data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ToGrpc(ErrnoErrorf(errno, "import: spool the tarball"));
      done += static_cast<size_t>(n);
    }
  }
  if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "import cancelled");
  ::lseek(spool.get(), 0, SEEK_SET);
  absl::StatusOr<OperationScope> scope = OperationScope::Open(*context, store_, *ns, "import");
  if (!scope.ok()) return ToGrpc(scope.status());
  std::unique_ptr<content::Store> leased = content_->WithHooks(scope->tracker().ContentHooks());
  absl::StatusOr<std::vector<images::Image>> imported =
      images::Import(*leased, *store_, *ns, spool.get(), options);
  if (!imported.ok()) return ToGrpc(WithContext(imported.status(), "import"));
  if (absl::Status s = scope->tracker().ReferenceHeldBlobs(*content_); !s.ok()) {
    return ToGrpc(WithContext(s, "import"));
  }
  for (const images::Image& image : *imported) ToProto(image, response->add_images());
  return grpc::Status::OK;
}

grpc::Status ImagesService::Export(grpc::ServerContext* context,
                                   const pb::ExportImageRequest* request,
                                   grpc::ServerWriter<pb::ExportImageResponse>* writer) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<std::optional<images::Platform>> platform = OptionalPlatform(request->platform());
  if (!platform.ok()) return ToGrpc(platform.status());
  std::vector<images::Image> chosen;
  for (const std::string& name : request->names()) {
    absl::StatusOr<images::Image> image =
        store_->ViewValue([&](Transaction& tx) { return ImageStore(tx, *ns).Get(name); });
    if (!image.ok()) return ToGrpc(image.status());
    chosen.push_back(*std::move(image));
  }
  if (chosen.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "export: no image named");
  }
  UniqueFd spool(::memfd_create("berth-export", MFD_CLOEXEC));
  if (!spool) return ToGrpc(ErrnoErrorf(errno, "export: memfd_create"));
  images::ExportOptions options;
  options.format = request->format() == pb::ARCHIVE_FORMAT_DOCKER
                       ? images::ArchiveFormat::kDockerSave
                       : images::ArchiveFormat::kOciLayout;
  options.platform = *platform;
  if (absl::Status s = images::Export(*content_, chosen, spool.get(), options); !s.ok()) {
    return ToGrpc(WithContext(s, "export"));
  }
  ::lseek(spool.get(), 0, SEEK_SET);
  pb::ExportImageResponse chunk;
  std::string buffer(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(spool.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ToGrpc(ErrnoErrorf(errno, "export: read the tarball"));
    if (n == 0) break;
    chunk.set_data(buffer.data(), static_cast<size_t>(n));
    if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "reader went away");
  }
  return grpc::Status::OK;
}

}  // namespace berth::containerd::services
