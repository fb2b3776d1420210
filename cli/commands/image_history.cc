// berth history: an image's layers, newest first (IMAGE CREATED CREATED BY
// SIZE COMMENT), -H/--human (default on), -q, --no-trunc, --format.
#include <ctime>

#include "cli/commands/command.h"
#include "cli/commands/display.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"
#include "common/human_units.h"

namespace berth::cli {
namespace {

constexpr char kDefaultTable[] =
    "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
constexpr char kNonHumanTable[] =
    "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
// Layers created before 2000 show no age (docker's epoch).
constexpr int64_t kEpoch = 946684800;

struct HistoryOptions {
  std::string image;
  bool human = true;
  bool quiet = false;
  bool no_trunc = false;
  std::string format;
  std::string platform;
};

const nlohmann::json& Headers() {
  static const nlohmann::json h = {{"ID", "IMAGE"},
                                   {"CreatedSince", "CREATED"},
                                   {"CreatedAt", "CREATED AT"},
                                   {"CreatedBy", "CREATED BY"},
                                   {"Size", "SIZE"},
                                   {"Comment", "COMMENT"}};
  return h;
}

// Go's time.Unix(s, 0).Format(time.RFC3339) in local time.
std::string Rfc3339(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm local {};
  localtime_r(&t, &local);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &local);
  std::string out = buf;
  long offset = local.tm_gmtoff;
  if (offset == 0) return out + "Z";
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", sign, offset / 3600, (offset % 3600) / 60);
  return out + buf;
}

nlohmann::json Row(const nlohmann::json& h, const HistoryOptions& o) {
  bool trunc = !o.no_trunc;
  std::string id = h.value("Id", "");
  int64_t created = h.value("Created", int64_t{0});
  std::string created_at = Rfc3339(created);
  std::string since = created_at;
  if (o.human) since = created <= kEpoch ? "N/A" : TimeAgo(created);
  std::string created_by = h.value("CreatedBy", "");
  for (char& c : created_by) {
    if (c == '\t') c = ' ';
  }
  if (trunc) created_by = Ellipsis(created_by, 45);
  int64_t size = h.value("Size", int64_t{0});
  return {{"ID", trunc ? ShortId(id) : id},
          {"CreatedSince", since},
          {"CreatedAt", created_at},
          {"CreatedBy", created_by},
          {"Size",
           o.human ? HumanSizeWithPrecision(static_cast<double>(size), 3) : std::to_string(size)},
          {"Comment", h.value("Comment", "")}};
}

int History(HistoryOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Query query;
  if (!o.platform.empty()) {
    nlohmann::json p = PlatformJson(o.platform);
    if (p.is_null()) return cli.Fail(absl::InvalidArgumentError("invalid platform: " + o.platform));
    query.emplace_back("platform", p.dump());
  }
  absl::StatusOr<nlohmann::json> history =
      (*api)->GetJson("/images/" + o.image + "/history", query);
  if (!history.ok()) return cli.Fail(history.status());
  std::vector<nlohmann::json> rows;
  if (history->is_array()) {
    for (const nlohmann::json& h : *history) rows.push_back(Row(h, o));
  }
  std::string format = o.format;
  if (format.empty() || format == "table") {
    format = o.quiet ? "{{.ID}}" : (o.human ? kDefaultTable : kNonHumanTable);
  }
  absl::Status printed = PrintRows(cli, format, format, Headers(), rows);
  return printed.ok() ? 0 : cli.Fail(printed);
}

}  // namespace

CLI::App* AddHistoryCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<HistoryOptions>();
  CLI::App* sub = AddCommand<HistoryOptions>(parent, cli, "history", "Show the history of an image",
                                             o, History);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("image", o->image, "Image")->required();
  sub->add_flag("-H,--human", o->human, "Print sizes and dates in human readable format")
      ->default_str("true");
  sub->add_flag("-q,--quiet", o->quiet, "Only show image IDs");
  sub->add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
  sub->add_option("--format", o->format,
                  "Format output using a custom template: 'table', 'table TEMPLATE', 'json', "
                  "or a Go template");
  sub->add_option("--platform", o->platform,
                  "Show history for the given platform. Formatted as \"os[/arch[/variant]]\" "
                  "(e.g., \"linux/amd64\")");
  return sub;
}

}  // namespace berth::cli
