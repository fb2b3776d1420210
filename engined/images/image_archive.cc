// docker load / save: tarballs through containerd's Images.Import and
// Images.Export (docker-save format out; docker-save or OCI in).
#include <algorithm>
#include <cstring>

#include "common/grpc/status_convert.h"
#include "common/reference.h"
#include "common/status.h"
#include "engined/images/image_service.h"

namespace berth::engined::images {
namespace {
constexpr size_t kChunk = 1 << 20;
}  // namespace

absl::Status ImageService::Load(std::string_view tarball, bool quiet, const MessageSink& sink) {
  size_t off = 0;
  return Load(
      [&](char* buf, size_t n) -> absl::StatusOr<size_t> {
        size_t take = std::min(n, tarball.size() - off);
        std::memcpy(buf, tarball.data() + off, take);
        off += take;
        return take;
      },
      quiet, sink);
}

absl::Status ImageService::Load(const BodyReader& read, bool quiet, const MessageSink& sink) {
  std::unique_ptr<grpc::ClientContext> ctx = client_.Ctx();
  ctrpb::ImportImageResponse response;
  auto writer = client_.images().Import(ctx.get(), &response);
  ctrpb::ImportImageRequest chunk;
  std::string buf(kChunk, '\0');
  absl::Status read_status;
  bool ok = true, any = false;
  while (ok) {
    absl::StatusOr<size_t> n = read(buf.data(), buf.size());
    if (!n.ok()) {
      read_status = n.status();
      break;
    }
    if (*n == 0 && any) break;
    chunk.set_data(buf.data(), *n);
    ok = writer->Write(chunk);
    any = true;
    if (*n == 0) break;
  }
  if (!read_status.ok()) {
    ctx->TryCancel();
    (void)writer->Finish();
    return WithContext(read_status, "load: reading the request body");
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return WithContext(grpcutil::FromGrpc(s), "load");
  if (response.images().empty()) return InvalidArgumentf("load: the archive names no image");
  for (const ctrpb::Image& image : response.images()) {
    // Archives carry familiar names ("busybox:latest"); berthd's records
    // use the normalized ones.
    std::string name = image.name();
    absl::StatusOr<Reference> ref = Reference::Parse(name);
    if (ref.ok() && ref->String() != name) {
      BERTH_RETURN_IF_ERROR(CreateRecord(ref->String(), image.target()));
      BERTH_RETURN_IF_ERROR(DeleteRecord(name));
      name = ref->String();
    }
    BERTH_ASSIGN_OR_RETURN(ResolvedImage img, Resolve(name));
    std::vector<size_t> new_layers = quiet ? std::vector<size_t>() : LayersToUnpack(img);
    BERTH_RETURN_IF_ERROR(EnsureUnpacked(img).status());
    // Unless quiet, as moby: "Loading layer" for each layer the load added
    // (none for a layer already there), at its full size once unpacked.
    // The whole body has been read by now, so the client is listening.
    const nlohmann::json& descriptors = img.manifest.value("layers", nlohmann::json::array());
    for (size_t i : new_layers) {
      int64_t size = i < descriptors.size() ? descriptors[i].value("size", int64_t{0}) : 0;
      sink(ProgressMessage("Loading layer", ShortId(img.diff_ids[i]), size, size));
    }
    std::string familiar = FamiliarName(name);
    sink(StreamMessage(familiar.empty() ? "Loaded image ID: " + img.id + "\n"
                                        : "Loaded image: " + familiar + "\n"));
  }
  return absl::OkStatus();
}

std::vector<size_t> ImageService::LayersToUnpack(const ResolvedImage& image) {
  std::vector<size_t> missing;
  std::vector<std::string> chain;
  for (size_t i = 0; i < image.diff_ids.size(); ++i) {
    chain.push_back(image.diff_ids[i]);
    ctrpb::StatSnapshotRequest stat;
    stat.set_snapshotter(kSnapshotter);
    stat.set_key(ChainId(chain));
    ctrpb::StatSnapshotResponse info;
    if (!client_.snapshots().Stat(client_.Ctx().get(), stat, &info).ok()) missing.push_back(i);
  }
  return missing;
}

absl::Status ImageService::Save(const std::vector<std::string>& refs,
                                const std::function<bool(std::string_view)>& out) {
  ctrpb::ExportImageRequest request;
  request.set_format(ctrpb::ARCHIVE_FORMAT_DOCKER);
  request.set_platform("linux/amd64");
  BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
  for (const std::string& r : refs) {
    BERTH_ASSIGN_OR_RETURN(ResolvedImage img, ResolveIn(records, r));
    absl::StatusOr<Reference> parsed = Reference::Parse(r);
    if (parsed.ok() && parsed->String() == img.name) {
      request.add_names(img.name);
    } else {  // by ID: every name it has
      for (const std::string& n : img.names) request.add_names(n);
    }
  }
  if (request.names().empty()) return InvalidArgumentf("save: no image named");
  std::unique_ptr<grpc::ClientContext> ctx = client_.Ctx();
  auto reader = client_.images().Export(ctx.get(), request);
  ctrpb::ExportImageResponse chunk;
  bool alive = true;
  while (alive && reader->Read(&chunk)) alive = out(chunk.data());
  if (!alive) ctx->TryCancel();
  grpc::Status s = reader->Finish();
  if (!alive) return absl::CancelledError("save: the client went away");
  if (!s.ok()) return WithContext(grpcutil::FromGrpc(s), "save");
  return absl::OkStatus();
}

}  // namespace berth::engined::images
