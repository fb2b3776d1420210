// docker stops reading flags at run / create's IMAGE and exec's CONTAINER:
// what follows is the container's command, dashes and all (`run busybox
// sh -c ...`). CLI11 reads options anywhere, so before parsing we put "--"
// in front of that first argument.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace berth::cli {

// The index in `args` of the first argument that is not one of `app`'s
// options or their values, from `from` on; args.size() when there is none
// (or at "--").
size_t FirstPositional(CLI::App& app, const std::vector<std::string>& args, size_t from);

// `args` without the program name. Subcommands named in `stop_after_first`
// (at the top level or under `container`) get the separator.
void InsertCommandSeparator(CLI::App& app, std::vector<std::string>& args,
                            const std::vector<std::string>& stop_after_first = {"run", "create",
                                                                                "exec"});

}  // namespace berth::cli
