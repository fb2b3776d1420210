// berth push: POST /images/<name>/push with the registry's stored
// credentials, the daemon's progress printed as docker prints it.
#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"
#include "common/reference.h"
#include "common/status.h"

namespace berth::cli {
namespace {

struct PushOptions {
  std::string remote;
  bool all_tags = false;
  bool quiet = false;
  std::string platform;
  bool disable_content_trust = true;  // accepted; content trust is not supported
};

absl::Status RunPush(PushOptions& o, Cli& cli) {
  nlohmann::json platform;
  if (!o.platform.empty()) {
    platform = PlatformJson(o.platform);
    if (platform.is_null()) {
      std::fprintf(cli.err(), "Invalid platform %s", o.platform.c_str());
      return absl::InvalidArgumentError("invalid platform: " + o.platform);
    }
    PrintNote(cli.out(),
              "Using --platform pushes only the specified platform manifest of a multi-platform "
              "image index.\nOther components, like attestations, will not be included.\nTo push "
              "the complete multi-platform image, remove the --platform flag.\n");
  }
  BERTH_ASSIGN_OR_RETURN(Reference ref, Reference::Parse(o.remote));
  bool name_only = IsNameOnly(o.remote);
  if (o.all_tags && !name_only) {
    return absl::InvalidArgumentError("tag can't be used with --all-tags/-a");
  }
  if (!ref.digest.empty()) return absl::InvalidArgumentError("cannot push a digest reference");
  if (!o.all_tags && name_only && !o.quiet) {
    std::fprintf(cli.out(), "Using default tag: %s\n", ref.tag.c_str());
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  BERTH_ASSIGN_OR_RETURN(std::string auth, RegistryAuthFor(cli, ref.domain));
  Reference name = ref;
  name.tag.clear();
  client::Request r{.method = "POST", .path = "/images/" + name.Familiar() + "/push"};
  if (!o.all_tags) r.query.emplace_back("tag", ref.tag);
  if (!platform.is_null()) r.query.emplace_back("platform", platform.dump());
  r.headers["X-Registry-Auth"] = auth;
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<client::BodyStream> stream, api->Stream(r));
  BERTH_RETURN_IF_ERROR(DisplayJsonMessages(*stream, cli.out(), o.quiet));
  if (o.quiet) std::fprintf(cli.out(), "%s\n", (o.all_tags ? ref.Name() : ref.String()).c_str());
  return absl::OkStatus();
}

int Push(PushOptions& o, Cli& cli) {
  absl::Status s = RunPush(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddPushCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<PushOptions>();
  CLI::App* sub =
      AddCommand<PushOptions>(parent, cli, "push", "Upload an image to a registry", o, Push);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("name", o->remote, "NAME[:TAG]")->required();
  sub->add_flag("-a,--all-tags", o->all_tags, "Push all tags of an image to the repository");
  sub->add_flag("-q,--quiet", o->quiet, "Suppress verbose output");
  sub->add_option("--platform", o->platform,
                  "Push a platform-specific manifest as a single-platform image to the registry");
  sub->add_flag("--disable-content-trust", o->disable_content_trust,
                "Skip image signing (default true)");
  return sub;
}

}  // namespace berth::cli
