// berth export [-o FILE] CONTAINER: GET /containers/<id>/export to a file
// (written beside it, renamed into place) or to stdout, never a terminal.
#include <unistd.h>

#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/stream_output.h"
#include "common/status.h"

namespace berth::cli {
namespace {

struct ExportOptions {
  std::string container;
  std::string output;
};

absl::Status RunExport(ExportOptions& o, Cli& cli) {
  if (o.output.empty() && cli.out_is_terminal()) {
    return absl::FailedPreconditionError(
        "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<client::BodyStream> stream,
                         api->Stream({.path = "/containers/" + o.container + "/export"}));
  if (!o.output.empty()) {
    return CopyStreamToFile(*stream, o.output, "failed to export container");
  }
  std::fflush(cli.out());
  return CopyStream(*stream, STDOUT_FILENO);
}

int Export(ExportOptions& o, Cli& cli) {
  absl::Status s = RunExport(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddExportCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* sub = AddCommand<ExportOptions>(
      parent, cli, "export", "Export a container's filesystem as a tar archive", o, Export);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("container", o->container, "Container")->required();
  sub->add_option("-o,--output", o->output, "Write to a file, instead of STDOUT");
  return sub;
}

}  // namespace berth::cli
