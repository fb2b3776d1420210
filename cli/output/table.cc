#include "cli/output/table.h"

#include "cli/output/tabwriter.h"
#include "common/status.h"

namespace berth::cli::output {
namespace {

constexpr std::string_view kTableKey = "table";

absl::Status Wrap(const absl::Status& status) {
  return absl::Status(status.code(), "template parsing error: " + std::string(status.message()));
}

std::string Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(' ');
  if (begin == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(' ');
  return std::string(s.substr(begin, end - begin + 1));
}

// The typed escapes docker replaces (strings.NewReplacer(`\t`, "\t", `\n`, "\n")).
std::string ReplaceEscapes(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      out += s[++i] == 't' ? '\t' : '\n';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> FormatRows(std::string_view format, std::string_view default_table,
                                       const nlohmann::json& headers,
                                       const std::vector<nlohmann::json>& rows,
                                       const MethodFn& method) {
  std::string chosen(format);
  if (chosen.empty() || chosen == kTableKey) {
    chosen = default_table.starts_with(kTableKey) ? std::string(default_table)
                                                  : "table " + std::string(default_table);
  }
  // docker's Context.preFormat.
  bool table = chosen.starts_with(kTableKey);
  std::string text = chosen;
  if (table) {
    text = chosen.substr(kTableKey.size());
  } else if (chosen == "json") {
    text = "{{json .}}";
  }
  text = ReplaceEscapes(Trim(text));

  absl::StatusOr<Template> tmpl = Template::Parse(text);
  if (!tmpl.ok()) return Wrap(tmpl.status());
  std::string body;
  for (const nlohmann::json& row : rows) {
    absl::StatusOr<std::string> line = tmpl->Execute(row, method);
    if (!line.ok()) return Wrap(line.status());
    body += *line;
    body += '\n';
  }
  if (!table) return body;

  TabWriter writer(10, 1, 3, ' ', 0);
  writer.Write(tmpl->ExecuteHeader(headers));
  writer.Write("\n");
  writer.Write(body);
  writer.Flush();
  return writer.output();
}

}  // namespace berth::cli::output
