// berth save: GET /images/get streamed to -o FILE (written beside it and
// renamed into place when complete, mode 0600) or to stdout, never to a
// terminal.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/cleanup/cleanup.h"
#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"
#include "cli/commands/stream_output.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli {
namespace {

struct SaveOptions {
  std::vector<std::string> images;
  std::string output;
  std::string platform;
};

absl::Status RunSave(SaveOptions& o, Cli& cli) {
  if (o.output.empty() && cli.out_is_terminal()) {
    return absl::FailedPreconditionError(
        "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  client::Request r{.path = "/images/get"};
  for (const std::string& name : o.images) r.query.emplace_back("names", name);
  if (!o.platform.empty()) {
    nlohmann::json p = PlatformJson(o.platform);
    if (p.is_null()) return absl::InvalidArgumentError("invalid platform: " + o.platform);
    r.query.emplace_back("platform", p.dump());
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<client::BodyStream> stream, api->Stream(r));
  if (o.output.empty()) {
    std::fflush(cli.out());
    return CopyStream(*stream, STDOUT_FILENO);
  }
  return CopyStreamToFile(*stream, o.output, "failed to save image");
}

int Save(SaveOptions& o, Cli& cli) {
  absl::Status s = RunSave(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddSaveCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<SaveOptions>();
  CLI::App* sub = AddCommand<SaveOptions>(
      parent, cli, "save",
      "Save one or more images to a tar archive (streamed to STDOUT by default)", o, Save);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("images", o->images, "Images")->required();
  sub->add_option("-o,--output", o->output, "Write to a file, instead of STDOUT");
  sub->add_option("--platform", o->platform,
                  "Save only the given platform variant. Formatted as \"os[/arch[/variant]]\" "
                  "(e.g., \"linux/amd64\")");
  return sub;
}

}  // namespace berth::cli
