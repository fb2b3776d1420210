#include "cli/output/template.h"

#include "cli/output/template_exec.h"
#include "cli/output/template_tree.h"
#include "common/status.h"

namespace berth::cli::output {

struct Template::Parsed {
  std::string source;  // error locations point into it
  std::unique_ptr<internal::Node> root;
};

absl::StatusOr<Template> Template::Parse(std::string_view text) {
  auto parsed = std::make_shared<Parsed>();
  parsed->source = std::string(text);
  BERTH_ASSIGN_OR_RETURN(parsed->root, internal::ParseTemplate(parsed->source));
  return Template(std::move(parsed));
}

absl::StatusOr<std::string> Template::Execute(const nlohmann::json& dot,
                                              const MethodFn& method) const {
  std::string out;
  BERTH_RETURN_IF_ERROR(
      internal::ExecuteTree(*parsed_->root, parsed_->source, dot, method, false, &out));
  return out;
}

std::string Template::ExecuteHeader(const nlohmann::json& headers) const {
  std::string out;
  // docker ignores a header's execution error and keeps what was written.
  (void)internal::ExecuteTree(*parsed_->root, parsed_->source, headers, {}, true, &out);
  return out;
}

}  // namespace berth::cli::output
