#include "cli/commands/inspect_printer.h"

#include <nlohmann/json.hpp>

#include "cli/output/template.h"
#include "common/status.h"

namespace berth::cli {

absl::Status PrintInspected(Cli& cli, const std::vector<std::string>& raw_objects,
                            const std::string& format) {
  if (format.empty() || format == "json") {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const std::string& raw : raw_objects) {
      all.push_back(nlohmann::ordered_json::parse(raw, nullptr, false));
    }
    std::string text = all.empty() ? "[]" : all.dump(4);
    std::fprintf(cli.out(), "%s\n", text.c_str());
    return absl::OkStatus();
  }
  BERTH_ASSIGN_OR_RETURN(output::Template tmpl, output::Template::Parse(format));
  // docker's TemplateInspector writes an empty line when nothing was found.
  if (raw_objects.empty()) std::fputs("\n", cli.out());
  for (const std::string& raw : raw_objects) {
    BERTH_ASSIGN_OR_RETURN(std::string line,
                           tmpl.Execute(nlohmann::json::parse(raw, nullptr, false)));
    std::fprintf(cli.out(), "%s\n", line.c_str());
  }
  return absl::OkStatus();
}

}  // namespace berth::cli
