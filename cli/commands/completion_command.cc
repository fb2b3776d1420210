// berth completion bash|zsh: prints a completion script generated from the
// command table as it is when the command runs.
#include "cli/commands/command.h"
#include "cli/commands/completion_script.h"
#include "cli/commands/system_commands.h"

namespace berth::cli {
namespace {

struct CompletionOptions {
  std::string shell;
  const CLI::App* root = nullptr;
};

int Completion(CompletionOptions& o, Cli& cli) {
  std::string script = o.shell == "zsh" ? ZshCompletionScript(*o.root, "berth")
                                        : BashCompletionScript(*o.root, "berth");
  std::fputs(script.c_str(), cli.out());
  return 0;
}

}  // namespace

CLI::App* AddCompletionCommand(CLI::App& root, Cli& cli) {
  auto o = std::make_shared<CompletionOptions>();
  o->root = &root;
  CLI::App* sub = AddCommand<CompletionOptions>(
      root, cli, "completion", "Generate the autocompletion script for the specified shell", o,
      Completion);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("shell", o->shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  return sub;
}

}  // namespace berth::cli
