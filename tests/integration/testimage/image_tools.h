// Running the independent image tools (skopeo, umoci) the testimage
// integration tests check our output with.
#pragma once

#include <string>
#include <vector>

#include "common/spawn.h"

namespace berth::testimage {

// Full path of `name` in $PATH, or "" when not installed.
std::string FindProgram(const std::string& name);

// Skips the test (exit 77) unless `name` is installed; returns its path.
std::string RequireProgram(const std::string& name);

// Runs argv to completion; fails the test when it cannot be started.
SpawnResult RunTool(const std::vector<std::string>& argv);

}  // namespace berth::testimage
