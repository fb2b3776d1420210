// docker diff: the changes in a container's overlay upper directory against
// the image layers below it, computed as moby's archive.OverlayChanges does.
// Walking the upper directory in name order (each directory before its
// contents):
//   - a 0:0 character device (an overlayfs whiteout) is a deletion;
//   - an opaque directory (trusted.overlay.opaque=y) that exists below is a
//     deletion too (its contents then read as added);
//   - an entry that exists in a lower layer is a modification, except a
//     directory whose size, mode and mtime match the lower one's (it is in
//     the upper directory only because something below it changed);
//   - anything else was added.
// The parent of an addition or deletion is reported as modified once,
// before it, unless it already was (or is "/").
//
// What docker keeps in a container's init layer (the mount points of
// /etc/hostname, /etc/hosts, /etc/resolv.conf, /proc, /sys, /dev...) is
// made in the upper directory here, by the runtime: it is never reported,
// and /etc is compared without its mtime (which that creation changed), so
// a fresh container shows no changes, as with docker.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined {

enum class ChangeKind { kModify = 0, kAdd = 1, kDelete = 2 };

struct Change {
  std::string path;  // absolute in the container: "/etc/passwd"
  ChangeKind kind = ChangeKind::kModify;
};

// `lowers` topmost first, as overlayfs's lowerdir= lists them.
absl::StatusOr<std::vector<Change>> OverlayChanges(const std::string& upper,
                                                   const std::vector<std::string>& lowers);

// The /containers/{id}/changes body: [{"Path": ..., "Kind": 0|1|2}].
nlohmann::json ChangesJson(const std::vector<Change>& changes);

}  // namespace berth::engined
