// docker's cli/command/formatter: rows printed through a --format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/output/template.h"

namespace berth::cli::output {

// Renders `rows` as docker does for `format`:
//   "" or "table"     `default_table` ("table {{.ID}}\t{{.Image}}...", the
//                     "table " prefix optional)
//   "json"            {{json .}} per row
//   "table <tmpl>"    a header (the template run against `headers`, field
//                     name -> column title, e.g. {"ID": "CONTAINER ID"}, with
//                     docker's header functions), then the rows, aligned by
//                     Go's tabwriter as docker sets it (minwidth 10,
//                     tabwidth 1, padding 3, ' ')
//   anything else     each row rendered, then "\n"; no header, no alignment
// A "\t" or "\n" typed as backslash + letter becomes a tab or a newline.
// Every row ends with "\n". Errors (InvalidArgument) read "template parsing
// error: template: ...", for parsing and execution alike, as docker's do.
absl::StatusOr<std::string> FormatRows(std::string_view format, std::string_view default_table,
                                       const nlohmann::json& headers,
                                       const std::vector<nlohmann::json>& rows,
                                       const MethodFn& method = {});

}  // namespace berth::cli::output
