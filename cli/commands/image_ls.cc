// berth images / image ls: docker 28's classic table (REPOSITORY TAG IMAGE
// ID CREATED SIZE), one row per repository and tag, <none> for dangling
// images, --digests, -q, --no-trunc, --format (config.json's imagesFormat
// by default) and the daemon's filters.

#include "cli/commands/command.h"
#include "cli/commands/display.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"
#include "cli/config/config_file.h"
#include "common/human_units.h"
#include "common/reference.h"

namespace berth::cli {
namespace {

constexpr char kDefaultTable[] =
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/"
    "A{{end}}\t{{.Size}}";
constexpr char kDigestTable[] =
    "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}"
    "{{else}}N/A{{end}}\t{{.Size}}";
constexpr char kQuietFormat[] = "{{.ID}}";
constexpr char kRawQuietFormat[] = "image_id: {{.ID}}";
constexpr char kRawFormat[] =
    "repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: "
    "{{.CreatedAt}}\nvirtual_size: {{.Size}}\n";
constexpr char kRawDigestFormat[] =
    "repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: "
    "{{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n";

struct ImagesOptions {
  std::string match;
  bool quiet = false;
  bool all = false;
  bool no_trunc = false;
  bool digests = false;
  std::string format;
  std::vector<std::string> filters;
};

const nlohmann::json& Headers() {
  static const nlohmann::json h = {{"ID", "IMAGE ID"},
                                   {"Repository", "REPOSITORY"},
                                   {"Tag", "TAG"},
                                   {"Digest", "DIGEST"},
                                   {"CreatedSince", "CREATED"},
                                   {"CreatedAt", "CREATED AT"},
                                   {"Size", "SIZE"},
                                   {"Containers", "CONTAINERS"},
                                   {"VirtualSize", "SIZE"},
                                   {"SharedSize", "SHARED SIZE"},
                                   {"UniqueSize", "UNIQUE SIZE"}};
  return h;
}

// formatter.NewImageFormat: the template for --format (or its default).
std::string ImageFormat(const std::string& source, bool quiet, bool digest) {
  if (source == "table") {
    if (quiet) return kQuietFormat;
    return digest ? kDigestTable : kDefaultTable;
  }
  if (source == "raw") {
    if (quiet) return kRawQuietFormat;
    return digest ? kRawDigestFormat : kRawFormat;
  }
  std::string format = source;
  if (format.starts_with("table") && digest && format.find("{{.Digest}}") == std::string::npos) {
    format += "\t{{.Digest}}";
  }
  return format;
}

bool IsDangling(const nlohmann::json& image) {
  const nlohmann::json tags = image.value("RepoTags", nlohmann::json::array());
  const nlohmann::json digests = image.value("RepoDigests", nlohmann::json::array());
  bool no_tags = !tags.is_array() || tags.empty();
  bool no_digests = !digests.is_array() || digests.empty();
  if (no_tags && no_digests) return true;
  return tags.is_array() && tags.size() == 1 && tags[0] == "<none>:<none>" && digests.is_array() &&
         digests.size() == 1 && digests[0] == "<none>@<none>";
}

std::string CountOrNA(int64_t n) { return n == -1 ? "N/A" : std::to_string(n); }

nlohmann::json Row(const nlohmann::json& image, bool trunc, const std::string& repo,
                   const std::string& tag, const std::string& digest) {
  std::string id = image.value("Id", "");
  int64_t created = image.value("Created", int64_t{0});
  int64_t size = image.value("Size", int64_t{0});
  int64_t shared = image.value("SharedSize", int64_t{-1});
  return {{"ID", trunc ? ShortId(id) : id},
          {"Repository", repo},
          {"Tag", tag},
          {"Digest", digest},
          {"CreatedSince", TimeAgo(created)},
          {"CreatedAt", GoTime(created)},
          {"Size", HumanSizeWithPrecision(static_cast<double>(size), 3)},
          {"VirtualSize", HumanSize(static_cast<double>(size))},
          {"Containers", CountOrNA(image.value("Containers", int64_t{-1}))},
          {"SharedSize", shared == -1 ? "N/A" : HumanSize(static_cast<double>(shared))},
          {"UniqueSize",
           size == -1 || shared == -1 ? "N/A" : HumanSize(static_cast<double>(size - shared))}};
}

// A repository's values in the order they first appear.
using Grouped = std::vector<std::pair<std::string, std::vector<std::string>>>;

std::vector<std::string>& Slot(Grouped& g, const std::string& key) {
  for (auto& [k, v] : g) {
    if (k == key) return v;
  }
  return g.emplace_back(key, std::vector<std::string>{}).second;
}

// formatter.imageFormatTaggedAndDigest: a row per repository and tag (and
// per digest when digests are shown), then rows for digest-only repositories.
void TaggedRows(const nlohmann::json& image, bool trunc, bool show_digests, bool need_digest,
                std::vector<nlohmann::json>* rows) {
  Grouped repo_tags, repo_digests;
  for (const nlohmann::json& t : image.value("RepoTags", nlohmann::json::array())) {
    if (!t.is_string()) continue;
    absl::StatusOr<Reference> ref = Reference::Parse(t.get<std::string>());
    if (!ref.ok() || ref->tag.empty()) continue;
    Reference name = *ref;
    name.tag.clear();
    name.digest.clear();
    Slot(repo_tags, name.Familiar()).push_back(ref->tag);
  }
  for (const nlohmann::json& d : image.value("RepoDigests", nlohmann::json::array())) {
    if (!d.is_string()) continue;
    absl::StatusOr<Reference> ref = Reference::Parse(d.get<std::string>());
    if (!ref.ok() || ref->digest.empty()) continue;
    Reference name = *ref;
    name.tag.clear();
    name.digest.clear();
    Slot(repo_digests, name.Familiar()).push_back(ref->digest);
  }
  for (const auto& [repo, tags] : repo_tags) {
    std::vector<std::string> digests;
    for (auto it = repo_digests.begin(); it != repo_digests.end(); ++it) {
      if (it->first != repo) continue;
      digests = std::move(it->second);
      repo_digests.erase(it);  // not shown as rows of their own
      break;
    }
    if (!need_digest) digests.clear();
    for (const std::string& tag : tags) {
      if (digests.empty()) {
        rows->push_back(Row(image, trunc, repo, tag, "<none>"));
        continue;
      }
      for (const std::string& digest : digests)
        rows->push_back(Row(image, trunc, repo, tag, digest));
    }
  }
  for (const auto& [repo, digests] : repo_digests) {
    if (show_digests) {
      for (const std::string& digest : digests) {
        rows->push_back(Row(image, trunc, repo, "<none>", digest));
      }
    } else {
      rows->push_back(Row(image, trunc, repo, "<none>", ""));
    }
  }
}

int Images(ImagesOptions& o, Cli& cli, const std::string& called_as) {
  std::vector<std::string> filters = o.filters;
  if (!o.match.empty()) filters.push_back("reference=" + o.match);
  absl::StatusOr<std::string> filters_json = FiltersJson(filters);
  if (!filters_json.ok()) return cli.Fail(filters_json.status());
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  client::Query query;
  if (o.all) query.emplace_back("all", "1");
  if (!filters_json->empty()) query.emplace_back("filters", *filters_json);
  absl::StatusOr<nlohmann::json> list = (*api)->GetJson("/images/json", query);
  if (!list.ok()) return cli.Fail(list.status());

  std::string source = o.format;
  if (source.empty()) {
    absl::StatusOr<config::ConfigFile> file = LoadConfig(cli);
    if (file.ok() && !file->images_format().empty() && !o.quiet) {
      source = file->images_format();
    } else {
      source = "table";
    }
  }
  std::string format = ImageFormat(source, o.quiet, o.digests);
  bool need_digest = o.digests || format.find("{{.Digest}}") != std::string::npos;
  std::vector<nlohmann::json> rows;
  for (const nlohmann::json& image : *list) {
    if (IsDangling(image)) {
      rows.push_back(Row(image, !o.no_trunc, "<none>", "<none>", "<none>"));
    } else {
      TaggedRows(image, !o.no_trunc, o.digests, need_digest, &rows);
    }
  }
  absl::Status printed = PrintRows(cli, format, format, Headers(), rows);
  if (!printed.ok()) return cli.Fail(printed);
  static const char* const kSubcommands[] = {"build", "history", "import", "inspect", "list",
                                             "load",  "ls",      "prune",  "pull",    "push",
                                             "rm",    "save",    "tag"};
  if (!o.match.empty() && list->empty() && called_as == "images") {
    for (const char* sub : kSubcommands) {
      if (o.match != sub) continue;
      std::fprintf(cli.err(),
                   "\nNo images found matching \"%s\": did you mean \"berth image %s\"?\n", sub,
                   sub);
    }
  }
  return 0;
}

}  // namespace

CLI::App* AddImagesCommand(CLI::App& parent, Cli& cli, const std::string& name) {
  auto o = std::make_shared<ImagesOptions>();
  CLI::App* sub = AddCommand<ImagesOptions>(
      parent, cli, name, "List images", o,
      [name](ImagesOptions& opts, Cli& c) { return Images(opts, c, name); });
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("repository", o->match, "REPOSITORY[:TAG]");
  sub->add_flag("-a,--all", o->all, "Show all images (default hides intermediate images)");
  sub->add_flag("--digests", o->digests, "Show digests");
  sub->add_option("-f,--filter", o->filters, "Filter output based on conditions provided")
      ->allow_extra_args(false);
  sub->add_option("--format", o->format,
                  "Format output using a custom template: 'table', 'table TEMPLATE', 'json', "
                  "or a Go template");
  sub->add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
  sub->add_flag("-q,--quiet", o->quiet, "Only show image IDs");
  return sub;
}

}  // namespace berth::cli
