#include "shim/runtime/runtime_output.h"

#include <limits>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::shim {

absl::StatusOr<ContainerState> ParseState(std::string_view json_text) {
  BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(json_text, "runtime state"));
  json::View v(j, "state");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  ContainerState s;
  int64_t pid = 0;
  BERTH_RETURN_IF_ERROR(v.Get("ociVersion", &s.oci_version));
  BERTH_RETURN_IF_ERROR(v.Require("id", &s.id));
  BERTH_RETURN_IF_ERROR(v.Get("pid", &pid));
  BERTH_RETURN_IF_ERROR(v.Require("status", &s.status));
  BERTH_RETURN_IF_ERROR(v.Get("bundle", &s.bundle));
  BERTH_RETURN_IF_ERROR(v.Get("rootfs", &s.rootfs));
  BERTH_RETURN_IF_ERROR(v.Get("created", &s.created));
  BERTH_RETURN_IF_ERROR(v.Get("owner", &s.owner));
  BERTH_RETURN_IF_ERROR(v.Get("annotations", &s.annotations));
  if (pid < 0 || pid > std::numeric_limits<pid_t>::max()) {
    return InvalidArgumentf("state.pid: {} is not a pid", pid);
  }
  s.pid = static_cast<pid_t>(pid);
  return s;
}

absl::StatusOr<std::vector<pid_t>> ParsePids(std::string_view json_text) {
  BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(json_text, "runtime ps"));
  std::vector<pid_t> pids;
  if (j.is_null()) return pids;
  json::View v(j, "ps");
  BERTH_RETURN_IF_ERROR(v.ExpectArray());
  for (size_t i = 0; i < v.Size(); ++i) {
    int32_t pid = 0;
    BERTH_RETURN_IF_ERROR(v.At(i).To(&pid));
    pids.push_back(pid);
  }
  return pids;
}

absl::StatusOr<pid_t> ParsePidFile(std::string_view content, const std::string& path) {
  std::string_view text = TrimSpace(content);
  std::optional<int64_t> pid = ParseInt64(text);
  if (!pid || *pid <= 0 || *pid > std::numeric_limits<pid_t>::max()) {
    return InvalidArgumentf("pid file {}: expected a pid, got \"{}\"", path, text.substr(0, 64));
  }
  return static_cast<pid_t>(*pid);
}

absl::StatusOr<pid_t> ReadPidFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return WithContext(content.status(), "read pid file");
  return ParsePidFile(*content, path);
}

}  // namespace berth::shim
