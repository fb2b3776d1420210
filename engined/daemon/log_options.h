// HostConfig.LogConfig for the json-file driver the shim writes: max-size
// ("10m", binary units as docker's json-file) and max-file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace berth::engined {

struct JsonFileOptions {
  bool enabled = true;   // false for the "none" driver
  int64_t max_size = 0;  // bytes; 0 is unlimited
  int32_t max_file = 1;
};

// From the container's LogConfig, falling back to the daemon's log-opts.
// InvalidArgument for drivers other than json-file / none and bad values.
absl::StatusOr<JsonFileOptions> JsonFileOptionsOf(const nlohmann::json& host_config,
                                                  const nlohmann::json& daemon_log_opts);

// "10m" -> 10485760; "100" -> 100; k, m, g (and kb, mb, gb), any case.
absl::StatusOr<int64_t> ParseByteSize(const std::string& text);

}  // namespace berth::engined
