#include "engined/daemon/container_store.h"

#include <dirent.h>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "engined/daemon/names.h"

namespace berth::engined {

namespace {

constexpr char kRecordFile[] = "config.v2.json";

std::string WithSlash(const std::string& name) {
  return !name.empty() && name[0] == '/' ? name : "/" + name;
}

}  // namespace

ContainerStore::ContainerStore(std::string root) : root_(std::move(root)) {}

std::string ContainerStore::Dir(const std::string& id) const { return JoinPath(root_, id); }

absl::Status ContainerStore::Load() {
  BERTH_RETURN_IF_ERROR(MkdirAll(root_, 0710));
  DIR* dir = opendir(root_.c_str());
  if (dir == nullptr) return ErrnoErrorf(errno, "opendir {}", root_);
  std::vector<std::string> ids;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() == 64) ids.push_back(name);
  }
  closedir(dir);
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& id : ids) {
    std::string path = JoinPath(Dir(id), kRecordFile);
    absl::StatusOr<std::string> text = ReadFile(path);
    absl::StatusOr<json::Json> record =
        text.ok() ? json::Parse(*text, path) : absl::StatusOr<json::Json>(text.status());
    absl::StatusOr<Container> c =
        record.ok() ? ContainerFromRecord(*record) : absl::StatusOr<Container>(record.status());
    if (!c.ok()) {
      log::Warnf("skipping container {}: {}", id, c.status());
      continue;
    }
    auto entry = std::make_shared<ContainerEntry>();
    entry->c = std::move(*c);
    by_name_[entry->c.name] = id;
    by_id_[id] = std::move(entry);
  }
  return absl::OkStatus();
}

absl::StatusOr<ContainerRef> ContainerStore::Add(Container c) {
  c.name = WithSlash(c.name);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = by_name_.find(c.name); it != by_name_.end()) {
    return AlreadyExistsf(
        "Conflict. The container name \"{}\" is already in use by container \"{}\". You have to "
        "remove (or rename) that container to be able to reuse that name.",
        c.name, it->second);
  }
  BERTH_RETURN_IF_ERROR(MkdirAll(Dir(c.id), 0710));
  auto entry = std::make_shared<ContainerEntry>();
  by_name_[c.name] = c.id;
  std::string id = c.id;
  entry->c = std::move(c);
  by_id_[id] = entry;
  return entry;
}

absl::StatusOr<ContainerRef> ContainerStore::Get(const std::string& ref) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (ref.empty()) return NotFoundf("No such container: {}", ref);
  if (auto it = by_id_.find(ref); it != by_id_.end()) return it->second;
  if (auto it = by_name_.find(WithSlash(ref)); it != by_name_.end()) return by_id_.at(it->second);
  ContainerRef found;
  for (auto it = by_id_.lower_bound(ref); it != by_id_.end() && it->first.rfind(ref, 0) == 0;
       ++it) {
    if (found) return InvalidArgumentf("multiple IDs found with provided prefix: {}", ref);
    found = it->second;
  }
  if (!found) return NotFoundf("No such container: {}", ref);
  return found;
}

std::vector<ContainerRef> ContainerStore::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ContainerRef> out;
  out.reserve(by_id_.size());
  for (const auto& [id, entry] : by_id_) out.push_back(entry);
  return out;
}

bool ContainerStore::NameTaken(const std::string& bare_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_name_.count(WithSlash(bare_name)) != 0;
}

absl::Status ContainerStore::Rename(const ContainerRef& entry, const std::string& new_name) {
  BERTH_RETURN_IF_ERROR(ValidateContainerName(new_name));
  std::string name = WithSlash(new_name);
  std::lock_guard<std::mutex> lock(mu_);
  std::lock_guard<std::mutex> entry_lock(entry->mu);
  if (entry->c.name == name) {
    return AlreadyExistsf("Renaming a container with the same name as its current name");
  }
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    return AlreadyExistsf(
        "Conflict. The container name \"{}\" is already in use by container \"{}\". You have to "
        "remove (or rename) that container to be able to reuse that name.",
        name, it->second);
  }
  std::string old_name = entry->c.name;
  entry->c.name = name;
  if (absl::Status s = Save(entry->c); !s.ok()) {
    entry->c.name = old_name;
    return s;
  }
  by_name_.erase(old_name);
  by_name_[name] = entry->c.id;
  return absl::OkStatus();
}

absl::Status ContainerStore::Remove(const ContainerRef& entry) {
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::lock_guard<std::mutex> entry_lock(entry->mu);
    id = entry->c.id;
    by_name_.erase(entry->c.name);
    by_id_.erase(id);
    entry->removed = true;
  }
  entry->changed.notify_all();
  return RemoveAll(Dir(id));
}

absl::Status ContainerStore::Save(const Container& c) const {
  return WriteFileAtomic(JoinPath(Dir(c.id), kRecordFile), json::Dump(ContainerToRecord(c)), 0600);
}

}  // namespace berth::engined
