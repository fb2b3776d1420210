// spec and features: what a config looks like, and what this runtime can do.
#include <errno.h>
#include <seccomp.h>
#include <unistd.h>

#include <cstdio>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "runtime/commands/commands.h"
#include "runtime/linux/capabilities.h"
#include "runtime/linux/lsm.h"
#include "runtime/linux/mount_options.h"
#include "runtime/linux/seccomp.h"
#include "runtime/spec/default_spec.h"
#include "runtime/spec/spec.h"

namespace berth::runtime {

absl::StatusOr<int> SpecCommand(const GlobalOptions&, const SpecOptions& o) {
  std::string path = JoinPath(o.bundle.empty() ? "." : o.bundle, "config.json");
  if (PathExists(path)) {
    return AlreadyExistsf("{} exists: remove it first", path);
  }
  json::Json spec = spec::DefaultSpecJson(o.rootless, geteuid(), getegid());
  BERTH_RETURN_IF_ERROR(WriteFile(path, json::Dump(spec, 4) + "\n", 0666));
  return 0;
}

absl::StatusOr<int> Features(const GlobalOptions&) {
  const scmp_version* v = seccomp_version();
  json::Json features = {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", spec::kOciVersion},
      {"hooks",
       {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions", linux::KnownMountOptions()},
      {"linux",
       {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
        {"capabilities", linux::AllCapabilityNames()},
        {"cgroup",
         {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", true}}},
        {"seccomp", linux::SeccompFeatures()},
        {"apparmor", {{"enabled", linux::AppArmorEnabled()}}},
        {"selinux", {{"enabled", linux::SelinuxEnabled()}}},
        {"intelRdt", {{"enabled", false}}},
        {"mountExtensions", {{"idmap", {{"enabled", true}}}}}}},
      {"annotations",
       {{"io.github.seccomp.libseccomp.version",
         fmt::format("{}.{}.{}", v->major, v->minor, v->micro)},
        {"org.berth.runtime.version", BERTH_VERSION}}},
      {"potentiallyUnsafeConfigAnnotations", json::Json::array()},
  };
  std::string text = json::Dump(features, 4) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace berth::runtime
