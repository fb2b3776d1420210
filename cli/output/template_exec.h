// Executes a parsed template (text/template/exec.go) over JSON.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "cli/output/template.h"
#include "cli/output/template_tree.h"

namespace berth::cli::output::internal {

// Appends the output to *out, also the part written before an error.
// `source` is the template text, for error locations; `header` selects
// docker's HeaderFunctions.
absl::Status ExecuteTree(const Node& root, std::string_view source, const nlohmann::json& dot,
                         const MethodFn& method, bool header, std::string* out);

}  // namespace berth::cli::output::internal
