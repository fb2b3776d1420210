// berth-ctr's image commands, as ctr's: pull (and unpack), push, images,
// rmi, import.
#pragma once

#include <CLI/CLI.hpp>

#include "containerd/ctr/client.h"

namespace berth::containerd::ctr {

// Adds the commands to `app`; the one that runs stores its exit code in
// `*exit_code`. `global` is read when the command runs.
void AddImageCommands(CLI::App& app, const Global& global, int* exit_code);

}  // namespace berth::containerd::ctr
