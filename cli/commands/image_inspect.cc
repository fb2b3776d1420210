// berth image inspect: GET /images/<name>/json for each image, printed as
// a JSON array or with -f; the images not found named after the others.
#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/inspect_printer.h"
#include "cli/output/template.h"

namespace berth::cli {
namespace {

// docker's exit code for a template that does not parse.
constexpr int kExitBadTemplate = 64;

struct ImageInspectOptions {
  std::vector<std::string> images;
  std::string format;
  std::string platform;
};

int ImageInspect(ImageInspectOptions& o, Cli& cli) {
  if (!o.format.empty() && o.format != "json") {
    absl::StatusOr<output::Template> parsed = output::Template::Parse(o.format);
    if (!parsed.ok()) return cli.Fail(parsed.status(), kExitBadTemplate);
  }
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  std::vector<std::string> found;
  std::vector<absl::Status> errors;
  for (const std::string& name : o.images) {
    client::Request r{.path = "/images/" + name + "/json"};
    if (!o.platform.empty()) r.query.emplace_back("platform", o.platform);
    absl::StatusOr<client::Response> got = (*api)->Do(r);
    if (!got.ok()) {
      if (!client::IsDaemonError(got.status())) return cli.Fail(got.status());
      errors.push_back(got.status());
      continue;
    }
    found.push_back(got->body);
  }
  absl::Status printed = PrintInspected(cli, found, o.format);
  if (!printed.ok()) return cli.Fail(printed);
  if (errors.empty()) return 0;
  std::fflush(cli.out());
  for (const absl::Status& e : errors) {
    std::fprintf(cli.err(), "%s\n", client::ErrorLine(e).c_str());
  }
  cli.set_exit_code(1);
  return 1;
}

}  // namespace

CLI::App* AddImageInspectCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<ImageInspectOptions>();
  CLI::App* sub = AddCommand<ImageInspectOptions>(
      parent, cli, "inspect", "Display detailed information on one or more images", o,
      ImageInspect);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("images", o->images, "Images")->required();
  sub->add_option("-f,--format", o->format,
                  "Format output using a custom template: 'json' or a Go template");
  sub->add_option("--platform", o->platform,
                  "Inspect a specific platform of the multi-platform image");
  return sub;
}

}  // namespace berth::cli
