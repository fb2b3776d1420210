// berth top CONTAINER [ps OPTIONS]: GET /containers/<id>/top, printed
// through Go's tabwriter as docker does (minwidth 20, padding 3).
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/system_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct TopOptions {
  CLI::App* app = nullptr;  // its remaining(): CONTAINER [ps OPTIONS]
};

std::string Cells(const nlohmann::json& row) {
  std::vector<std::string> cells;
  if (row.is_array()) {
    for (const nlohmann::json& c : row)
      cells.push_back(c.is_string() ? c.get<std::string>() : c.dump());
  }
  return Join(cells, "\t");
}

int Top(TopOptions& o, Cli& cli) {
  std::vector<std::string> rest = o.app->remaining();
  if (rest.empty()) {
    std::fprintf(cli.err(),
                 "\"berth top\" requires at least 1 argument.\nSee 'berth top --help'.\n\n"
                 "Usage:  berth top CONTAINER [ps OPTIONS]\n\n"
                 "Display the running processes of a container\n");
    cli.set_exit_code(1);
    return 1;
  }
  std::string container = rest.front();
  std::vector<std::string> ps_args(rest.begin() + 1, rest.end());
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Query query;
  if (!ps_args.empty()) query.emplace_back("ps_args", Join(ps_args, " "));
  absl::StatusOr<nlohmann::json> top = (*api)->GetJson("/containers/" + container + "/top", query);
  if (!top.ok()) return cli.Fail(top.status());
  std::string text = Cells(top->value("Titles", nlohmann::json::array())) + "\n";
  const nlohmann::json processes = top->value("Processes", nlohmann::json::array());
  if (processes.is_array()) {
    for (const nlohmann::json& p : processes) text += Cells(p) + "\n";
  }
  std::fputs(TabWrite(text, 20, 1, 3).c_str(), cli.out());
  return 0;
}

}  // namespace

CLI::App* AddTopCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<TopOptions>();
  CLI::App* sub = AddCommand<TopOptions>(parent, cli, "top",
                                         "Display the running processes of a container", o, Top);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  o->app = sub;
  // Everything after the container belongs to ps, flags included.
  sub->prefix_command();
  return sub;
}

}  // namespace berth::cli
