// berth pull, and PullImage for run / create: POST /images/create with the
// registry's stored credentials, the daemon's progress printed as docker
// prints it, then (pull only) the full reference pulled.
#include "cli/commands/image_pull.h"

#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"
#include "common/reference.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct PullOptions {
  PullRequest request;
  bool disable_content_trust = true;  // accepted; content trust is not supported
};

int Pull(PullOptions& o, Cli& cli) {
  const PullRequest& r = o.request;
  absl::StatusOr<Reference> ref = Reference::Parse(r.reference);
  if (!ref.ok()) return cli.Fail(ref.status());
  bool name_only = IsNameOnly(r.reference);
  if (r.all_tags && !name_only) {
    return cli.Fail(absl::InvalidArgumentError("tag can't be used with --all-tags/-a"));
  }
  if (!r.all_tags && name_only && !r.quiet) {
    std::fprintf(cli.out(), "Using default tag: %s\n", ref->tag.c_str());
  }
  absl::Status pulled = PullImage(cli, r, cli.out());
  if (!pulled.ok()) return cli.Fail(pulled);
  std::string pulled_ref = r.all_tags ? ref->Name() : ref->String();
  std::fprintf(cli.out(), "%s\n", pulled_ref.c_str());
  return 0;
}

}  // namespace

absl::Status PullImage(Cli& cli, const PullRequest& request, std::FILE* out) {
  BERTH_ASSIGN_OR_RETURN(Reference ref, Reference::Parse(request.reference));
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  BERTH_ASSIGN_OR_RETURN(std::string auth, RegistryAuthFor(cli, ref.domain));
  client::Request r{.method = "POST", .path = "/images/create"};
  r.query.emplace_back("fromImage", ref.Name());
  // The API takes a digest as the tag (docker's getAPITagFromNamedRef).
  if (!request.all_tags) r.query.emplace_back("tag", ref.Object());
  if (!request.platform.empty()) {
    std::string platform = request.platform;
    for (char& c : platform) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.query.emplace_back("platform", platform);
  }
  r.headers["X-Registry-Auth"] = auth;
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<client::BodyStream> stream, api->Stream(r));
  return DisplayJsonMessages(*stream, out, request.quiet);
}

CLI::App* AddPullCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<PullOptions>();
  CLI::App* sub =
      AddCommand<PullOptions>(parent, cli, "pull", "Download an image from a registry", o, Pull);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("name", o->request.reference, "NAME[:TAG|@DIGEST]")->required();
  sub->add_flag("-a,--all-tags", o->request.all_tags,
                "Download all tagged images in the repository");
  sub->add_option("--platform", o->request.platform,
                  "Set platform if server is multi-platform capable");
  sub->add_flag("-q,--quiet", o->request.quiet, "Suppress verbose output");
  sub->add_flag("--disable-content-trust", o->disable_content_trust,
                "Skip image verification (default true)");
  return sub;
}

}  // namespace berth::cli
