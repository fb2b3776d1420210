// Go text/template, the language of docker's --format and inspect -f, over
// JSON values: {{.Field.Chain}}, pipelines, variables, if/else/range/with,
// Go's builtins and docker's json/split/join/title/lower/upper/pad/truncate.
//
//   BERTH_ASSIGN_OR_RETURN(Template t, Template::Parse("{{.State.Status}}"));
//   BERTH_ASSIGN_OR_RETURN(std::string s, t.Execute(inspect_json));
//
// Values print like Go's fmt %v of what encoding/json decodes: "<no value>"
// for a missing key, "<nil>" for null, "[a b]", "map[k:v]".
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::cli::output {

namespace internal {
struct Node;
}

// docker's formatter rows have methods ({{.Label "com.example"}},
// {{.Size}} computed on demand); JSON has none, so a template asks this
// hook whenever a field is called with arguments or is absent. `dot` is the
// receiver. nullopt: no such method (a missing key prints "<no value>", a
// call with arguments is an error).
using MethodFn = std::function<std::optional<nlohmann::json>(
    const nlohmann::json& dot, const std::string& name, const std::vector<nlohmann::json>& args)>;

class Template {
 public:
  // InvalidArgument with Go's message on a syntax error, e.g.
  // `template: :1: unexpected "}" in operand`.
  static absl::StatusOr<Template> Parse(std::string_view text);

  // Runs the template with `dot` as "." and "$". Errors (InvalidArgument)
  // read like Go's: `template: :1:2: executing "" at <index .A 1>: error
  // calling index: index out of range: 1`.
  absl::StatusOr<std::string> Execute(const nlohmann::json& dot, const MethodFn& method = {}) const;

  // Execute with docker's HeaderFunctions, for a table's header row: json,
  // split, join, title, lower, upper and truncate return the column title
  // unchanged. On an error, the output so far (docker ignores the error).
  std::string ExecuteHeader(const nlohmann::json& headers) const;

 private:
  struct Parsed;
  explicit Template(std::shared_ptr<const Parsed> parsed) : parsed_(std::move(parsed)) {}

  std::shared_ptr<const Parsed> parsed_;
};

}  // namespace berth::cli::output
