// berth events: the daemon's event stream, one line per event (docker's
// layout or --format), until interrupted or --until is reached.
#include <chrono>

#include "cli/commands/command.h"
#include "cli/commands/display.h"
#include "cli/commands/system_commands.h"
#include "cli/commands/system_util.h"
#include "cli/output/template.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct EventsOptions {
  std::string since;
  std::string until;
  std::vector<std::string> filters;
  std::string format;
};

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The event as Go marshals events.Message: its fields in struct order.
nlohmann::ordered_json GoOrder(const nlohmann::json& e) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const char* key : {"status", "id", "from"}) {
    if (e.contains(key) && !e[key].is_null() && e[key] != "") out[key] = e[key];
  }
  out["Type"] = e.value("Type", "");
  out["Action"] = e.value("Action", "");
  const nlohmann::json actor = e.value("Actor", nlohmann::json::object());
  out["Actor"] = {{"ID", actor.value("ID", "")},
                  {"Attributes", actor.value("Attributes", nlohmann::json::object())}};
  out["scope"] = e.value("scope", "");
  out["time"] = e.value("time", int64_t{0});
  out["timeNano"] = e.value("timeNano", int64_t{0});
  return out;
}

int Events(EventsOptions& o, Cli& cli) {
  std::optional<output::Template> tmpl;
  if (!o.format.empty()) {
    absl::StatusOr<output::Template> parsed =
        output::Template::Parse(o.format == "json" ? "{{json .}}" : o.format);
    if (!parsed.ok()) {
      return cli.Fail(
          InvalidArgumentf("Error parsing format: {}", ToStd(parsed.status().message())), 64);
    }
    tmpl = std::move(*parsed);
  }
  absl::StatusOr<std::string> filters = FiltersJson(o.filters);
  if (!filters.ok()) return cli.Fail(filters.status());
  client::Request r{.path = "/events"};
  int64_t now = NowNanos();
  for (const auto& [name, value] : {std::pair<const char*, std::string*>{"since", &o.since},
                                    std::pair<const char*, std::string*>{"until", &o.until}}) {
    if (value->empty()) continue;
    absl::StatusOr<std::string> t = DockerTimestamp(*value, now);
    if (!t.ok()) return cli.Fail(t.status());
    r.query.emplace_back(name, *t);
  }
  if (!filters->empty()) r.query.emplace_back("filters", *filters);
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  absl::StatusOr<std::unique_ptr<client::BodyStream>> stream = (*api)->Stream(r);
  if (!stream.ok()) return cli.Fail(stream.status());
  for (;;) {
    absl::StatusOr<std::optional<nlohmann::json>> event = (*stream)->NextJson();
    if (!event.ok()) return cli.Fail(event.status());
    if (!event->has_value()) return 0;  // --until reached: the daemon ended the stream
    std::string line;
    if (o.format == "json") {
      line = GoOrder(**event).dump();
    } else if (tmpl) {
      absl::StatusOr<std::string> out = tmpl->Execute(**event);
      if (!out.ok()) return cli.Fail(out.status());
      line = *out;
    } else {
      line = EventLine(**event);
    }
    std::fprintf(cli.out(), "%s\n", line.c_str());
    std::fflush(cli.out());
  }
}

}  // namespace

CLI::App* AddEventsCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<EventsOptions>();
  CLI::App* sub = AddCommand<EventsOptions>(parent, cli, "events",
                                            "Get real time events from the server", o, Events);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("--since", o->since, "Show all events created since timestamp");
  sub->add_option("--until", o->until, "Stream events until this timestamp");
  sub->add_option("-f,--filter", o->filters, "Filter output based on conditions provided");
  sub->add_option("--format", o->format,
                  "Format output using a custom template: 'json' or a Go template");
  return sub;
}

}  // namespace berth::cli
