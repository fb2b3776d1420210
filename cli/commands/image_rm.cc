// berth rmi / image rm: DELETE /images/<name> for each image, printing the
// daemon's "Untagged: x" and "Deleted: sha256:..." lines.
#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"

namespace berth::cli {
namespace {

struct RmiOptions {
  std::vector<std::string> images;
  bool force = false;
  bool no_prune = false;
  std::vector<std::string> platforms;
};

int Rmi(RmiOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Query query;
  if (o.force) query.emplace_back("force", "1");
  if (o.no_prune) query.emplace_back("noprune", "1");
  for (const std::string& platform : o.platforms) {
    nlohmann::json p = PlatformJson(platform);
    if (p.is_null()) return cli.Fail(absl::InvalidArgumentError("invalid platform: " + platform));
    query.emplace_back("platforms", p.dump());
  }
  std::vector<absl::Status> errors;
  bool fatal = false;
  for (const std::string& image : o.images) {
    absl::StatusOr<nlohmann::json> deleted =
        (*api)->DoJson({.method = "DELETE", .path = "/images/" + image, .query = query});
    if (!deleted.ok()) {
      if (deleted.status().code() != absl::StatusCode::kNotFound) fatal = true;
      // A daemon that cannot be reached fails every image the same way.
      if (!client::IsDaemonError(deleted.status())) return cli.Fail(deleted.status());
      errors.push_back(deleted.status());
      continue;
    }
    if (!deleted->is_array()) continue;
    for (const nlohmann::json& d : *deleted) {
      std::string gone = d.value("Deleted", "");
      if (!gone.empty()) {
        std::fprintf(cli.out(), "Deleted: %s\n", gone.c_str());
      } else {
        std::fprintf(cli.out(), "Untagged: %s\n", d.value("Untagged", "").c_str());
      }
    }
  }
  if (errors.empty()) return 0;
  std::fflush(cli.out());
  for (const absl::Status& e : errors) {
    std::fprintf(cli.err(), "%s\n", client::ErrorLine(e).c_str());
  }
  // With --force, images that are not there are no failure.
  if (o.force && !fatal) return 0;
  cli.set_exit_code(1);
  return 1;
}

}  // namespace

CLI::App* AddRmiCommand(CLI::App& parent, Cli& cli, const std::string& name) {
  auto o = std::make_shared<RmiOptions>();
  CLI::App* sub = AddCommand<RmiOptions>(parent, cli, name, "Remove one or more images", o, Rmi);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("images", o->images, "Images")->required();
  sub->add_flag("-f,--force", o->force, "Force removal of the image");
  sub->add_flag("--no-prune", o->no_prune, "Do not delete untagged parents");
  sub->add_option("--platform", o->platforms,
                  "Remove only the given platform variant. Formatted as \"os[/arch[/variant]]\" "
                  "(e.g., \"linux/amd64\")")
      ->delimiter(',')
      ->allow_extra_args(false);
  return sub;
}

}  // namespace berth::cli
