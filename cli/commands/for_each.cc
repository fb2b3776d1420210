#include "cli/commands/for_each.h"

#include "cli/client/errors.h"

namespace berth::cli {

int ForEachTarget(Cli& cli, const std::vector<std::string>& targets,
                  const std::function<absl::Status(const std::string&)>& act, bool print_names) {
  int code = 0;
  for (const std::string& target : targets) {
    absl::Status s = act(target);
    if (s.ok()) {
      if (print_names) std::fprintf(cli.out(), "%s\n", target.c_str());
      continue;
    }
    std::fflush(cli.out());
    std::fprintf(cli.err(), "%s\n", client::ErrorLine(s).c_str());
    // A daemon that cannot be reached fails every target the same way.
    if (s.code() == absl::StatusCode::kUnavailable && !client::IsDaemonError(s)) return 1;
    code = 1;
  }
  cli.set_exit_code(code);
  return code;
}

}  // namespace berth::cli
