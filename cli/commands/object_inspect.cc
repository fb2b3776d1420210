// berth inspect: any object by name or id — a container, an image or a
// volume, tried in that order unless --type says which.
#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/inspect_printer.h"

namespace berth::cli {
namespace {

struct ObjectInspectOptions {
  std::vector<std::string> names;
  std::string format;
  std::string type;
  bool size = false;
};

struct Kind {
  const char* type;
  std::string (*path)(const std::string& name);
};

const Kind kKinds[] = {
    {"container", [](const std::string& n) { return "/containers/" + n + "/json"; }},
    {"image", [](const std::string& n) { return "/images/" + n + "/json"; }},
    {"volume", [](const std::string& n) { return "/volumes/" + n; }},
};

int ObjectInspect(ObjectInspectOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  std::vector<std::string> found;
  std::vector<std::string> missing;
  for (const std::string& name : o.names) {
    bool hit = false;
    for (const Kind& kind : kKinds) {
      if (!o.type.empty() && o.type != kind.type) continue;
      client::Request r{.path = kind.path(name)};
      if (o.size && std::string_view(kind.type) == "container") r.query.emplace_back("size", "1");
      absl::StatusOr<client::Response> got = (*api)->Do(r);
      if (got.ok()) {
        found.push_back(got->body);
        hit = true;
        break;
      }
      if (!client::IsDaemonError(got.status())) return cli.Fail(got.status());
      if (got.status().code() != absl::StatusCode::kNotFound) return cli.Fail(got.status());
    }
    if (!hit) missing.push_back(name);
  }
  absl::Status printed = PrintInspected(cli, found, o.format);
  if (!printed.ok()) return cli.Fail(printed);
  if (missing.empty()) return 0;
  std::fflush(cli.out());
  for (const std::string& name : missing) {
    std::string what = o.type.empty() ? "object" : o.type;
    std::fprintf(cli.err(), "Error: No such %s: %s\n", what.c_str(), name.c_str());
  }
  cli.set_exit_code(1);
  return 1;
}

}  // namespace

CLI::App* AddObjectInspectCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<ObjectInspectOptions>();
  CLI::App* sub = AddCommand<ObjectInspectOptions>(
      parent, cli, "inspect", "Return low-level information on Berth objects", o, ObjectInspect);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("names", o->names, "Names or ids")->required();
  sub->add_option("-f,--format", o->format, "Format output using a custom template");
  sub->add_option("--type", o->type, "Only inspect objects of the given type")
      ->check(CLI::IsMember({"container", "image", "volume"}));
  sub->add_flag("-s,--size", o->size, "Display total file sizes if the type is container");
  return sub;
}

}  // namespace berth::cli
