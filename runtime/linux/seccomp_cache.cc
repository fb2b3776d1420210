#include "runtime/linux/seccomp_cache.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/sha256.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/linux/seccomp.h"

namespace berth::runtime::linux {
namespace {

// Bump when the key's inputs or the file layout change.
constexpr char kKeyFormat[] = "berth-runtime seccomp cache 1";
constexpr char kMagic[8] = {'B', 'S', 'E', 'C', 'C', 'M', 'P', '1'};

struct EntryHeader {
  char magic[8];
  uint32_t instructions;
  uint32_t flags;
  char key[64];                // hex, as the file name
  uint8_t program_sha256[32];  // of the instructions that follow
};
static_assert(sizeof(EntryHeader) == 112);

// The main program's GNU build id, hex; empty if it has none.
std::string BuildIdOfThisProgram() {
  std::string id;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto* out = static_cast<std::string*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          size_t align = ph.p_align == 8 ? 8 : 4;
          auto round = [align](size_t n) { return (n + align - 1) & ~(align - 1); };
          const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const char* name = p + sizeof(ElfW(Nhdr));
            const char* desc = name + round(note->n_namesz);
            const char* next = desc + round(note->n_descsz);
            if (next > end) break;
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0) {
              static constexpr char kHex[] = "0123456789abcdef";
              for (uint32_t k = 0; k < note->n_descsz; ++k) {
                auto b = static_cast<uint8_t>(desc[k]);
                out->push_back(kHex[b >> 4]);
                out->push_back(kHex[b & 0xf]);
              }
              return 1;
            }
            p = next;
          }
        }
        return 1;  // the first object is the program itself: stop there
      },
      &id);
  return id;
}

// Everything the key covers but the profile: the same for every call.
const std::string& KeyContext() {
  static const std::string context = [] {
    std::string out = kKeyFormat;
    out += "\nbuild-id " + BuildIdOfThisProgram();
    if (out.ends_with(' ')) out += BERTH_VERSION;  // no build id: the version at least
    out += "\nlibseccomp " + LibseccompVersion();
    struct utsname u {};
    if (::uname(&u) == 0) {
      out += fmt::format("\nkernel {} {} {} {}", u.sysname, u.release, u.version, u.machine);
    }
    return out + "\n";
  }();
  return context;
}

// The fields BuildSeccompFilter reads, in a fixed order (nlohmann::json
// objects sort their keys): the same profile gives the same text however
// its JSON was laid out.
std::string CanonicalSeccomp(const spec::Seccomp& s) {
  using nlohmann::json;
  auto optional = [](const std::optional<uint32_t>& v) { return v ? json(*v) : json(nullptr); };
  json syscalls = json::array();
  for (const spec::SeccompSyscall& call : s.syscalls) {
    json args = json::array();
    for (const spec::SeccompArg& a : call.args) {
      args.push_back({a.index, a.value, a.value_two, a.op});
    }
    syscalls.push_back({{"names", call.names},
                        {"action", call.action},
                        {"errnoRet", optional(call.errno_ret)},
                        {"args", std::move(args)}});
  }
  json j = {{"defaultAction", s.default_action},
            {"defaultErrnoRet", optional(s.default_errno_ret)},
            {"architectures", s.architectures},
            {"flags", s.flags},
            {"syscalls", std::move(syscalls)}};
  return j.dump();
}

bool IsKeyName(std::string_view name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

absl::StatusOr<std::string> ReadEntry(int fd, size_t size, const std::string& path) {
  std::string data(size, '\0');
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, data.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoErrorf(errno, "read {}", path);
    if (n == 0) return absl::DataLossError(fmt::format("{}: shorter than its size", path));
    done += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace

std::string SeccompCacheDir(const std::string& runtime_root) {
  return runtime_root + "/@seccomp-cache";
}

std::string SeccompCache::Key(const spec::Seccomp& s) {
  Sha256 h;
  h.Update(KeyContext());
  h.Update(CanonicalSeccomp(s));
  return ToHex(h.Finish());
}

absl::StatusOr<SeccompProgram> SeccompCache::Lookup(const std::string& key) const {
  if (!IsKeyName(key)) return InvalidArgumentf("seccomp cache: {:?} is not a key", key);
  std::string path = Path(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return NotFoundf("seccomp cache: no entry {}", key);
    return ErrnoErrorf(errno, "open {}", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return ErrnoErrorf(errno, "stat {}", path);
  // Only what we wrote ourselves: loading a program is a security decision.
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
    return FailedPreconditionf("{}: not a regular file of uid {} writable by it alone", path,
                               ::geteuid());
  }
  size_t size = static_cast<size_t>(st.st_size);
  size_t max_size = sizeof(EntryHeader) + BPF_MAXINSNS * sizeof(sock_filter);
  if (size <= sizeof(EntryHeader) || size > max_size) {
    return absl::DataLossError(fmt::format("{}: size {} out of range", path, size));
  }
  BERTH_ASSIGN_OR_RETURN(std::string data, ReadEntry(fd.get(), size, path));
  EntryHeader header;
  std::memcpy(&header, data.data(), sizeof(header));
  std::string_view program(data.data() + sizeof(header), size - sizeof(header));
  if (std::memcmp(header.magic, kMagic, sizeof(kMagic)) != 0 ||
      std::string_view(header.key, sizeof(header.key)) != key ||
      header.instructions * sizeof(sock_filter) != program.size()) {
    return absl::DataLossError(fmt::format("{}: bad header", path));
  }
  if (std::memcmp(Sha256Of(program).data(), header.program_sha256, 32) != 0) {
    return absl::DataLossError(fmt::format("{}: program does not match its digest", path));
  }
  SeccompProgram out;
  BERTH_ASSIGN_OR_RETURN(out.instructions, InstructionsFromBytes(program));
  out.flags = header.flags;
  return out;
}

absl::Status SeccompCache::Store(const std::string& key, const SeccompProgram& program) const {
  if (!IsKeyName(key)) return InvalidArgumentf("seccomp cache: {:?} is not a key", key);
  if (program.instructions.empty() || program.instructions.size() > BPF_MAXINSNS) {
    return InvalidArgumentf("seccomp cache: program of {} instructions",
                            program.instructions.size());
  }
  // The runtime root as StateStore makes it; the cache itself private.
  if (size_t slash = dir_.rfind('/'); slash != std::string::npos && slash > 0) {
    BERTH_RETURN_IF_ERROR(MkdirAll(dir_.substr(0, slash), 0711));
  }
  if (::mkdir(dir_.c_str(), 0700) < 0 && errno != EEXIST) {
    return ErrnoErrorf(errno, "create {}", dir_);
  }
  std::string_view bytes(reinterpret_cast<const char*>(program.instructions.data()),
                         program.instructions.size() * sizeof(sock_filter));
  EntryHeader header{};
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.instructions = static_cast<uint32_t>(program.instructions.size());
  header.flags = program.flags;
  std::memcpy(header.key, key.data(), sizeof(header.key));
  Sha256Digest digest = Sha256Of(bytes);
  std::memcpy(header.program_sha256, digest.data(), digest.size());
  std::string data(reinterpret_cast<const char*>(&header), sizeof(header));
  data.append(bytes);
  Evict(key);
  // tmpfs under /run in practice, rebuilt after a crash anyway; a torn
  // file fails its digest.
  return WriteFileAtomic(Path(key), data, 0600, Durability::kProcessCrash);
}

void SeccompCache::Evict(const std::string& keep) const {
  DIR* dir = ::opendir(dir_.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> entries;
  while (struct dirent* e = ::readdir(dir)) {
    if (IsKeyName(e->d_name) && e->d_name != keep) entries.emplace_back(e->d_name);
  }
  ::closedir(dir);
  // Many profiles in turn are unusual (docker's default differs only by
  // the capabilities it is built for): starting over is good enough.
  if (entries.size() < kMaxEntries) return;
  for (const std::string& name : entries) ::unlink(Path(name).c_str());
}

absl::StatusOr<SeccompProgram> PrepareSeccompProgram(const spec::Seccomp& s,
                                                     const SeccompCache& cache) {
  std::string key = SeccompCache::Key(s);
  absl::StatusOr<SeccompProgram> cached = cache.Lookup(key);
  if (cached.ok()) {
    if (cached->flags == SeccompLoadFlags(s)) return cached;
    log::Debugf("seccomp cache {}: load flags {:#x}, want {:#x}", key, cached->flags,
                SeccompLoadFlags(s));
  } else if (!absl::IsNotFound(cached.status())) {
    log::Debugf("seccomp cache: {}", cached.status());
  }
  BERTH_ASSIGN_OR_RETURN(SeccompProgram program, CompileSeccompProgram(s));
  if (absl::Status stored = cache.Store(key, program); !stored.ok()) {
    log::Debugf("seccomp cache: store {}: {}", key, stored);
  }
  return program;
}

absl::StatusOr<std::optional<SeccompProgram>> SeccompProgramForSpec(
    const spec::Spec& spec, const std::string& runtime_root) {
  if (!spec.linux || !spec.linux->seccomp || !CanPrecompile(*spec.linux->seccomp)) {
    return std::nullopt;
  }
  SeccompCache cache(SeccompCacheDir(runtime_root));
  BERTH_ASSIGN_OR_RETURN(SeccompProgram program,
                         PrepareSeccompProgram(*spec.linux->seccomp, cache));
  return program;
}

}  // namespace berth::runtime::linux
