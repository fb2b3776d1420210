// docker's local volume naming rule and anonymous volume names.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace berth::engined::volumes {

// [a-zA-Z0-9][a-zA-Z0-9_.-]+ as docker's local driver; InvalidArgument with
// docker's message naming the volume otherwise.
absl::Status ValidateVolumeName(std::string_view name);

// 64 random hex digits, as docker's stringid.GenerateRandomID.
std::string GenerateVolumeName();

}  // namespace berth::engined::volumes
