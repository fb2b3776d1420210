#include "containerd/core/images/image_store.h"

#include <algorithm>
#include <map>
#include <span>

#include "common/id.h"
#include "common/status.h"
#include "containerd/core/metadata/label_rows.h"
#include "containerd/core/metadata/namespaces.h"

namespace berth::containerd::images {
namespace {

using metadata::sqlite::Statement;

constexpr std::string_view kColumns =
    "name, target_media_type, target_digest, target_size, created_at, updated_at";

absl::StatusOr<Image> ReadRow(const Statement& stmt) {
  Image image;
  image.name = stmt.Text(0);
  image.target.media_type = stmt.Text(1);
  BERTH_ASSIGN_OR_RETURN(image.target.digest, content::Digest::Parse(stmt.Text(2)));
  image.target.size = stmt.Int(3);
  image.created_at = metadata::FromUnixNanos(stmt.Int(4));
  image.updated_at = metadata::FromUnixNanos(stmt.Int(5));
  return image;
}

absl::Status Validate(const Image& image) {
  BERTH_RETURN_IF_ERROR(WithContext(ValidateImageName(image.name), "image.name"));
  BERTH_RETURN_IF_ERROR(metadata::ValidateLabels(image.labels, "image.labels"));
  if (image.target.media_type.empty()) {
    return InvalidArgumentf("image.target.mediaType must be set");
  }
  if (image.target.digest.empty()) return InvalidArgumentf("image.target.digest must be set");
  if (image.target.size <= 0) return InvalidArgumentf("image.target.size must be greater than 0");
  return absl::OkStatus();
}

// Only what the table holds.
Descriptor StoredTarget(const Descriptor& d) {
  Descriptor out;
  out.media_type = d.media_type;
  out.digest = d.digest;
  out.size = d.size;
  return out;
}

}  // namespace

absl::Status ValidateImageName(std::string_view name) {
  if (name.empty()) return InvalidArgumentf("image name must not be empty");
  if (name.size() > 4096) return InvalidArgumentf("image name is longer than 4096 bytes");
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f) {
      return InvalidArgumentf("image name {:?}: whitespace and control characters are not allowed",
                              name);
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> ImageAdaptor::Field(const std::vector<std::string>& path) const {
  if (path.empty()) return std::nullopt;
  auto present = [](const std::string& s) -> std::optional<std::string> {
    if (s.empty()) return std::nullopt;
    return s;
  };
  if (path[0] == "name") return present(image_.name);
  if (path[0] == "target") {
    if (path.size() < 2) return std::nullopt;
    if (path[1] == "digest") return present(image_.target.digest.str());
    if (path[1] == "mediatype") return present(image_.target.media_type);
    return std::nullopt;
  }
  if (path[0] == "labels") return metadata::MapField(std::span(path).subspan(1), image_.labels);
  return std::nullopt;
}

absl::Status ImageStore::ValidateNamespace() const {
  return WithContext(ValidateContainerdId(ns_), "namespace");
}

absl::StatusOr<std::optional<Image>> ImageStore::Read(std::string_view name) {
  BERTH_ASSIGN_OR_RETURN(Statement stmt,
                         tx_.db().Prepare(fmt::format(
                             "SELECT {} FROM images WHERE namespace = ? AND name = ?", kColumns)));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_, name));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Image>();
  BERTH_ASSIGN_OR_RETURN(Image image, ReadRow(stmt));
  BERTH_ASSIGN_OR_RETURN(
      image.labels,
      metadata::ReadLabelRows(
          tx_.db(), "SELECT key, value FROM image_labels WHERE namespace = ? AND image_name = ?",
          ns_, name));
  return std::optional<Image>(std::move(image));
}

absl::Status ImageStore::Write(const Image& image, bool insert) {
  constexpr std::string_view kInsert =
      "INSERT INTO images (target_media_type, target_digest, target_size, created_at, "
      "updated_at, namespace, name) VALUES (?, ?, ?, ?, ?, ?, ?)";
  constexpr std::string_view kUpdate =
      "UPDATE images SET target_media_type = ?, target_digest = ?, target_size = ?, "
      "created_at = ?, updated_at = ? WHERE namespace = ? AND name = ?";
  BERTH_ASSIGN_OR_RETURN(Statement stmt, tx_.db().Prepare(insert ? kInsert : kUpdate));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(image.target.media_type, image.target.digest.str(),
                                     image.target.size, metadata::ToUnixNanos(image.created_at),
                                     metadata::ToUnixNanos(image.updated_at), ns_, image.name));
  BERTH_RETURN_IF_ERROR(stmt.Run());
  if (!insert) {
    BERTH_ASSIGN_OR_RETURN(
        Statement clear,
        tx_.db().Prepare("DELETE FROM image_labels WHERE namespace = ? AND image_name = ?"));
    BERTH_RETURN_IF_ERROR(clear.BindAll(ns_, image.name));
    BERTH_RETURN_IF_ERROR(clear.Run());
  }
  return metadata::InsertLabelRows(
      tx_.db(), "INSERT INTO image_labels (namespace, image_name, key, value) VALUES (?, ?, ?, ?)",
      image.labels, ns_, image.name);
}

absl::StatusOr<Image> ImageStore::Get(std::string_view name) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(WithContext(ValidateImageName(name), "image.name"));
  BERTH_ASSIGN_OR_RETURN(std::optional<Image> image, Read(name));
  if (!image) return NotFoundf("image {:?} in namespace {:?}: not found", name, ns_);
  return *std::move(image);
}

absl::StatusOr<std::vector<Image>> ImageStore::List(const std::vector<std::string>& filters) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(metadata::Filter filter, metadata::Filter::ParseAll(filters));
  std::vector<Image> all;
  std::map<std::string, size_t, std::less<>> index;
  {
    BERTH_ASSIGN_OR_RETURN(
        Statement stmt, tx_.db().Prepare(fmt::format(
                            "SELECT {} FROM images WHERE namespace = ? ORDER BY name", kColumns)));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_));
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      BERTH_ASSIGN_OR_RETURN(Image image, ReadRow(stmt));
      all.push_back(std::move(image));
      index.emplace(all.back().name, all.size() - 1);
    }
  }
  if (all.empty()) return all;
  {
    BERTH_ASSIGN_OR_RETURN(
        auto labels,
        metadata::ReadLabelRowsByOwner(
            tx_.db(), "SELECT image_name, key, value FROM image_labels WHERE namespace = ?", ns_));
    for (auto& [name, owned] : labels) {
      if (auto it = index.find(name); it != index.end()) all[it->second].labels = std::move(owned);
    }
  }
  std::vector<Image> out;
  for (Image& image : all) {
    if (filter.Match(ImageAdaptor(image))) out.push_back(std::move(image));
  }
  return out;
}

absl::StatusOr<Image> ImageStore::Create(const Image& image) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("create image"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  Image stored = image;
  stored.target = StoredTarget(image.target);
  metadata::DropEmptyLabels(stored.labels);
  BERTH_RETURN_IF_ERROR(WithContext(Validate(stored), "create image"));
  BERTH_RETURN_IF_ERROR(metadata::NamespaceStore(tx_).Ensure(ns_));
  BERTH_ASSIGN_OR_RETURN(std::optional<Image> existing, Read(image.name));
  if (existing) return AlreadyExistsf("image {:?}: already exists", image.name);
  stored.created_at = metadata::Now();
  stored.updated_at = stored.created_at;
  BERTH_RETURN_IF_ERROR(Write(stored, /*insert=*/true));
  return stored;
}

absl::StatusOr<Image> ImageStore::Update(const Image& image,
                                         const std::vector<std::string>& paths) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("update image"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  if (image.name.empty()) return InvalidArgumentf("must specify an image name");
  BERTH_ASSIGN_OR_RETURN(std::optional<Image> existing, Read(image.name));
  if (!existing) return NotFoundf("image {:?} in namespace {:?}: not found", image.name, ns_);
  Image updated = *existing;
  std::vector<std::string> fieldpaths = paths;
  if (fieldpaths.empty()) fieldpaths = {"labels", "target"};
  for (const std::string& path : fieldpaths) {
    if (path.starts_with("labels.")) {
      std::string key = path.substr(std::string_view("labels.").size());
      auto it = image.labels.find(key);
      if (it == image.labels.end()) {
        updated.labels.erase(key);
      } else {
        updated.labels[key] = it->second;
      }
    } else if (path == "labels") {
      updated.labels = image.labels;
    } else if (path == "target") {
      updated.target = StoredTarget(image.target);
    } else {
      return InvalidArgumentf("cannot update {:?} field on image {:?}", path, image.name);
    }
  }
  metadata::DropEmptyLabels(updated.labels);
  BERTH_RETURN_IF_ERROR(WithContext(Validate(updated), "update image"));
  updated.updated_at =
      std::max(metadata::Now(), existing->updated_at + std::chrono::nanoseconds(1));
  BERTH_RETURN_IF_ERROR(Write(updated, /*insert=*/false));
  return updated;
}

absl::Status ImageStore::Delete(std::string_view name) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("delete image"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(WithContext(ValidateImageName(name), "image.name"));
  BERTH_ASSIGN_OR_RETURN(Statement del,
                         tx_.db().Prepare("DELETE FROM images WHERE namespace = ? AND name = ?"));
  BERTH_RETURN_IF_ERROR(del.BindAll(ns_, name));
  BERTH_RETURN_IF_ERROR(del.Run());
  if (tx_.db().Changes() == 0) {
    return NotFoundf("image {:?} in namespace {:?}: not found", name, ns_);
  }
  return absl::OkStatus();
}

metadata::NamespaceUsageCheck ImageStore::UsageCheck() {
  return [](metadata::Transaction& tx,
            std::string_view ns) -> absl::StatusOr<std::vector<std::string>> {
    BERTH_ASSIGN_OR_RETURN(Statement stmt,
                           tx.db().Prepare("SELECT 1 FROM images WHERE namespace = ? LIMIT 1"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(ns));
    BERTH_ASSIGN_OR_RETURN(bool any, stmt.Step());
    if (!any) return std::vector<std::string>();
    return std::vector<std::string>{"images"};
  };
}

}  // namespace berth::containerd::images
