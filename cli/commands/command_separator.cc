#include "cli/commands/command_separator.h"

#include <algorithm>

namespace berth::cli {
namespace {

CLI::App* Subcommand(CLI::App& app, const std::string& name) {
  std::vector<CLI::App*> found =
      app.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); });
  return found.empty() ? nullptr : found.front();
}

// Whether `opt` reads a value from the next argument.
bool TakesValue(const CLI::Option* opt) { return opt != nullptr && opt->get_expected_min() > 0; }

}  // namespace

size_t FirstPositional(CLI::App& app, const std::vector<std::string>& args, size_t i) {
  while (i < args.size()) {
    const std::string& a = args[i];
    if (a == "--") return args.size();
    if (a.size() > 2 && a.starts_with("--")) {
      bool inline_value = a.find('=') != std::string::npos;
      CLI::Option* opt = app.get_option_no_throw(a.substr(0, a.find('=')));
      i += (!inline_value && TakesValue(opt)) ? 2 : 1;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      // A cluster of short flags; the first that takes a value takes the
      // rest of the cluster, or the next argument.
      size_t step = 1;
      for (size_t c = 1; c < a.size(); ++c) {
        if (TakesValue(app.get_option_no_throw(std::string{'-', a[c]}))) {
          if (c + 1 == a.size()) step = 2;
          break;
        }
      }
      i += step;
      continue;
    }
    return i;
  }
  return args.size();
}

void InsertCommandSeparator(CLI::App& app, std::vector<std::string>& args,
                            const std::vector<std::string>& stop_after_first) {
  CLI::App* current = &app;
  size_t i = 0;
  for (int depth = 0; depth < 2; ++depth) {
    i = FirstPositional(*current, args, i);
    if (i >= args.size()) return;
    CLI::App* sub = Subcommand(*current, args[i]);
    if (sub == nullptr) return;
    ++i;
    current = sub;
    if (std::find(stop_after_first.begin(), stop_after_first.end(), sub->get_name()) !=
        stop_after_first.end()) {
      size_t first = FirstPositional(*current, args, i);
      // Before the first argument: CLI11 gives everything after "--" to
      // the command's positional list (after it, the list counts as full).
      if (first < args.size()) args.insert(args.begin() + static_cast<std::ptrdiff_t>(first), "--");
      return;
    }
    // Only `berth container run|create|exec` has them one level down
    // (`context create NAME` is not a container's).
    if (sub->get_name() != "container") return;
  }
}

}  // namespace berth::cli
