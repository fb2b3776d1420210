#include "engined/volumes/bind_parser.h"

#include <vector>

#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::volumes {
namespace {

absl::Status InvalidSpec(const std::string& raw) {
  return InvalidArgumentf("invalid volume specification: '{}'", raw);
}

absl::Status InvalidMode(const std::string& mode) {
  return InvalidArgumentf("invalid mode: {}", mode);
}

bool HasOption(const std::string& mode, std::string_view option) {
  for (std::string_view o : Split(mode, ',')) {
    if (o == option) return true;
  }
  return false;
}

std::string PropagationOf(const std::string& mode) {
  for (std::string_view o : Split(mode, ',')) {
    if (IsPropagationMode(std::string(o))) return std::string(o);
  }
  return "";
}

}  // namespace

bool ValidMountMode(const std::string& mode) {
  if (mode.empty()) return true;
  int rw = 0, label = 0, propagation = 0, copy = 0, consistency = 0;
  for (std::string_view o : Split(mode, ',')) {
    if (o == "rw" || o == "ro") {
      ++rw;
    } else if (o == "z" || o == "Z") {
      ++label;
    } else if (IsPropagationMode(std::string(o))) {
      ++propagation;
    } else if (o == "nocopy") {
      ++copy;
    } else if (o == "consistent" || o == "cached" || o == "delegated") {
      ++consistency;
    } else {
      return false;
    }
  }
  return rw <= 1 && label <= 1 && propagation <= 1 && copy <= 1 && consistency <= 1;
}

bool ModeIsReadWrite(const std::string& mode) {
  if (!ValidMountMode(mode)) return false;
  return !HasOption(mode, "ro");
}

absl::StatusOr<MountPoint> ParseBind(const std::string& raw, const std::string& volume_driver) {
  std::vector<std::string> arr;
  // At most 4 pieces, as Go's strings.SplitN(raw, ":", 4).
  std::string_view rest = raw;
  while (arr.size() < 3) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) break;
    arr.emplace_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  arr.emplace_back(rest);
  if (arr[0].empty()) return InvalidSpec(raw);

  MountSpec spec;
  std::string mode;
  switch (arr.size()) {
    case 1:
      spec.target = arr[0];
      break;
    case 2:
      // "/foo:rw" is a destination with a mode, which a volume cannot be.
      if (ValidMountMode(arr[1])) return InvalidSpec(raw);
      spec.source = arr[0];
      spec.target = arr[1];
      break;
    case 3:
      spec.source = arr[0];
      spec.target = arr[1];
      mode = arr[2];
      break;
    default:
      return InvalidSpec(raw);
  }
  if (!ValidMountMode(mode)) return InvalidMode(mode);

  spec.type = !spec.source.empty() && spec.source[0] == '/' ? "bind" : "volume";
  spec.read_only = !ModeIsReadWrite(mode);
  if (!volume_driver.empty() && spec.type == "volume") {
    spec.has_volume_options = true;
    spec.driver = volume_driver;
  }
  if (HasOption(mode, "nocopy")) {
    spec.has_volume_options = true;
    spec.no_copy = true;
  }
  if (std::string p = PropagationOf(mode); !p.empty()) {
    spec.has_bind_options = true;
    spec.propagation = p;
  }
  absl::StatusOr<MountPoint> mp = ParseMountSpec(spec, /*check_bind_source=*/false);
  if (!mp.ok()) {
    return InvalidArgumentf("invalid volume specification: '{}': {}", raw,
                            ToStd(mp.status().message()));
  }
  mp->mode = mode;
  return mp;
}

absl::StatusOr<VolumesFrom> ParseVolumesFrom(const std::string& spec) {
  if (spec.empty()) {
    return InvalidArgumentf("volumes-from specification cannot be an empty string");
  }
  VolumesFrom out;
  auto [id, mode] = SplitOnce(spec, ':');
  out.container = std::string(id);
  out.mode = "rw";
  if (mode) {
    out.mode = std::string(*mode);
    // Propagation and copy modes stay those of the source container's mounts.
    if (!ValidMountMode(out.mode) || !PropagationOf(out.mode).empty() ||
        HasOption(out.mode, "nocopy")) {
      return InvalidMode(out.mode);
    }
  }
  return out;
}

}  // namespace berth::engined::volumes
