// Shell completion scripts generated from the CLI11 command tree, so they
// list exactly the commands and flags berth has.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::cli {

// One command of the tree: its path from the root ("" for the root,
// "volume ls"), names it answers to, flags, and which flags take a value.
struct CompletionNode {
  std::string path;
  std::vector<std::string> subcommands;  // names and aliases
  std::vector<std::string> flags;        // "-a", "--all"
  std::vector<std::string> value_flags;  // those that take an argument
};

// Every command under `root`, the root first, depth first; hidden flags
// (an empty group) and hidden commands are left out.
std::vector<CompletionNode> CompletionTree(const CLI::App& root);

// A bash script defining _<program> and registering it with `complete`;
// source it (`source <(berth completion bash)`).
std::string BashCompletionScript(const CLI::App& root, std::string_view program);
// The same for zsh through bashcompinit.
std::string ZshCompletionScript(const CLI::App& root, std::string_view program);

}  // namespace berth::cli
