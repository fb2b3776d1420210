#include "runtime/container/state.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include <algorithm>

#include "common/file_util.h"
#include "common/id.h"
#include "common/status.h"

namespace berth::runtime::container {

const char* StatusName(Status status) {
  switch (status) {
    case Status::kCreating:
      return "creating";
    case Status::kCreated:
      return "created";
    case Status::kRunning:
      return "running";
    case Status::kPaused:
      return "paused";
    case Status::kStopped:
      return "stopped";
  }
  return "unknown";
}

json::Json StateToJson(const State& s) {
  return json::Json{
      {"id", s.id},
      {"pid", s.pid},
      {"pid_start_time", s.pid_start_time},
      {"bundle", s.bundle},
      {"rootfs", s.rootfs},
      {"created", s.created},
      {"owner_uid", s.owner_uid},
      {"creating", s.creating},
      {"systemd_cgroup", s.systemd_cgroup},
      {"cgroup_paths", s.cgroup_paths},
      {"namespace_paths", s.namespace_paths},
      {"annotations", s.annotations},
  };
}

absl::StatusOr<State> StateFromJson(const json::Json& j) {
  json::View v(j, "state");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  State s;
  BERTH_RETURN_IF_ERROR(v.Require("id", &s.id));
  int64_t pid = 0;
  BERTH_RETURN_IF_ERROR(v.Get("pid", &pid));
  s.pid = static_cast<pid_t>(pid);
  BERTH_RETURN_IF_ERROR(v.Get("pid_start_time", &s.pid_start_time));
  BERTH_RETURN_IF_ERROR(v.Get("bundle", &s.bundle));
  BERTH_RETURN_IF_ERROR(v.Get("rootfs", &s.rootfs));
  BERTH_RETURN_IF_ERROR(v.Get("created", &s.created));
  uint32_t owner = 0;
  BERTH_RETURN_IF_ERROR(v.Get("owner_uid", &owner));
  s.owner_uid = owner;
  BERTH_RETURN_IF_ERROR(v.Get("creating", &s.creating));
  BERTH_RETURN_IF_ERROR(v.Get("systemd_cgroup", &s.systemd_cgroup));
  BERTH_RETURN_IF_ERROR(v.Get("cgroup_paths", &s.cgroup_paths));
  BERTH_RETURN_IF_ERROR(v.Get("namespace_paths", &s.namespace_paths));
  BERTH_RETURN_IF_ERROR(v.Get("annotations", &s.annotations));
  return s;
}

absl::Status StateStore::CreateDir(const std::string& id) const {
  BERTH_RETURN_IF_ERROR(MkdirAll(root_, 0711));
  if (::mkdir(Dir(id).c_str(), 0711) < 0) {
    if (errno == EEXIST) return AlreadyExistsf("container with id {} already exists", id);
    return ErrnoErrorf(errno, "create state directory {}", Dir(id));
  }
  return absl::OkStatus();
}

absl::Status StateStore::Save(const State& state) const {
  return WriteFileAtomic(StatePath(state.id), json::Dump(StateToJson(state)), 0600,
                         Durability::kProcessCrash);
}

absl::Status StateStore::SaveConfig(const std::string& id, const std::string& config_json) const {
  return WriteFileAtomic(ConfigPath(id), config_json, 0600, Durability::kProcessCrash);
}

absl::StatusOr<State> StateStore::Load(const std::string& id) const {
  BERTH_RETURN_IF_ERROR(ValidateRuntimeId(id));
  absl::StatusOr<std::string> text = ReadFile(StatePath(id));
  if (!text.ok()) {
    if (ErrnoOf(text.status()) == ENOENT) return NotFoundf("container {} does not exist", id);
    return text.status();
  }
  BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(*text, StatePath(id)));
  return StateFromJson(j);
}

absl::StatusOr<std::string> StateStore::LoadConfig(const std::string& id) const {
  return ReadFile(ConfigPath(id));
}

absl::StatusOr<std::vector<std::string>> StateStore::ListIds() const {
  std::vector<std::string> ids;
  DIR* dir = ::opendir(root_.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return ids;
    return ErrnoErrorf(errno, "open state root {}", root_);
  }
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (!ValidateRuntimeId(name).ok()) continue;
    if (PathExists(StatePath(name))) ids.push_back(name);
  }
  ::closedir(dir);
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::Status StateStore::Remove(const std::string& id) const { return RemoveAll(Dir(id)); }

}  // namespace berth::runtime::container
