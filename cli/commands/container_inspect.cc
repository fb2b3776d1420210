#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/inspect_printer.h"

namespace berth::cli {
namespace {

struct InspectOptions {
  std::vector<std::string> containers;
  std::string format;
  bool size = false;
};

int Inspect(InspectOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  std::vector<std::string> found;
  std::vector<absl::Status> errors;
  for (const std::string& name : o.containers) {
    client::Request r{.path = "/containers/" + name + "/json"};
    if (o.size) r.query.emplace_back("size", "1");
    absl::StatusOr<client::Response> got = (*api)->Do(r);
    if (!got.ok()) {
      if (got.status().code() == absl::StatusCode::kUnavailable) return cli.Fail(got.status());
      errors.push_back(got.status());
      continue;
    }
    found.push_back(got->body);
  }
  absl::Status printed = PrintInspected(cli, found, o.format);
  if (!printed.ok()) return cli.Fail(printed);
  if (errors.empty()) return 0;
  std::fflush(cli.out());
  // docker: the objects it found, then "Error: No such container: x".
  for (const absl::Status& e : errors) {
    std::fprintf(cli.err(), "Error: %s\n", std::string(e.message()).c_str());
  }
  cli.set_exit_code(1);
  return 1;
}

}  // namespace

CLI::App* AddContainerInspectCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* sub = AddCommand<InspectOptions>(
      parent, cli, "inspect", "Display detailed information on one or more containers", o, Inspect);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("containers", o->containers, "Containers")->required();
  sub->add_option("-f,--format", o->format, "Format output using a custom template");
  sub->add_flag("-s,--size", o->size, "Display total file sizes");
  return sub;
}

}  // namespace berth::cli
