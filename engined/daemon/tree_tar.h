// Tar streams of a container's files, as moby's archive package writes them
// for docker cp and docker export: entries in name order, each directory
// before what it holds, ownership, modes, mtimes and xattrs kept, hardlinks
// as tar links. The contents of kernel filesystems met on the way (proc,
// sysfs, cgroup... in a running container's view) are left out: their
// directory is written, empty.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace berth::engined {

// Where the tar's bytes go, in order; an error (the client left) stops it.
using TarSink = std::function<absl::Status(std::string_view)>;

// The entry `name` in the directory `dir_fd` (lstat'ed as `st`) under the
// tar name `prefix`, and when it is a directory everything below it as
// "<prefix>/<name>..." (from "/" when `prefix` is empty, as docker names
// the entries of a copy of the container's root).
absl::Status WriteTarOfEntry(int dir_fd, const std::string& name, const struct stat& st,
                             const std::string& prefix, const TarSink& sink);

// Everything below the directory open at `dir_fd`, named relative to it
// ("bin/", "bin/busybox"), without an entry for the directory itself.
absl::Status WriteTarOfTree(int dir_fd, const TarSink& sink);

}  // namespace berth::engined
