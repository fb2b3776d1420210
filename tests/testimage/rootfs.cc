#include "tests/testimage/rootfs.h"

#include <map>

#include <utility>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "tests/testimage/disk_writer.h"

namespace berth::testimage {
namespace {

constexpr char kBusyboxPath[] = "bin/busybox";

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "berth:x:1000:1000:berth test user:/home/berth:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";

constexpr char kGroup[] =
    "root:x:0:\n"
    "tty:x:5:\n"
    "berth:x:1000:\n"
    "nogroup:x:65534:\n";

constexpr char kHosts[] =
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n";

struct Dir {
  const char* path;
  mode_t mode;
};
constexpr Dir kDirs[] = {
    {"bin", 0755},  {"sbin", 0755}, {"usr/bin", 0755},  {"usr/sbin", 0755},
    {"proc", 0555}, {"sys", 0555},  {"dev", 0755},      {"tmp", 01777},
    {"etc", 0755},  {"root", 0700}, {"home", 0755},     {"home/berth", 0755},
    {"run", 0755},  {"var", 0755},  {"var/tmp", 01777}, {"mnt", 0755},
};

absl::Status AddBusybox(const std::string& busybox, FsTree* tree) {
  BERTH_ASSIGN_OR_RETURN(std::string binary, ReadFile(busybox));
  BERTH_RETURN_IF_ERROR(tree->AddFile(kBusyboxPath, std::move(binary), 0755));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> applets, ListBusyboxApplets(busybox));
  for (const std::string& applet : applets) {
    if (applet == kBusyboxPath) continue;
    BERTH_RETURN_IF_ERROR(tree->AddSymlink(applet, "/bin/busybox"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ListBusyboxApplets(const std::string& busybox) {
  // Asked once per binary and process: tests that reap every child (they
  // stand in for a shim) cannot wait for a helper of their own later.
  static std::map<std::string, std::vector<std::string>>* cache =
      new std::map<std::string, std::vector<std::string>>();
  if (auto it = cache->find(busybox); it != cache->end()) return it->second;
  SpawnOptions spawn;
  spawn.argv = {busybox, "--list-full"};
  BERTH_ASSIGN_OR_RETURN(SpawnResult result, RunAndCapture(spawn));
  if (!result.status.success()) {
    return Internalf("{} --list-full: exit status {}: {}", busybox, result.status.code,
                     TrimSpace(result.err));
  }
  std::vector<std::string> applets;
  for (std::string_view line : Split(result.out, '\n', true)) {
    line = TrimSpace(line);
    if (!line.empty()) applets.emplace_back(line);
  }
  if (applets.empty()) return Internalf("{} --list-full: no applets listed", busybox);
  (*cache)[busybox] = applets;
  return applets;
}

absl::StatusOr<FsTree> BuildRootfsTree(const RootfsOptions& opts) {
  FsTree tree;
  for (const Dir& d : kDirs) BERTH_RETURN_IF_ERROR(tree.AddDir(d.path, d.mode));
  BERTH_RETURN_IF_ERROR(WithContext(AddBusybox(opts.busybox, &tree), "rootfs busybox"));
  BERTH_RETURN_IF_ERROR(tree.AddFile("etc/passwd", kPasswd));
  BERTH_RETURN_IF_ERROR(tree.AddFile("etc/group", kGroup));
  BERTH_RETURN_IF_ERROR(tree.AddFile("etc/hostname", ""));
  BERTH_RETURN_IF_ERROR(tree.AddFile("etc/hosts", kHosts));
  for (const ExtraFile& extra : opts.extra_files) {
    BERTH_ASSIGN_OR_RETURN(std::string content, ReadFile(extra.host_path));
    BERTH_RETURN_IF_ERROR(
        WithContext(tree.AddFile(extra.container_path, std::move(content), extra.mode),
                    fmt::format("rootfs extra file {}", extra.host_path)));
  }
  return tree;
}

absl::Status CreateRootfs(const std::string& dir, const RootfsOptions& opts) {
  BERTH_ASSIGN_OR_RETURN(FsTree tree, BuildRootfsTree(opts));
  return WithContext(WriteTreeToDir(tree, dir), fmt::format("create rootfs {}", dir));
}

}  // namespace berth::testimage
