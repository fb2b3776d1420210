// docker's ContainerPathStat: what HEAD/GET /containers/{id}/archive report
// about a path in the header X-Docker-Container-Path-Stat (base64 of JSON
// {"name","size","mode","mtime","linkTarget"}, mode in Go's os.FileMode
// bits), and the path rules of moby's archive code that decide how a path
// is resolved and how the tar entries are named.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace berth::engined {

struct PathStat {
  std::string name;
  int64_t size = 0;
  uint32_t mode = 0;  // Go os.FileMode
  struct timespec mtime {};
  std::string link_target;  // symlinks: the fully resolved absolute path
};

// Go's os.FileMode of an lstat mode: permission bits plus ModeDir (1<<31),
// ModeSymlink (1<<27), ModeDevice (1<<26), ModeNamedPipe (1<<25),
// ModeSocket (1<<24), ModeSetuid (1<<23), ModeSetgid (1<<22),
// ModeCharDevice (1<<21), ModeSticky (1<<20).
uint32_t GoFileMode(mode_t mode);
inline constexpr uint32_t kGoModeDir = 1u << 31;
inline constexpr uint32_t kGoModeSymlink = 1u << 27;

nlohmann::json PathStatJson(const PathStat& stat);
// The header's value: base64 (standard alphabet) of the JSON.
std::string PathStatHeader(const PathStat& stat);

// Go's filepath.Base: "" is ".", trailing slashes are dropped, "/" stays "/".
std::string GoBase(std::string_view path);

// moby's archive.PreserveTrailingDotOrSeparator: `cleaned` with the
// trailing "/." or "/" that `original` had ("/etc/." stays "/etc/.").
std::string PreserveTrailingDotOrSeparator(std::string cleaned, std::string_view original);

// The absolute path in the container for a path as the client gave it:
// cleaned from "/", keeping a trailing "/." or "/" (moby's absPath).
std::string ContainerAbsPath(std::string_view path);

}  // namespace berth::engined
