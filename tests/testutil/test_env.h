// What tests need to know about their environment: where the built binaries
// are, and whether they may use root-only kernel features.
#pragma once

#include <string>

namespace berth::testing {

// Path of a binary built by this project ("berth-runtime", "berth-probe").
std::string BinaryPath(const std::string& name);

// Ends the current test with exit code 77 (CTest: skipped) and the reason on
// stderr unless running as root. Integration tests call it first.
void RequireRoot();

// Skips (exit 77) with `reason`. Only for what the kernel refuses.
[[noreturn]] void Skip(const std::string& reason);

}  // namespace berth::testing
