#include "containerd/core/gc/gc.h"

#include <algorithm>
#include <deque>
#include <map>
#include <utility>
#include <variant>

#include "common/logger.h"
#include "common/status.h"
#include "containerd/core/images/oci.h"
#include "containerd/core/metadata/content_refs.h"
#include "containerd/core/metadata/labels.h"
#include "containerd/core/metadata/leases.h"
#include "containerd/core/snapshots/dir_snapshotter.h"
#include "containerd/core/snapshots/records.h"

namespace berth::containerd::gc {
namespace {

using metadata::Labels;
using metadata::Transaction;
using metadata::sqlite::Statement;

struct SnapshotRow {
  int64_t id = 0;
  std::string parent;
  std::string kind;
  Labels labels;
};

// Every record the mark reads, loaded in a few scans.
struct Graph {
  std::map<ContentId, Labels> content_refs;
  std::map<SnapshotId, SnapshotRow> snapshots;
  // (namespace, key) -> the snapshotters holding a committed snapshot of
  // that key: where a chain ID is looked up.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> committed_by_key;
};

// Runs `sql` and calls `row` for each result row.
template <typename Fn>
absl::Status ForEachRow(Transaction& tx, std::string_view sql, Fn&& row) {
  BERTH_ASSIGN_OR_RETURN(Statement stmt, tx.db().Prepare(sql));
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) return absl::OkStatus();
    row(stmt);
  }
}

absl::StatusOr<Graph> LoadGraph(Transaction& tx) {
  Graph g;
  BERTH_RETURN_IF_ERROR(
      ForEachRow(tx, "SELECT namespace, digest FROM content_refs", [&](const Statement& s) {
        g.content_refs[ContentId{s.Text(0), s.Text(1)}];
      }));
  BERTH_RETURN_IF_ERROR(ForEachRow(
      tx, "SELECT namespace, digest, key, value FROM content_ref_labels", [&](const Statement& s) {
        g.content_refs[ContentId{s.Text(0), s.Text(1)}].emplace(s.Text(2), s.Text(3));
      }));
  std::map<int64_t, SnapshotId> by_id;
  BERTH_RETURN_IF_ERROR(
      ForEachRow(tx, "SELECT id, namespace, snapshotter, key, kind, parent FROM snapshots",
                 [&](const Statement& s) {
                   SnapshotId id{s.Text(1), s.Text(2), s.Text(3)};
                   SnapshotRow row;
                   row.id = s.Int(0);
                   row.kind = s.Text(4);
                   if (!s.IsNull(5)) row.parent = s.Text(5);
                   if (row.kind == "committed") {
                     g.committed_by_key[{id.ns, id.key}].push_back(id.snapshotter);
                   }
                   by_id.emplace(row.id, id);
                   g.snapshots.emplace(std::move(id), std::move(row));
                 }));
  BERTH_RETURN_IF_ERROR(ForEachRow(tx, "SELECT snapshot_id, key, value FROM snapshot_labels",
                                   [&](const Statement& s) {
                                     auto it = by_id.find(s.Int(0));
                                     if (it != by_id.end())
                                       g.snapshots[it->second].labels.emplace(s.Text(1), s.Text(2));
                                   }));
  return g;
}

// What a parsed document leads to, cached by digest across namespaces.
struct Document {
  std::vector<std::pair<std::string, std::string>> children;  // (media type, digest)
  std::vector<std::string> chain_ids;                         // a config's
};

class Marker {
 public:
  Marker(const content::Store& content, Graph graph) : content_(content), g_(std::move(graph)) {}

  void Content(const std::string& ns, const std::string& digest, const std::string& media_type) {
    queue_.push_back(ContentItem{ContentId{ns, digest}, media_type});
  }
  void Snapshot(SnapshotId id) { queue_.push_back(std::move(id)); }

  // containerd.io/gc.ref.* labels of an object in `ns`.
  void Labels(const std::string& ns, const metadata::Labels& labels) {
    for (const auto& [key, value] : labels) {
      if (key.starts_with(kContentRefLabelPrefix)) {
        if (metadata::ValidateDigestText(value, "label").ok()) Content(ns, value, "");
      } else if (key.starts_with(kSnapshotRefLabelPrefix)) {
        std::string snapshotter = key.substr(kSnapshotRefLabelPrefix.size());
        if (size_t slash = snapshotter.find('/'); slash != std::string::npos) {
          snapshotter.resize(slash);
        }
        if (!snapshotter.empty() && !value.empty()) Snapshot(SnapshotId{ns, snapshotter, value});
      }
    }
  }

  // Roots labelled containerd.io/gc.root.
  void LabelledRoots() {
    for (const auto& [id, labels] : g_.content_refs) {
      if (labels.contains(std::string(kRootLabel))) Content(id.ns, id.digest, "");
    }
    for (const auto& [id, row] : g_.snapshots) {
      if (row.labels.contains(std::string(kRootLabel))) Snapshot(id);
    }
  }

  Marked Run(Marked out) {
    while (!queue_.empty()) {
      Item item = std::move(queue_.front());
      queue_.pop_front();
      if (auto* c = std::get_if<ContentItem>(&item)) {
        VisitContent(*c, out);
      } else {
        VisitSnapshot(std::get<SnapshotId>(item), out);
      }
    }
    for (const ContentId& id : out.content) out.blobs.insert(id.digest);
    return out;
  }

 private:
  struct ContentItem {
    ContentId id;
    std::string media_type;
  };
  using Item = std::variant<ContentItem, SnapshotId>;

  void VisitContent(const ContentItem& item, Marked& out) {
    if (out.content.insert(item.id).second) {
      if (auto it = g_.content_refs.find(item.id); it != g_.content_refs.end()) {
        Labels(item.id.ns, it->second);
      }
    }
    const std::string& type = item.media_type;
    if (type.empty() || images::IsLayerType(type)) return;
    // A document is walked once per namespace, whatever reached it first.
    if (!walked_.insert(item.id).second) return;
    const Document* doc = Parse(item.id.digest, type);
    if (doc == nullptr) return;
    for (const auto& [media_type, digest] : doc->children) Content(item.id.ns, digest, media_type);
    for (const std::string& chain_id : doc->chain_ids) {
      auto it = g_.committed_by_key.find({item.id.ns, chain_id});
      if (it == g_.committed_by_key.end()) continue;
      for (const std::string& snapshotter : it->second) {
        Snapshot(SnapshotId{item.id.ns, snapshotter, chain_id});
      }
    }
  }

  void VisitSnapshot(const SnapshotId& id, Marked& out) {
    auto it = g_.snapshots.find(id);
    if (it == g_.snapshots.end()) return;  // not (yet) created: nothing to keep
    if (!out.snapshots.insert(id).second) return;
    if (!it->second.parent.empty()) Snapshot(SnapshotId{id.ns, id.snapshotter, it->second.parent});
    Labels(id.ns, it->second.labels);
  }

  // The document `digest` as `media_type`, or nullptr when it is missing,
  // not a kind that leads anywhere, or unreadable (logged).
  const Document* Parse(const std::string& digest, const std::string& media_type) {
    std::string key = media_type + " " + digest;
    if (auto it = docs_.find(key); it != docs_.end()) return it->second ? &*it->second : nullptr;
    std::optional<Document>& slot = docs_[key];
    bool index = images::IsIndexType(media_type);
    bool manifest = images::IsManifestType(media_type);
    bool config = images::IsConfigType(media_type);
    if (!index && !manifest && !config) return nullptr;
    absl::StatusOr<content::Digest> d = content::Digest::Parse(digest);
    if (!d.ok()) return nullptr;
    absl::StatusOr<std::string> blob =
        content_.ReadBlob(*d, config ? images::kMaxConfigSize : images::kMaxManifestSize);
    if (!blob.ok()) {
      if (!absl::IsNotFound(blob.status())) log::Warnf("gc: read {}: {}", digest, blob.status());
      return nullptr;
    }
    Document doc;
    if (index) {
      absl::StatusOr<images::Index> parsed = images::ParseIndex(*blob);
      if (!parsed.ok()) {
        log::Warnf("gc: index {}: {}", digest, parsed.status());
        return nullptr;
      }
      for (const images::Descriptor& m : parsed->manifests) {
        doc.children.emplace_back(m.media_type, m.digest.str());
      }
    } else if (manifest) {
      absl::StatusOr<images::Manifest> parsed = images::ParseManifest(*blob);
      if (!parsed.ok()) {
        log::Warnf("gc: manifest {}: {}", digest, parsed.status());
        return nullptr;
      }
      doc.children.emplace_back(parsed->config.media_type, parsed->config.digest.str());
      for (const images::Descriptor& l : parsed->layers) {
        doc.children.emplace_back(l.media_type, l.digest.str());
      }
    } else {
      absl::StatusOr<images::ImageConfig> parsed = images::ParseConfig(*blob);
      if (!parsed.ok()) {
        log::Warnf("gc: config {}: {}", digest, parsed.status());
        return nullptr;
      }
      for (const content::Digest& c : images::ChainIds(parsed->diff_ids)) {
        doc.chain_ids.push_back(c.str());
      }
    }
    slot = std::move(doc);
    return &*slot;
  }

  const content::Store& content_;
  const Graph g_;
  std::deque<Item> queue_;
  std::set<ContentId> walked_;
  std::map<std::string, std::optional<Document>> docs_;
};

absl::Status MarkRoots(Transaction& tx, Marker& m, Marked& out, metadata::Timestamp now) {
  // Images.
  BERTH_RETURN_IF_ERROR(
      ForEachRow(tx, "SELECT namespace, target_media_type, target_digest FROM images",
                 [&](const Statement& s) { m.Content(s.Text(0), s.Text(2), s.Text(1)); }));
  BERTH_RETURN_IF_ERROR(
      ForEachRow(tx, "SELECT namespace, key, value FROM image_labels", [&](const Statement& s) {
        m.Labels(s.Text(0), Labels{{s.Text(1), s.Text(2)}});
      }));
  // Containers.
  BERTH_RETURN_IF_ERROR(ForEachRow(
      tx, "SELECT namespace, snapshotter, snapshot_key FROM containers", [&](const Statement& s) {
        if (!s.Text(2).empty()) m.Snapshot(SnapshotId{s.Text(0), s.Text(1), s.Text(2)});
      }));
  BERTH_RETURN_IF_ERROR(
      ForEachRow(tx, "SELECT namespace, key, value FROM container_labels", [&](const Statement& s) {
        m.Labels(s.Text(0), Labels{{s.Text(1), s.Text(2)}});
      }));
  // Leases: the live ones' resources; expired ones are reported for removal.
  std::set<LeaseId> expired;
  BERTH_RETURN_IF_ERROR(
      ForEachRow(tx, "SELECT namespace, id, expires_at FROM leases", [&](const Statement& s) {
        if (!s.IsNull(2) && metadata::FromUnixNanos(s.Int(2)) <= now) {
          expired.insert(LeaseId{s.Text(0), s.Text(1)});
        }
      }));
  BERTH_RETURN_IF_ERROR(
      ForEachRow(tx, "SELECT namespace, lease_id, kind, snapshotter, name FROM lease_resources",
                 [&](const Statement& s) {
                   std::string ns = s.Text(0);
                   if (expired.contains(LeaseId{ns, s.Text(1)})) return;
                   std::string kind = s.Text(2);
                   if (kind == "content") {
                     m.Content(ns, s.Text(4), "");
                   } else if (kind == "snapshot") {
                     m.Snapshot(SnapshotId{ns, s.Text(3), s.Text(4)});
                   } else if (kind == "ingest") {
                     out.leased_ingests.insert(s.Text(4));
                   }
                   // "image": images are roots as long as they exist.
                 }));
  out.expired_leases = std::move(expired);
  m.LabelledRoots();
  return absl::OkStatus();
}

absl::Status ProtectIngests(const content::Store& content, Marked& out) {
  BERTH_ASSIGN_OR_RETURN(std::vector<content::IngestStatus> ingests, content.ListStatuses());
  for (const content::IngestStatus& ingest : ingests) {
    if (!ingest.expected.empty()) out.blobs.insert(ingest.expected.str());
  }
  return absl::OkStatus();
}

// Snapshots to remove, each snapshotter's children before their parents.
std::vector<std::pair<SnapshotId, int64_t>> Unmarked(Transaction& tx, const Marked& marked,
                                                     absl::Status& status) {
  std::map<SnapshotId, std::pair<std::string, int64_t>> rows;  // -> (parent, id)
  status = ForEachRow(tx, "SELECT namespace, snapshotter, key, parent, id FROM snapshots",
                      [&](const Statement& s) {
                        SnapshotId id{s.Text(0), s.Text(1), s.Text(2)};
                        if (marked.snapshots.contains(id)) return;
                        rows[id] = {s.IsNull(3) ? "" : s.Text(3), s.Int(4)};
                      });
  std::vector<std::tuple<int, SnapshotId, int64_t>> ordered;
  for (const auto& [id, row] : rows) {
    // Depth among the unmarked: a marked snapshot's parents are all marked,
    // so an unmarked snapshot's children are all unmarked too.
    int depth = 0;
    for (auto it = rows.find(id); it != rows.end() && !it->second.first.empty();
         it = rows.find(SnapshotId{id.ns, id.snapshotter, it->second.first})) {
      ++depth;
    }
    ordered.emplace_back(depth, id, row.second);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  std::vector<std::pair<SnapshotId, int64_t>> out;
  for (auto& [depth, id, rid] : ordered) out.emplace_back(std::move(id), rid);
  return out;
}

// Ingests last written before `cutoff` that no live lease holds. Inside the
// sweep's transaction: a lease being given the ingest waits for it.
absl::Status SweepIngests(const content::Store& content, const Marked& marked,
                          metadata::Timestamp cutoff, bool remove,
                          std::vector<std::string>& removed) {
  BERTH_ASSIGN_OR_RETURN(std::vector<content::IngestStatus> ingests, content.ListStatuses());
  for (const content::IngestStatus& ingest : ingests) {
    if (ingest.updated_at > cutoff || marked.leased_ingests.contains(ingest.ref)) continue;
    if (remove) {
      absl::Status s = content.Abort(ingest.ref);
      // Unavailable: a writer holds it right now, so it is not stale.
      if (absl::IsNotFound(s) || absl::IsUnavailable(s)) continue;
      BERTH_RETURN_IF_ERROR(WithContext(s, "gc: stale ingest"));
    }
    removed.push_back(ingest.ref);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Marked> Mark(Transaction& tx, const content::Store& content,
                            metadata::Timestamp now) {
  BERTH_ASSIGN_OR_RETURN(Graph graph, LoadGraph(tx));
  Marker marker(content, std::move(graph));
  Marked out;
  BERTH_RETURN_IF_ERROR(MarkRoots(tx, marker, out, now));
  out = marker.Run(std::move(out));
  BERTH_RETURN_IF_ERROR(ProtectIngests(content, out));
  return out;
}

absl::StatusOr<Report> CollectGarbage(metadata::Store& store, const content::Store& content,
                                      snapshots::SnapshotterSet& snapshotters,
                                      const Options& options) {
  const metadata::Timestamp now = options.now.value_or(metadata::Now());
  // Listed before the mark: a blob committed after this point is not a
  // candidate, whatever the mark saw.
  BERTH_ASSIGN_OR_RETURN(std::vector<content::BlobInfo> blobs, content.List());

  Report report;
  // Snapshot directories to measure and clean once the records are gone.
  std::map<snapshots::DirSnapshotter*, std::vector<int64_t>> dirs;
  // Snapshots of snapshotters without directories of their own, removed
  // through the snapshotter after the commit.
  std::vector<std::pair<snapshots::Snapshotter*, SnapshotId>> deferred;

  auto sweep = [&](Transaction& tx) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(Marked marked, Mark(tx, content, now));
    const bool remove = !options.dry_run;

    for (const LeaseId& lease : marked.expired_leases) {
      if (remove) BERTH_RETURN_IF_ERROR(metadata::LeaseStore(tx, lease.ns).Delete(lease.id));
      report.removed_leases.push_back(lease);
    }

    std::vector<ContentId> refs;
    BERTH_RETURN_IF_ERROR(
        ForEachRow(tx, "SELECT namespace, digest FROM content_refs", [&](const Statement& s) {
          ContentId id{s.Text(0), s.Text(1)};
          if (!marked.content.contains(id)) refs.push_back(std::move(id));
        }));
    for (const ContentId& id : refs) {
      if (remove) BERTH_RETURN_IF_ERROR(metadata::ContentRefs(tx, id.ns).Remove(id.digest));
      report.removed_content_refs.push_back(id);
    }

    absl::Status status;
    std::vector<std::pair<SnapshotId, int64_t>> unmarked = Unmarked(tx, marked, status);
    BERTH_RETURN_IF_ERROR(status);
    for (const auto& [id, record_id] : unmarked) {
      absl::StatusOr<snapshots::Snapshotter*> sn = snapshotters.Get(id.snapshotter);
      if (!sn.ok()) continue;  // not ours to remove
      auto* dir_sn = dynamic_cast<snapshots::DirSnapshotter*>(*sn);
      if (dir_sn == nullptr) {
        deferred.emplace_back(*sn, id);
        continue;
      }
      if (remove) {
        BERTH_RETURN_IF_ERROR(
            snapshots::SnapshotRecords(tx, id.snapshotter, id.ns).Remove(id.key).status());
      }
      dirs[dir_sn].push_back(record_id);
      report.removed_snapshots.push_back(id);
    }

    if (options.ingest_expiry) {
      BERTH_RETURN_IF_ERROR(SweepIngests(content, marked, now - *options.ingest_expiry, remove,
                                         report.removed_ingests));
    }

    // Blobs last, inside the transaction: a writer that would reference one
    // waits for the commit and then finds it gone.
    for (const content::BlobInfo& blob : blobs) {
      if (marked.blobs.contains(blob.digest.str())) continue;
      if (blob.created_at >= now) continue;  // committed while we started
      if (remove) {
        absl::Status s = content.Delete(blob.digest);
        if (absl::IsNotFound(s)) continue;
        BERTH_RETURN_IF_ERROR(WithContext(s, "gc"));
      }
      report.removed_blobs.push_back(blob.digest);
      report.bytes += blob.size;
    }
    return absl::OkStatus();
  };
  BERTH_RETURN_IF_ERROR(options.dry_run ? store.View(sweep) : store.Update(sweep));

  for (auto& [sn, ids] : dirs) {
    for (int64_t id : ids) {
      absl::StatusOr<snapshots::Usage> usage = snapshots::DiskUsage(sn->SnapshotDir(id));
      if (usage.ok()) report.bytes += usage->size;
    }
    if (options.dry_run) continue;
    absl::StatusOr<std::vector<std::string>> cleaned = sn->Cleanup();
    if (!cleaned.ok()) log::Warnf("gc: {} snapshotter: {}", sn->name(), cleaned.status());
  }
  for (const auto& [sn, id] : deferred) {
    if (!options.dry_run) {
      absl::Status s = sn->Remove(id.ns, id.key);
      if (!s.ok()) {
        log::Warnf("gc: remove snapshot {:?} of {:?}: {}", id.key, id.snapshotter, s);
        continue;
      }
    }
    report.removed_snapshots.push_back(id);
  }
  return report;
}

}  // namespace berth::containerd::gc
