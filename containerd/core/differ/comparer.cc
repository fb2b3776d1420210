#include "containerd/core/differ/comparer.h"

#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/status.h"
#include "containerd/core/diff/diff.h"
#include "containerd/core/differ/layer_media.h"
#include "containerd/core/differ/mounts.h"
#include "containerd/core/metadata/content_refs.h"
#include "containerd/core/snapshots/temp_mount.h"

namespace berth::containerd::differ {
namespace {

std::string RandomRef() {
  unsigned char bytes[12] = {};
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    return fmt::format("diff-{}-{}", getpid(), static_cast<long>(time(nullptr)));
  }
  std::string out = "diff-";
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

// The upper directory when `upper` is an overlay over exactly what `lower`
// shows; empty otherwise.
std::string OverlayUpperdir(const std::vector<snapshots::Mount>& lower,
                            const std::vector<snapshots::Mount>& upper) {
  if (!IsSingleOverlayWithUpper(upper) || lower.size() != 1) return "";
  const std::string lowerdirs = MountOption(upper[0], "lowerdir");
  if (lowerdirs.empty()) return "";
  const snapshots::Mount& l = lower[0];
  bool same =
      (l.type == "overlay" && MountOption(l, "upperdir").empty() &&
       MountOption(l, "lowerdir") == lowerdirs) ||
      (l.type == "bind" && lowerdirs.find(':') == std::string::npos && l.source == lowerdirs);
  return same ? MountOption(upper[0], "upperdir") : "";
}

// An empty directory standing for "no parent", removed when destroyed.
class EmptyDir {
 public:
  static absl::StatusOr<std::unique_ptr<EmptyDir>> Create(const std::string& root) {
    if (mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoErrorf(errno, "mkdir {}", root);
    }
    std::string tmpl = root + "/empty-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return ErrnoErrorf(errno, "mkdtemp {}", tmpl);
    return std::unique_ptr<EmptyDir>(new EmptyDir(tmpl));
  }
  ~EmptyDir() {
    if (rmdir(path_.c_str()) != 0) log::Warnf("remove {}: {}", path_, strerror(errno));
  }
  const std::string& path() const { return path_; }

 private:
  explicit EmptyDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Writes the layer through `write` (a sink) as the mounts call for.
absl::StatusOr<diff::LayerDigests> WriteLayer(const std::vector<snapshots::Mount>& lower,
                                              const std::vector<snapshots::Mount>& upper,
                                              const std::string& mount_root,
                                              const diff::LayerSink& sink,
                                              diff::Compression compression) {
  if (upper.empty()) return InvalidArgumentf("no upper mounts to diff");
  std::string upperdir = OverlayUpperdir(lower, upper);
  if (!upperdir.empty()) return diff::WriteLayerFromUpper(upperdir, sink, compression);

  // Both trees read-only: nothing changes them while they are compared.
  std::unique_ptr<EmptyDir> empty;
  std::unique_ptr<snapshots::TempMount> lower_mount, upper_mount;
  std::string lower_tree;
  if (lower.empty()) {
    BERTH_ASSIGN_OR_RETURN(empty, EmptyDir::Create(mount_root));
    lower_tree = empty->path();
  } else {
    absl::StatusOr<std::string> tree = TreeOf(lower, mount_root, true, &lower_mount);
    if (!tree.ok()) return WithContext(tree.status(), "mount lower");
    lower_tree = *tree;
  }
  absl::StatusOr<std::string> upper_tree = TreeOf(upper, mount_root, true, &upper_mount);
  if (!upper_tree.ok()) return WithContext(upper_tree.status(), "mount upper");
  return diff::WriteLayerFromDiff(lower_tree, *upper_tree, sink, compression);
}

}  // namespace

absl::StatusOr<images::Descriptor> Compare(const content::Store& store, metadata::Store* metadata,
                                           std::string_view ns,
                                           const std::vector<snapshots::Mount>& lower,
                                           const std::vector<snapshots::Mount>& upper,
                                           const DiffOptions& options) {
  images::Descriptor out;
  out.media_type =
      options.media_type.empty() ? std::string(kDefaultDiffMediaType) : options.media_type;
  BERTH_ASSIGN_OR_RETURN(diff::Compression compression, LayerCompression(out.media_type));
  BERTH_RETURN_IF_ERROR(metadata::ValidateLabels(options.labels, "diff labels"));
  const std::string ref = options.ref.empty() ? RandomRef() : options.ref;

  diff::LayerDigests digests;
  {
    BERTH_ASSIGN_OR_RETURN(std::unique_ptr<content::Writer> writer, store.OpenWriter(ref));
    bool keep = false;
    // A failed diff leaves no ingest behind (after the writer lets go).
    absl::Cleanup abort = [&] {
      if (keep) return;
      writer.reset();
      absl::Status s = store.Abort(ref);
      if (!s.ok() && !absl::IsNotFound(s)) {
        log::Warnf("diff: abort ingest {:?}: {}", ref, std::string(s.message()));
      }
    };
    // A resumed ingest of the same ref starts over: a diff is not resumable.
    BERTH_RETURN_IF_ERROR(writer->Truncate(0));
    auto sink = [&](std::string_view data) { return writer->Write(data); };
    BERTH_ASSIGN_OR_RETURN(digests,
                           WriteLayer(lower, upper, options.mount_root, sink, compression));
    BERTH_ASSIGN_OR_RETURN(out.digest, content::Digest::Parse(digests.digest));
    out.size = digests.size;
    absl::Status committed = writer->Commit(out.size, out.digest);
    if (!committed.ok() && !absl::IsAlreadyExists(committed)) {
      return WithContext(committed, fmt::format("commit layer {}", out.digest.str()));
    }
    keep = true;
  }

  if (metadata != nullptr) {
    metadata::Labels labels = options.labels;
    labels[std::string(kUncompressedLabel)] = digests.diff_id;
    BERTH_RETURN_IF_ERROR(metadata->Update([&](metadata::Transaction& tx) -> absl::Status {
      return metadata::ContentRefs(tx, std::string(ns)).Add(out.digest.str(), labels).status();
    }));
  }
  return out;
}

}  // namespace berth::containerd::differ
