// Pull and push: containerd's Images.Pull / Images.Push byte progress turned
// into docker's per-layer JSON messages (distribution/pull_v2.go,
// push_v2.go).
#include <map>
#include <set>

#include "common/grpc/status_convert.h"
#include "common/reference.h"
#include "common/status.h"
#include "common/strings.h"
#include "engined/images/image_service.h"

namespace berth::engined::images {
namespace {

// The message for a pull that failed before anything was shown: docker
// names the repository and the reference.
absl::Status PullError(const absl::Status& s, const Reference& ref) {
  if (absl::IsNotFound(s)) {
    return NotFoundf("pull access denied or manifest unknown for {}: repository {} on {}: {}",
                     ref.Familiar(), ref.path, ref.domain, ToStd(s.message()));
  }
  return WithContext(s, "pull " + ref.Familiar());
}

}  // namespace

absl::Status ImageService::Pull(const PullOptions& options, const MessageSink& sink) {
  bool streamed = false;
  absl::Status s = PullOne(options, sink, &streamed);
  if (!s.ok() && streamed) {
    sink(ErrorMessage(s));
    return absl::OkStatus();
  }
  return s;
}

absl::Status ImageService::PullOne(const PullOptions& options, const MessageSink& sink,
                                   bool* streamed) {
  std::string text = options.image;
  if (!options.tag.empty()) {
    text += (options.tag.starts_with("sha256:") ? "@" : ":") + options.tag;
  }
  BERTH_ASSIGN_OR_RETURN(Reference ref, Reference::Parse(text));
  // What the name pointed at before: "up to date" or "newer image".
  std::string before;
  {
    ctrpb::GetImageRequest get;
    get.set_name(ref.String());
    ctrpb::GetImageResponse got;
    if (client_.images().Get(client_.Ctx().get(), get, &got).ok()) {
      before = got.image().target().digest();
    }
  }
  ctrpb::PullImageRequest request;
  request.set_reference(ref.String());
  request.set_platform(options.platform);
  request.set_unpack(true);
  request.set_snapshotter(kSnapshotter);
  if (options.auth) *request.mutable_auth() = *options.auth;
  std::unique_ptr<grpc::ClientContext> ctx = client_.Ctx();
  auto reader = client_.images().Pull(ctx.get(), request);

  bool alive = true;
  auto emit = [&](const nlohmann::json& m) {
    if (!*streamed) {
      *streamed = true;
      alive = sink(StatusMessage(
          "Pulling from " + ref.path,  // the path within the registry, as docker shows
          ref.digest.empty() ? ref.tag : ref.digest));
    }
    if (alive) alive = sink(m);
  };
  // The first blob the registry client reports is the config; the rest are
  // layers, in the order their downloads start.
  std::string config_digest;
  std::vector<std::string> layers;
  std::map<std::string, bool> finished;
  std::set<std::string> existed;  // "Already exists": in the content store before
  ctrpb::PullImageResponse message, last;
  while (alive && reader->Read(&message)) {
    if (message.has_image()) {
      last = message;
      continue;
    }
    const ctrpb::BlobProgress& p = message.progress();
    if (config_digest.empty()) config_digest = p.digest();
    if (p.digest() == config_digest) continue;
    std::string id = ShortId(p.digest());
    if (!finished.contains(p.digest())) {
      layers.push_back(p.digest());
      finished[p.digest()] = false;
      if (p.done() && p.resumed_from() == p.total()) {
        emit(LayerMessage("Already exists", id));
        finished[p.digest()] = true;
        existed.insert(p.digest());
        continue;
      }
      emit(LayerMessage("Pulling fs layer", id));
    }
    if (finished[p.digest()]) continue;
    if (p.done()) {
      emit(LayerMessage("Verifying Checksum", id));
      emit(LayerMessage("Download complete", id));
      finished[p.digest()] = true;
    } else {
      emit(ProgressMessage("Downloading", id, p.offset(), p.total()));
    }
  }
  if (!alive) ctx->TryCancel();
  grpc::Status status = reader->Finish();
  if (!alive) return absl::CancelledError("pull: the client went away");
  if (!status.ok()) {
    absl::Status s = grpcutil::FromGrpc(status);
    return *streamed ? WithContext(s, "pull " + ref.Familiar()) : PullError(s, ref);
  }
  // containerd unpacked each layer as it arrived. As moby: base layer first,
  // and nothing more for a layer that was already there.
  std::vector<std::string> order;
  absl::StatusOr<ResolvedImage> pulled = Resolve(ref.String());
  if (pulled.ok()) {
    for (const nlohmann::json& l : pulled->manifest.value("layers", nlohmann::json::array())) {
      if (finished.contains(l.value("digest", ""))) order.push_back(l.value("digest", ""));
    }
  }
  if (order.size() != layers.size()) order = layers;
  for (const std::string& d : order) {
    if (existed.contains(d)) continue;
    emit(LayerMessage("Extracting", ShortId(d)));
    emit(LayerMessage("Pull complete", ShortId(d)));
  }
  const std::string digest = last.image().target().digest();
  emit(StatusMessage("Digest: " + digest));
  emit(StatusMessage((before == digest ? "Status: Image is up to date for "
                                       : "Status: Downloaded newer image for ") +
                     ref.Familiar()));
  return absl::OkStatus();
}

absl::Status ImageService::Push(const PushOptions& options, const MessageSink& sink) {
  BERTH_ASSIGN_OR_RETURN(
      Reference ref,
      Reference::Parse(options.tag.empty() ? options.image : options.image + ":" + options.tag));
  std::vector<std::string> names;
  size_t colon = options.image.rfind(':');
  size_t slash = options.image.rfind('/');
  bool tag_given = !options.tag.empty() ||
                   (colon != std::string::npos && (slash == std::string::npos || colon > slash));
  BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
  for (const Record& r : records) {
    absl::StatusOr<Reference> have = Reference::Parse(r.image.name());
    if (!have.ok() || have->Name() != ref.Name() || !have->digest.empty()) continue;
    if (tag_given && have->tag != ref.tag) continue;
    names.push_back(r.image.name());
  }
  if (names.empty()) {
    return NotFoundf("An image does not exist locally with the tag: {}", ref.Familiar());
  }
  bool first = true;
  for (const std::string& name : names) {
    absl::Status s = PushTag(name, options.auth, [&](const nlohmann::json& m) {
      if (first) {
        first = false;
        if (!sink(StatusMessage("The push refers to repository [" + ref.Name() + "]"))) {
          return false;
        }
      }
      return sink(m);
    });
    if (!s.ok()) {
      if (first) return s;  // nothing shown yet: the HTTP error
      sink(ErrorMessage(s));
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::Status ImageService::PushTag(const std::string& name,
                                   const std::optional<ctrpb::RegistryAuth>& auth,
                                   const MessageSink& sink) {
  BERTH_ASSIGN_OR_RETURN(Reference ref, Reference::Parse(name));
  BERTH_ASSIGN_OR_RETURN(ResolvedImage img, Resolve(name));
  // Layers top first, as docker lists them.
  std::vector<std::string> layers;
  for (const nlohmann::json& l : img.manifest.value("layers", nlohmann::json::array())) {
    layers.insert(layers.begin(), l.value("digest", ""));
  }
  std::set<std::string> layer_set(layers.begin(), layers.end());
  bool alive = true;
  for (const std::string& d : layers) alive = alive && sink(LayerMessage("Preparing", ShortId(d)));
  ctrpb::PushImageRequest request;
  request.set_name(name);
  request.set_reference(name);
  if (auth) *request.mutable_auth() = *auth;
  std::unique_ptr<grpc::ClientContext> ctx = client_.Ctx();
  auto reader = client_.images().Push(ctx.get(), request);
  ctrpb::PushImageResponse message;
  std::set<std::string> started;
  while (alive && reader->Read(&message)) {
    const ctrpb::BlobProgress& p = message.progress();
    if (!layer_set.contains(p.digest())) continue;
    std::string id = ShortId(p.digest());
    bool first = started.insert(p.digest()).second;
    if (p.done() && first && p.resumed_from() == p.total()) {
      alive = sink(LayerMessage("Layer already exists", id));
    } else if (p.done()) {
      if (first) alive = sink(ProgressMessage("Pushing", id, p.total(), p.total()));
      alive = alive && sink(LayerMessage("Pushed", id));
    } else {
      alive = sink(ProgressMessage("Pushing", id, p.offset(), p.total()));
    }
  }
  if (!alive) ctx->TryCancel();
  grpc::Status status = reader->Finish();
  if (!alive) return absl::CancelledError("push: the client went away");
  if (!status.ok()) return WithContext(grpcutil::FromGrpc(status), "push " + ref.Familiar());
  std::string tag = ref.tag;
  sink(StatusMessage(
      fmt::format("{}: digest: {} size: {}", tag, img.target.digest(), img.target.size())));
  sink({{"progressDetail", nlohmann::json::object()},
        {"aux", {{"Tag", tag}, {"Digest", img.target.digest()}, {"Size", img.target.size()}}}});
  return absl::OkStatus();
}

}  // namespace berth::engined::images
