// berth context create | ls | inspect | rm | use | show, as docker's
// cli/command/context: the store is docker's layout under the config
// directory, and the messages and exit codes are docker's.
#include "cli/commands/context_commands.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/display.h"
#include "cli/commands/groups.h"
#include "cli/commands/inspect_printer.h"
#include "cli/commands/system_util.h"
#include "cli/config/config_file.h"
#include "cli/config/contexts.h"
#include "cli/config/host_resolution.h"
#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

constexpr char kContextTable[] =
    "table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}";
constexpr size_t kMaxErrorLength = 45;

std::optional<std::string> Env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

absl::StatusOr<config::ConfigFile> LoadConfig(Cli& cli) {
  BERTH_ASSIGN_OR_RETURN(std::string dir, cli.ConfigDir());
  return config::ConfigFile::Load(dir);
}

// The default context shows what -H or BERTH_HOST point at, as docker's
// default context shows DOCKER_HOST.
absl::StatusOr<config::ContextStore> Store(Cli& cli) {
  BERTH_ASSIGN_OR_RETURN(std::string dir, cli.ConfigDir());
  std::string host = config::kDefaultHost;
  if (!cli.options().hosts.empty()) {
    host = cli.options().hosts.front();
  } else if (std::optional<std::string> env = Env(config::kHostEnv)) {
    host = *env;
  }
  return config::ContextStore(dir, host);
}

void WarnHostOverride(Cli& cli) {
  if (!Env(config::kHostEnv)) return;
  std::fprintf(cli.err(),
               "Warning: %s environment variable overrides the active context. To use a context, "
               "either set the global --context flag, or unset %s environment variable.\n",
               config::kHostEnv, config::kHostEnv);
}

// Prints each error as docker's errors.Join does, one per line; exit 1.
int FailAll(Cli& cli, const std::vector<absl::Status>& errors) {
  if (errors.empty()) return 0;
  std::fflush(cli.out());
  for (const absl::Status& s : errors)
    std::fprintf(cli.err(), "%s\n", client::ErrorLine(s).c_str());
  cli.set_exit_code(1);
  return 1;
}

// ---- create ----

struct CreateOptions {
  std::string name;
  std::string description;
  std::vector<std::string> docker;  // "host=...,ca=...", repeatable
  std::string from;
};

// pflag's StringToString: comma-separated key=value pairs, several flags
// merged.
absl::StatusOr<std::map<std::string, std::string>> ParseEndpointFlag(
    const std::vector<std::string>& values) {
  std::map<std::string, std::string> out;
  for (const std::string& value : values) {
    for (std::string_view pair : Split(value, ',', true)) {
      auto [key, v] = SplitOnce(pair, '=');
      if (!v) return InvalidArgumentf("{} must be formatted as key=value", pair);
      out[std::string(key)] = std::string(*v);
    }
  }
  return out;
}

absl::StatusOr<std::string> ReadPem(const std::string& path) {
  if (path.empty()) return std::string();
  std::string expanded = path;
  if (expanded.starts_with("~/")) {
    if (std::optional<std::string> home = Env("HOME")) expanded = *home + expanded.substr(1);
  }
  return ReadFile(expanded);
}

absl::StatusOr<config::Context> EndpointFromFlags(const config::ContextStore& store,
                                                  const std::map<std::string, std::string>& ep) {
  static const char* const kAllowed[] = {"from", "host", "ca", "cert", "key", "skip-tls-verify"};
  std::vector<std::string> unknown;
  for (const auto& [key, value] : ep) {
    if (std::find_if(std::begin(kAllowed), std::end(kAllowed),
                     [&](const char* k) { return key == k; }) == std::end(kAllowed)) {
      unknown.push_back("unrecognized config key: " + key);
    }
  }
  if (!unknown.empty()) return InvalidArgumentf("{}", Join(unknown, "\n"));
  if (auto from = ep.find("from"); from != ep.end()) {
    absl::StatusOr<config::Context> source = store.Inspect(from->second);
    if (!source.ok()) return source.status();
    return *source;
  }
  config::Context c;
  auto get = [&](const char* key) {
    auto it = ep.find(key);
    return it == ep.end() ? std::string() : it->second;
  };
  c.host = get("host");
  if (std::string skip = get("skip-tls-verify"); !skip.empty()) {
    if (skip == "1" || skip == "t" || skip == "T" || skip == "true" || skip == "TRUE" ||
        skip == "True") {
      c.skip_tls_verify = true;
    } else if (!(skip == "0" || skip == "f" || skip == "F" || skip == "false" || skip == "FALSE" ||
                 skip == "False")) {
      return InvalidArgumentf("skip-tls-verify: parsing \"{}\": invalid syntax", skip);
    }
  }
  BERTH_ASSIGN_OR_RETURN(c.tls.ca, ReadPem(get("ca")));
  BERTH_ASSIGN_OR_RETURN(c.tls.cert, ReadPem(get("cert")));
  BERTH_ASSIGN_OR_RETURN(c.tls.key, ReadPem(get("key")));
  if (!c.host.empty()) {
    absl::StatusOr<client::Endpoint> parsed = client::ParseHost(c.host);
    if (!parsed.ok()) {
      return InvalidArgumentf("invalid docker endpoint options: {}",
                              ToStd(parsed.status().message()));
    }
  }
  return c;
}

int Create(CreateOptions& o, Cli& cli) {
  absl::StatusOr<config::ContextStore> opened = Store(cli);
  if (!opened.ok()) return cli.Fail(opened.status());
  config::ContextStore& store = *opened;
  if (absl::Status valid = config::ValidateContextName(o.name); !valid.ok()) {
    return cli.Fail(valid);
  }
  if (store.Inspect(o.name).ok()) {
    return cli.Fail(AlreadyExistsf("context \"{}\" already exists", o.name));
  }
  absl::StatusOr<std::map<std::string, std::string>> ep = ParseEndpointFlag(o.docker);
  if (!ep.ok()) return cli.Fail(ep.status());
  absl::StatusOr<config::Context> context;
  if (!o.from.empty() || o.docker.empty()) {
    if (!o.docker.empty())
      return cli.Fail(InvalidArgumentf("cannot use --docker flag when --from is set"));
    context = store.Inspect(o.from.empty() ? CurrentContextName(cli) : o.from);
    // The default context is not stored: copy what it points at.
    if (context.ok() && context->name == config::kDefaultContextName) context->description = "";
  } else {
    context = EndpointFromFlags(store, *ep);
    if (!context.ok()) {
      return cli.Fail(InvalidArgumentf("unable to create docker endpoint config: {}",
                                       ToStd(context.status().message())));
    }
  }
  if (!context.ok()) return cli.Fail(context.status());
  context->name = o.name;
  if (!o.description.empty()) context->description = o.description;
  if (absl::Status s = store.Create(*context); !s.ok()) return cli.Fail(s);
  std::fprintf(cli.out(), "%s\n", o.name.c_str());
  std::fflush(cli.out());
  std::fprintf(cli.err(), "Successfully created context \"%s\"\n", o.name.c_str());
  return 0;
}

// ---- ls ----

struct ListOptions {
  std::string format;
  bool quiet = false;
};

int List(ListOptions& o, Cli& cli) {
  absl::StatusOr<config::ContextStore> opened = Store(cli);
  if (!opened.ok()) return cli.Fail(opened.status());
  config::ContextStore& store = *opened;
  absl::StatusOr<std::vector<config::Context>> contexts = store.List();
  if (!contexts.ok()) return cli.Fail(contexts.status());
  std::string current = CurrentContextName(cli);
  bool found = false;
  std::vector<nlohmann::json> rows;
  for (const config::Context& c : *contexts) {
    bool is_current = c.name == current;
    found = found || is_current;
    rows.push_back({{"Name", c.name},
                    {"Current", is_current},
                    {"Description", c.description},
                    {"DockerEndpoint", c.host},
                    {"Error", ""}});
  }
  if (!found) {
    absl::StatusOr<config::Context> missing = store.Inspect(current);
    std::string error = missing.ok() ? "" : std::string(ToStd(missing.status().message()));
    rows.push_back({{"Name", current},
                    {"Current", true},
                    {"Description", ""},
                    {"DockerEndpoint", ""},
                    {"Error", Ellipsis(error, kMaxErrorLength)}});
  }
  std::sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return NaturalLess(a["Name"].get<std::string>(), b["Name"].get<std::string>());
  });
  static const nlohmann::json headers = {{"Name", "NAME"},
                                         {"Description", "DESCRIPTION"},
                                         {"DockerEndpoint", "DOCKER ENDPOINT"},
                                         {"Error", "ERROR"}};
  std::string format = o.quiet ? "{{.Name}}" : o.format;
  absl::Status s = PrintRows(cli, format, kContextTable, headers, rows);
  if (!s.ok()) return cli.Fail(s);
  WarnHostOverride(cli);
  return 0;
}

// ---- inspect ----

struct InspectOptions {
  std::vector<std::string> names;
  std::string format;
};

int Inspect(InspectOptions& o, Cli& cli) {
  absl::StatusOr<config::ContextStore> opened = Store(cli);
  if (!opened.ok()) return cli.Fail(opened.status());
  config::ContextStore& store = *opened;
  std::vector<std::string> names = o.names;
  if (names.empty()) names.push_back(CurrentContextName(cli));
  std::vector<std::string> found;
  std::vector<absl::Status> errors;
  for (const std::string& name : names) {
    absl::StatusOr<config::Context> c = store.Inspect(name);
    if (!c.ok()) {
      errors.push_back(c.status());
      continue;
    }
    found.push_back(store.InspectJson(*c).dump());
  }
  if (absl::Status s = PrintInspected(cli, found, o.format); !s.ok()) return cli.Fail(s);
  return FailAll(cli, errors);
}

// ---- rm ----

struct RemoveOptions {
  std::vector<std::string> names;
  bool force = false;
};

int Remove(RemoveOptions& o, Cli& cli) {
  absl::StatusOr<config::ContextStore> opened = Store(cli);
  if (!opened.ok()) return cli.Fail(opened.status());
  config::ContextStore& store = *opened;
  absl::StatusOr<config::ConfigFile> file = LoadConfig(cli);
  if (!file.ok()) return cli.Fail(file.status());
  std::vector<absl::Status> errors;
  for (const std::string& name : o.names) {
    absl::Status s = store.Remove(name, &*file, o.force);
    if (!s.ok()) {
      errors.push_back(s);
      continue;
    }
    std::fprintf(cli.out(), "%s\n", name.c_str());
  }
  return FailAll(cli, errors);
}

// ---- use ----

struct UseOptions {
  std::string name;
};

int Use(UseOptions& o, Cli& cli) {
  if (o.name != config::kDefaultContextName) {
    if (absl::Status valid = config::ValidateContextName(o.name); !valid.ok()) {
      return cli.Fail(valid);
    }
  }
  absl::StatusOr<config::ConfigFile> file = LoadConfig(cli);
  if (!file.ok()) return cli.Fail(file.status());
  absl::StatusOr<config::ContextStore> store = Store(cli);
  if (!store.ok()) return cli.Fail(store.status());
  if (absl::Status s = store->Use(o.name, &*file); !s.ok()) return cli.Fail(s);
  std::fprintf(cli.out(), "%s\n", o.name.c_str());
  std::fflush(cli.out());
  std::fprintf(cli.err(), "Current context is now \"%s\"\n", o.name.c_str());
  if (o.name != config::kDefaultContextName) WarnHostOverride(cli);
  return 0;
}

struct ShowOptions {};

int Show(ShowOptions&, Cli& cli) {
  std::fprintf(cli.out(), "%s\n", CurrentContextName(cli).c_str());
  return 0;
}

}  // namespace

std::string CurrentContextName(Cli& cli) {
  absl::StatusOr<config::ConfigFile> file = LoadConfig(cli);
  config::ConfigFile empty;
  return config::ResolveContextName(cli.options().hosts, cli.options().context, Env,
                                    file.ok() ? *file : empty);
}

void AddContextCommands(CLI::App& root, Cli& cli) {
  CLI::App* group = AddGroup(root, cli, "context", "Manage contexts");

  auto create = std::make_shared<CreateOptions>();
  CLI::App* sub =
      AddCommand<CreateOptions>(*group, cli, "create", "Create a context", create, Create);
  if (cli.Builds(*sub)) {
    sub->add_option("context", create->name, "Context name")->required();
    sub->add_option("--description", create->description, "Description of the context");
    sub->add_option("--docker", create->docker, "set the docker endpoint")
        ->type_name("stringToString");
    sub->add_option("--from", create->from, "create context from a named context");
  }

  auto list = std::make_shared<ListOptions>();
  sub = AddCommand<ListOptions>(*group, cli, "ls", "List contexts", list, List, {"list"});
  if (cli.Builds(*sub)) {
    sub->add_option("--format", list->format,
                    "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or "
                    "a Go template");
    sub->add_flag("-q,--quiet", list->quiet, "Only show context names");
  }

  auto inspect = std::make_shared<InspectOptions>();
  sub = AddCommand<InspectOptions>(*group, cli, "inspect",
                                   "Display detailed information on one or more contexts", inspect,
                                   Inspect);
  if (cli.Builds(*sub)) {
    sub->add_option("contexts", inspect->names, "Contexts");
    sub->add_option("-f,--format", inspect->format, "Format output using a custom template");
  }

  auto remove = std::make_shared<RemoveOptions>();
  sub = AddCommand<RemoveOptions>(*group, cli, "rm", "Remove one or more contexts", remove, Remove,
                                  {"remove"});
  if (cli.Builds(*sub)) {
    sub->add_option("contexts", remove->names, "Contexts")->required();
    sub->add_flag("-f,--force", remove->force, "Force the removal of a context in use");
  }

  auto use = std::make_shared<UseOptions>();
  sub = AddCommand<UseOptions>(*group, cli, "use", "Set the current berth context", use, Use);
  if (cli.Builds(*sub)) {
    sub->add_option("context", use->name, "Context")->required();
  }

  auto show = std::make_shared<ShowOptions>();
  AddCommand<ShowOptions>(*group, cli, "show", "Print the name of the current context", show, Show);
}

}  // namespace berth::cli
