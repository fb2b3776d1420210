#include "runtime/container/oci_state.h"

#include "runtime/container/state.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::container {

json::Json OciStateJson(const std::string& id, const std::string& status, pid_t pid,
                        const std::string& bundle,
                        const std::map<std::string, std::string>& annotations) {
  json::Json j = {
      {"ociVersion", spec::kOciVersion},
      {"id", id},
      {"status", status},
      {"pid", pid},
      {"bundle", bundle},
  };
  if (!annotations.empty()) j["annotations"] = annotations;
  return j;
}

json::Json OciStateJsonFor(const State& state, const std::string& status) {
  return OciStateJson(state.id, status, state.pid, state.bundle, state.annotations);
}

}  // namespace berth::runtime::container
