// docker's container names: the rule a given name must follow, and the
// "adjective_surname" names given to containers created without one.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"

namespace berth::engined {

// `name` with or without its leading '/'.
absl::Status ValidateContainerName(const std::string& name);

// A random "adjective_surname"; `taken` is asked about each candidate and a
// digit is appended after a few collisions, as docker does.
std::string GenerateContainerName(const std::function<bool(const std::string&)>& taken);

// 64 random hex characters (a container or exec id), never all digits so
// that a short id cannot be mistaken for a number.
std::string NewObjectId();

}  // namespace berth::engined
