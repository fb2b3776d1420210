// berth import file|URL|- [REPOSITORY[:TAG]]: a root filesystem tarball
// streamed to POST /images/create?fromSrc=-, becoming a one-layer image.
#include <fcntl.h>
#include <unistd.h>

#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"
#include "common/reference.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli {
namespace {

struct ImportOptions {
  std::string source;
  std::string reference;
  std::vector<std::string> changes;
  std::string message;
  std::string platform;
};

absl::Status RunImport(ImportOptions& o, Cli& cli) {
  if (!o.reference.empty()) BERTH_RETURN_IF_ERROR(Reference::Parse(o.reference).status());
  client::Request r{.method = "POST", .path = "/images/create"};
  bool remote = o.source.starts_with("http://") || o.source.starts_with("https://");
  UniqueFd file;
  int fd = STDIN_FILENO;
  if (remote) {
    // The daemon fetches it.
    r.query.emplace_back("fromSrc", o.source);
  } else {
    r.query.emplace_back("fromSrc", "-");
    if (o.source != "-") {
      file = UniqueFd(open(o.source.c_str(), O_RDONLY | O_CLOEXEC));
      if (!file.ok()) return ErrnoErrorf(errno, "open {}", o.source);
      fd = file.get();
    }
  }
  if (!o.reference.empty()) r.query.emplace_back("repo", o.reference);
  if (!o.message.empty()) r.query.emplace_back("message", o.message);
  if (!o.platform.empty()) {
    std::string platform = o.platform;
    for (char& c : platform) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.query.emplace_back("platform", platform);
  }
  for (const std::string& change : o.changes) r.query.emplace_back("changes", change);
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  std::unique_ptr<client::BodyStream> stream;
  if (remote) {
    BERTH_ASSIGN_OR_RETURN(stream, api->Stream(r));
  } else {
    r.headers["Content-Type"] = "application/x-tar";
    BERTH_ASSIGN_OR_RETURN(stream, api->StreamUpload(r, FdReader(fd)));
  }
  return DisplayJsonMessages(*stream, cli.out(), false);
}

int Import(ImportOptions& o, Cli& cli) {
  absl::Status s = RunImport(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddImportCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* sub = AddCommand<ImportOptions>(
      parent, cli, "import", "Import the contents from a tarball to create a filesystem image", o,
      Import);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("source", o->source, "file|URL|-")->required();
  sub->add_option("repository", o->reference, "REPOSITORY[:TAG]");
  sub->add_option("-c,--change", o->changes, "Apply Dockerfile instruction to the created image")
      ->allow_extra_args(false);
  sub->add_option("-m,--message", o->message, "Set commit message for imported image");
  sub->add_option("--platform", o->platform, "Set platform if server is multi-platform capable");
  return sub;
}

}  // namespace berth::cli
