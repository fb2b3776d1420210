#include "engined/daemon/path_stat.h"

#include "absl/strings/escaping.h"
#include "common/file_util.h"
#include "common/time_util.h"

namespace berth::engined {

uint32_t GoFileMode(mode_t mode) {
  uint32_t m = mode & 0777;
  switch (mode & S_IFMT) {
    case S_IFDIR:
      m |= kGoModeDir;
      break;
    case S_IFLNK:
      m |= kGoModeSymlink;
      break;
    case S_IFBLK:
      m |= 1u << 26;
      break;
    case S_IFCHR:
      m |= (1u << 26) | (1u << 21);
      break;
    case S_IFIFO:
      m |= 1u << 25;
      break;
    case S_IFSOCK:
      m |= 1u << 24;
      break;
    default:
      break;
  }
  if (mode & S_ISUID) m |= 1u << 23;
  if (mode & S_ISGID) m |= 1u << 22;
  if (mode & S_ISVTX) m |= 1u << 20;
  return m;
}

nlohmann::json PathStatJson(const PathStat& stat) {
  return {{"name", stat.name},
          {"size", stat.size},
          {"mode", stat.mode},
          {"mtime", FormatRfc3339Nano(stat.mtime)},
          {"linkTarget", stat.link_target}};
}

std::string PathStatHeader(const PathStat& stat) {
  return absl::Base64Escape(PathStatJson(stat).dump());
}

std::string GoBase(std::string_view path) {
  if (path.empty()) return ".";
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/") return "/";
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string PreserveTrailingDotOrSeparator(std::string cleaned, std::string_view original) {
  auto current_dir = [](std::string_view p) {
    return p == "." || (p.size() >= 2 && p.substr(p.size() - 2) == "/.");
  };
  if (!current_dir(cleaned) && current_dir(original)) {
    if (!cleaned.ends_with('/')) cleaned += '/';
    cleaned += '.';
  }
  if (!cleaned.ends_with('/') && original.ends_with('/')) cleaned += '/';
  return cleaned;
}

std::string ContainerAbsPath(std::string_view path) {
  return PreserveTrailingDotOrSeparator(CleanPath("/" + std::string(path)), path);
}

}  // namespace berth::engined
