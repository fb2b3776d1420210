#include "engined/volumes/mount_parser.h"

#include <sys/stat.h>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"

namespace berth::engined::volumes {
namespace {

absl::Status MountConfigError(const MountSpec& spec, const std::string& message) {
  return InvalidArgumentf("invalid mount config for type \"{}\": {}", spec.type, message);
}

absl::Status CheckAbsolute(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return InvalidArgumentf("invalid mount path: '{}' mount path must be absolute", path);
  }
  return absl::OkStatus();
}

absl::Status CheckNotRoot(const std::string& path) {
  if (CleanPath(path) == "/") {
    return InvalidArgumentf("invalid specification: destination can't be '/'");
  }
  return absl::OkStatus();
}

absl::Status ValidateSpec(const MountSpec& spec, bool check_bind_source) {
  auto fail = [&](const absl::Status& s) {
    return MountConfigError(spec, std::string(s.message()));
  };
  if (spec.target.empty()) return MountConfigError(spec, "field Target must not be empty");
  if (absl::Status s = CheckNotRoot(spec.target); !s.ok()) return fail(s);
  if (absl::Status s = CheckAbsolute(spec.target); !s.ok()) return fail(s);
  if (spec.type == "bind") {
    if (spec.source.empty()) return MountConfigError(spec, "field Source must not be empty");
    if (spec.has_bind_options && !spec.propagation.empty() &&
        !IsPropagationMode(spec.propagation)) {
      return MountConfigError(spec, "invalid propagation mode: " + spec.propagation);
    }
    if (spec.has_volume_options) {
      return MountConfigError(spec, "field VolumeOptions must not be specified");
    }
    if (spec.has_tmpfs_options) {
      return MountConfigError(spec, "field TmpfsOptions must not be specified");
    }
    if (absl::Status s = CheckAbsolute(spec.source); !s.ok()) return fail(s);
    if (check_bind_source) {
      struct stat st;
      if (::stat(spec.source.c_str(), &st) < 0) {
        if (errno == ENOENT) {
          return MountConfigError(spec, "bind source path does not exist: " + spec.source);
        }
        return fail(ErrnoErrorf(errno, "stat {}", spec.source));
      }
    }
  } else if (spec.type == "volume") {
    if (spec.has_bind_options)
      return MountConfigError(spec, "field BindOptions must not be specified");
    if (spec.has_tmpfs_options) {
      return MountConfigError(spec, "field TmpfsOptions must not be specified");
    }
    if (spec.source.empty() && spec.read_only) {
      return MountConfigError(spec, "must not set ReadOnly mode when using anonymous volumes");
    }
  } else if (spec.type == "tmpfs") {
    if (spec.has_bind_options)
      return MountConfigError(spec, "field BindOptions must not be specified");
    if (spec.has_volume_options) {
      return MountConfigError(spec, "field VolumeOptions must not be specified");
    }
    if (!spec.source.empty()) return MountConfigError(spec, "field Source must not be specified");
    if (spec.size_bytes < 0) return MountConfigError(spec, "invalid tmpfs size: negative");
  } else {
    return MountConfigError(spec, "mount type unknown");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsPropagationMode(const std::string& mode) {
  return mode == "private" || mode == "rprivate" || mode == "shared" || mode == "rshared" ||
         mode == "slave" || mode == "rslave";
}

absl::Status ValidateContainerPath(const std::string& path) {
  BERTH_RETURN_IF_ERROR(CheckNotRoot(path));
  return CheckAbsolute(path);
}

absl::StatusOr<MountSpec> MountSpecFromJson(const nlohmann::json& j, const std::string& path) {
  json::View v(j, path);
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  MountSpec spec;
  BERTH_RETURN_IF_ERROR(v.Get("Type", &spec.type));
  BERTH_RETURN_IF_ERROR(v.Get("Source", &spec.source));
  BERTH_RETURN_IF_ERROR(v.Get("Target", &spec.target));
  BERTH_RETURN_IF_ERROR(v.Get("ReadOnly", &spec.read_only));
  if (std::optional<json::View> b = v.Member("BindOptions")) {
    BERTH_RETURN_IF_ERROR(b->ExpectObject());
    spec.has_bind_options = true;
    BERTH_RETURN_IF_ERROR(b->Get("Propagation", &spec.propagation));
  }
  if (std::optional<json::View> vo = v.Member("VolumeOptions")) {
    BERTH_RETURN_IF_ERROR(vo->ExpectObject());
    spec.has_volume_options = true;
    BERTH_RETURN_IF_ERROR(vo->Get("NoCopy", &spec.no_copy));
    BERTH_RETURN_IF_ERROR(vo->Get("Labels", &spec.labels));
    if (std::optional<json::View> d = vo->Member("DriverConfig")) {
      BERTH_RETURN_IF_ERROR(d->ExpectObject());
      BERTH_RETURN_IF_ERROR(d->Get("Name", &spec.driver));
      BERTH_RETURN_IF_ERROR(d->Get("Options", &spec.driver_options));
    }
  }
  if (std::optional<json::View> t = v.Member("TmpfsOptions")) {
    BERTH_RETURN_IF_ERROR(t->ExpectObject());
    spec.has_tmpfs_options = true;
    BERTH_RETURN_IF_ERROR(t->Get("SizeBytes", &spec.size_bytes));
    BERTH_RETURN_IF_ERROR(t->Get("Mode", &spec.tmpfs_mode));
  }
  return spec;
}

std::string TmpfsOptionsData(const MountSpec& spec) {
  std::vector<std::string> parts;
  if (spec.tmpfs_mode != 0) parts.push_back(fmt::format("mode={:o}", spec.tmpfs_mode));
  if (spec.size_bytes > 0) {
    int64_t size = spec.size_bytes;
    std::string suffix;
    for (const char* s : {"k", "m", "g"}) {
      if (size % 1024 != 0) break;
      size /= 1024;
      suffix = s;
    }
    parts.push_back(fmt::format("size={}{}", size, suffix));
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

absl::StatusOr<MountPoint> ParseMountSpec(const MountSpec& spec, bool check_bind_source) {
  BERTH_RETURN_IF_ERROR(ValidateSpec(spec, check_bind_source));
  MountPoint mp;
  mp.type = spec.type;
  mp.rw = !spec.read_only;
  mp.destination = CleanPath(spec.target);
  if (spec.type == "volume") {
    mp.name = spec.source;
    mp.anonymous = spec.source.empty();
    mp.copy_data = !spec.no_copy;
    mp.driver = spec.driver;
  } else if (spec.type == "bind") {
    mp.source = CleanPath(spec.source);
    mp.propagation = spec.propagation.empty() ? "rprivate" : spec.propagation;
  } else {
    mp.tmpfs_data = TmpfsOptionsData(spec);
  }
  return mp;
}

}  // namespace berth::engined::volumes
