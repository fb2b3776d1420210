// berth tag SOURCE TARGET: POST /images/<source>/tag with the target's full
// repository name and tag, as docker's client sends them.
#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "common/reference.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct TagOptions {
  std::string source;
  std::string target;
};

absl::Status RunTag(TagOptions& o, Cli& cli) {
  // The source may also be an image id (docker's ParseAnyReference).
  bool is_id = o.source.find_first_not_of("0123456789abcdef") == std::string::npos ||
               IsSha256Digest(o.source);
  if (o.source.empty() || (!is_id && !Reference::Parse(o.source).ok())) {
    return InvalidArgumentf(
        "Error parsing reference: \"{}\" is not a valid repository/tag: invalid reference format",
        o.source);
  }
  absl::StatusOr<Reference> target = Reference::Parse(o.target);
  if (!target.ok()) {
    return InvalidArgumentf(
        "Error parsing reference: \"{}\" is not a valid repository/tag: invalid reference format",
        o.target);
  }
  if (!target->digest.empty()) {
    return absl::InvalidArgumentError("refusing to create a tag with a digest reference");
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  client::Request r{.method = "POST", .path = "/images/" + o.source + "/tag"};
  r.query.emplace_back("repo", target->Name());
  r.query.emplace_back("tag", target->tag);
  return api->Do(r).status();
}

int Tag(TagOptions& o, Cli& cli) {
  absl::Status s = RunTag(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddTagCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<TagOptions>();
  CLI::App* sub = AddCommand<TagOptions>(
      parent, cli, "tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", o, Tag);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("source", o->source, "SOURCE_IMAGE[:TAG]")->required();
  sub->add_option("target", o->target, "TARGET_IMAGE[:TAG]")->required();
  return sub;
}

}  // namespace berth::cli
