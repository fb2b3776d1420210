// berth version: docker's Client / Server layout (its Go template through a
// tabwriter of minimum width 20), or --format over the same data.
#include <algorithm>
#include <ctime>

#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/context_commands.h"
#include "cli/commands/system_commands.h"
#include "cli/commands/system_info.h"
#include "cli/commands/system_util.h"
#include "cli/output/template.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

// docker's defaultVersionTemplate, less the client's Go-specific lines (a
// C++ client has no Go version) and with getDetailsOrder answered by the
// DetailsOrder method below.
constexpr char kVersionTemplate[] = R"({{with .Client -}}
Client:
 Version:	{{.Version}}
 API version:	{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 OS/Arch:	{{.Os}}/{{.Arch}}
 Context:	{{.Context}}
{{- end}}

{{- with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:	{{.Version}}
  API version:	{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:	{{index .Details "GoVersion"}}
  Git commit:	{{index .Details "GitCommit"}}
  Built:	{{index .Details "BuildTime"}}
  OS/Arch:	{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:	{{index .Details "Experimental"}}
  {{- else }}
  Version:	{{$component.Version}}
  {{- $detailsOrder := $component.DetailsOrder}}
  {{- range $key := $detailsOrder}}
  {{$key}}:	{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
{{- end}})";

struct VersionOptions {
  std::string format;
};

// Go's time.ANSIC of an RFC 3339 build time ("Mon Jan  2 15:04:05 2006");
// anything else as is.
std::string ReformatDate(const std::string& text) {
  if (text.size() < 19 || text[4] != '-' || text[10] != 'T') return text;
  struct tm t {};
  if (strptime(text.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &t) == nullptr) return text;
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &t);
  return buf;
}

std::string DetailString(const nlohmann::json& details, const char* key) {
  if (!details.is_object() || !details.contains(key)) return "";
  const nlohmann::json& v = details[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The Server part twice: `json` as docker marshals it (json tags), and
// `data` with Go's field names for templates, every Engine detail the
// default template indexes present (Go's index of a missing key is "").
void ServerDocs(const nlohmann::json& v, nlohmann::ordered_json* json, nlohmann::json* data) {
  nlohmann::json components = v.value("Components", nlohmann::json::array());
  if (!components.is_array()) components = nlohmann::json::array();
  bool found_engine = false;
  std::string git_commit, go_version, kernel, build_time;
  bool experimental = false;
  for (nlohmann::json& c : components) {
    if (c.value("Name", "") != "Engine") continue;
    found_engine = true;
    nlohmann::json& details = c["Details"];
    if (!details.is_object()) details = nlohmann::json::object();
    build_time = DetailString(details, "BuildTime");
    if (details.contains("BuildTime")) details["BuildTime"] = ReformatDate(build_time);
    git_commit = DetailString(details, "GitCommit");
    go_version = DetailString(details, "GoVersion");
    kernel = DetailString(details, "KernelVersion");
    experimental = DetailString(details, "Experimental") == "true";
  }
  if (!found_engine) {
    components.push_back({{"Name", "Engine"},
                          {"Version", v.value("Version", "")},
                          {"Details",
                           {{"ApiVersion", v.value("ApiVersion", "")},
                            {"MinAPIVersion", v.value("MinAPIVersion", "")},
                            {"Os", v.value("Os", "")},
                            {"Arch", v.value("Arch", "")}}}});
  }
  nlohmann::json platform = v.value("Platform", nlohmann::json::object());
  if (!platform.is_object()) platform = nlohmann::json::object();
  if (!platform.contains("Name")) platform["Name"] = "";

  *json = nlohmann::ordered_json::object();
  (*json)["Platform"] = platform;
  (*json)["Version"] = v.value("Version", "");
  (*json)["ApiVersion"] = v.value("ApiVersion", "");
  if (std::string min = v.value("MinAPIVersion", ""); !min.empty()) (*json)["MinAPIVersion"] = min;
  (*json)["Os"] = v.value("Os", "");
  (*json)["Arch"] = v.value("Arch", "");
  if (!components.empty()) (*json)["Components"] = components;
  if (!git_commit.empty()) (*json)["GitCommit"] = git_commit;
  if (!go_version.empty()) (*json)["GoVersion"] = go_version;
  if (!kernel.empty()) (*json)["KernelVersion"] = kernel;
  if (experimental) (*json)["Experimental"] = true;
  if (!build_time.empty()) (*json)["BuildTime"] = build_time;

  nlohmann::json filled = components;
  for (nlohmann::json& c : filled) {
    if (c.value("Name", "") != "Engine") continue;
    for (const char* key : {"ApiVersion", "MinAPIVersion", "GoVersion", "GitCommit", "BuildTime",
                            "Os", "Arch", "Experimental"}) {
      if (!c["Details"].contains(key)) c["Details"][key] = "";
    }
  }
  *data = {{"Platform", platform},
           {"Version", v.value("Version", "")},
           {"APIVersion", v.value("ApiVersion", "")},
           {"MinAPIVersion", v.value("MinAPIVersion", "")},
           {"Os", v.value("Os", "")},
           {"Arch", v.value("Arch", "")},
           {"Components", filled},
           {"GitCommit", git_commit},
           {"GoVersion", go_version},
           {"KernelVersion", kernel},
           {"Experimental", experimental},
           {"BuildTime", build_time}};
}

// getDetailsOrder: a component's detail keys, sorted.
std::optional<nlohmann::json> DetailsOrder(const nlohmann::json& dot, const std::string& name,
                                           const std::vector<nlohmann::json>& args) {
  if (name != "DetailsOrder" || !args.empty() || !dot.is_object()) return std::nullopt;
  nlohmann::json keys = nlohmann::json::array();
  const nlohmann::json details = dot.value("Details", nlohmann::json::object());
  if (details.is_object()) {
    for (auto it = details.begin(); it != details.end(); ++it) keys.push_back(it.key());
  }
  return keys;
}

int Version(VersionOptions& o, Cli& cli) {
  std::string text = o.format.empty() ? kVersionTemplate : o.format;
  bool json_format = o.format == "json";
  absl::StatusOr<output::Template> tmpl =
      output::Template::Parse(json_format ? "{{json .}}" : text);
  if (!tmpl.ok()) {
    return cli.Fail(InvalidArgumentf("template parsing error: {}", ToStd(tmpl.status().message())),
                    64);
  }
  ClientVersion client = CurrentClientVersion(cli, /*negotiate=*/true);
  nlohmann::ordered_json client_json = {{"Version", client.version},
                                        {"ApiVersion", client.api_version},
                                        {"DefaultAPIVersion", client.default_api_version},
                                        {"Os", client.os},
                                        {"Arch", client.arch},
                                        {"Context", client.context}};
  nlohmann::json client_data = {{"Version", client.version},
                                {"APIVersion", client.api_version},
                                {"DefaultAPIVersion", client.default_api_version},
                                {"Os", client.os},
                                {"Arch", client.arch},
                                {"Context", client.context},
                                {"GitCommit", ""},
                                {"GoVersion", ""},
                                {"BuildTime", ""}};

  absl::Status server_error = absl::OkStatus();
  nlohmann::ordered_json server_json;  // null when unreachable
  nlohmann::json server_data;
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  absl::StatusOr<nlohmann::json> version =
      api.ok() ? (*api)->GetJson("/version") : absl::StatusOr<nlohmann::json>(api.status());
  if (version.ok()) {
    ServerDocs(*version, &server_json, &server_data);
  } else {
    server_error = version.status();
  }

  std::string rendered;
  if (json_format) {
    nlohmann::ordered_json doc = {{"Client", client_json}, {"Server", server_json}};
    rendered = doc.dump();
  } else {
    nlohmann::json data = {{"Client", client_data}, {"Server", server_data}};
    absl::StatusOr<std::string> out = tmpl->Execute(data, DetailsOrder);
    if (!out.ok()) {
      if (server_error.ok()) server_error = out.status();
    } else {
      rendered = *out;
    }
  }
  std::string printed = TabWrite(rendered + "\n", 20, 1, 1);
  std::fputs(printed.c_str(), cli.out());
  if (!server_error.ok()) return cli.Fail(server_error);
  return 0;
}

}  // namespace

CLI::App* AddVersionCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<VersionOptions>();
  CLI::App* sub = AddCommand<VersionOptions>(parent, cli, "version",
                                             "Show the Berth version information", o, Version);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("-f,--format", o->format,
                  "Format output using a custom template: 'json' or a Go template");
  return sub;
}

}  // namespace berth::cli
