#include "cli/commands/confirm.h"

#include <iostream>

namespace berth::cli {

bool Confirm(Cli& cli, const std::string& warning) {
  std::fprintf(cli.out(), "%s\nAre you sure you want to continue? [y/N] ", warning.c_str());
  std::fflush(cli.out());
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
}

}  // namespace berth::cli
