// How a command file plugs into the command table: a function that adds
// the command (its flags and its action) under a parent. The same function
// is called for the top-level shortcut (`berth ps`) and the management
// group (`berth container ls`), each call with its own option storage.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/cli.h"

namespace berth::cli {

using AddCommandFn = std::function<CLI::App*(CLI::App& parent, Cli& cli)>;

// Adds a subcommand whose action sets cli's exit code from `run`.
// Options of type T live as long as the App (a shared_ptr in the callback).
// A command this process does not need (Cli::Needs) is not made: the
// result is cli.Unbuilt(), for which Cli::Builds is false, so callers add
// their flags under `if (cli.Builds(*sub))` and nothing else.
template <typename T>
CLI::App* AddCommand(CLI::App& parent, Cli& cli, const std::string& name,
                     const std::string& description, std::shared_ptr<T> options,
                     std::function<int(T&, Cli&)> run,
                     const std::vector<std::string>& aliases = {}) {
  if (!cli.Needs(parent, name, aliases)) return cli.Unbuilt();
  CLI::App* sub = parent.add_subcommand(name, description);
  for (const std::string& alias : aliases) sub->alias(alias);
  sub->callback([options, run, &cli] { cli.set_exit_code(run(*options, cli)); });
  return sub;
}

}  // namespace berth::cli
