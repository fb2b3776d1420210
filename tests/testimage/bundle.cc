#include "tests/testimage/bundle.h"

#include "common/file_util.h"
#include "common/status.h"

namespace berth::testimage {

absl::Status CreateBundle(const std::string& dir, const json::Json& config,
                          const RootfsOptions& opts) {
  std::string root = "rootfs";
  if (config.is_object() && config.contains("root") && config["root"].is_object() &&
      config["root"].contains("path") && config["root"]["path"].is_string()) {
    root = config["root"]["path"].get<std::string>();
  }
  std::string rootfs = root.starts_with("/") ? root : JoinPath(dir, root);
  BERTH_RETURN_IF_ERROR(MkdirAll(dir));
  BERTH_RETURN_IF_ERROR(CreateRootfs(rootfs, opts));
  return WriteFile(JoinPath(dir, "config.json"), json::Dump(config, 2) + "\n");
}

}  // namespace berth::testimage
