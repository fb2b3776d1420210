// One tar entry's header, as the CLI's tar writer and reader share it.
#pragma once

#include <cstdint>
#include <string>

namespace berth::cli::archive {

enum class TarType : char {
  kRegular = '0',
  kHardlink = '1',
  kSymlink = '2',
  kChar = '3',
  kBlock = '4',
  kDirectory = '5',
  kFifo = '6',
};

struct TarEntry {
  std::string name;  // directories end in '/'
  TarType type = TarType::kRegular;
  std::string link_name;  // symlink target, or the hardlinked entry's name
  uint32_t mode = 0;      // permission, setuid/setgid and sticky bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string uname;
  std::string gname;
  int64_t size = 0;   // of regular files' data only
  int64_t mtime = 0;  // seconds since the epoch
  uint32_t mtime_nsec = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
};

inline constexpr size_t kTarBlock = 512;

}  // namespace berth::cli::archive
