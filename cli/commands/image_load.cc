// berth load: a tar archive from -i/--input or stdin streamed to POST
// /images/load (never read whole into memory); the daemon's "Loaded image:"
// lines printed.
#include <fcntl.h>
#include <unistd.h>

#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli {
namespace {

struct LoadOptions {
  std::string input;
  bool quiet = false;
  std::string platform;
};

absl::Status RunLoad(LoadOptions& o, Cli& cli) {
  UniqueFd file;
  int fd = STDIN_FILENO;
  if (o.input.empty()) {
    // Nothing would ever come from a terminal: refuse rather than hang.
    if (cli.in_is_terminal()) {
      return absl::FailedPreconditionError("requested load from stdin, but stdin is empty");
    }
  } else {
    file = UniqueFd(open(o.input.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.ok()) return ErrnoErrorf(errno, "open {}", o.input);
    fd = file.get();
  }
  client::Request r{.method = "POST", .path = "/images/load"};
  // docker asks for no progress when its output is not a terminal.
  r.query.emplace_back("quiet", o.quiet || !cli.out_is_terminal() ? "1" : "0");
  if (!o.platform.empty()) {
    nlohmann::json p = PlatformJson(o.platform);
    if (p.is_null()) return absl::InvalidArgumentError("invalid platform: " + o.platform);
    r.query.emplace_back("platform", p.dump());
  }
  r.headers["Content-Type"] = "application/x-tar";
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<client::BodyStream> stream,
                         api->StreamUpload(r, FdReader(fd)));
  auto type = stream->headers().find("content-type");
  if (type != stream->headers().end() && type->second == "application/json") {
    return DisplayJsonMessages(*stream, cli.out(), false);
  }
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::string piece, stream->Read());
    if (piece.empty()) return absl::OkStatus();
    std::fwrite(piece.data(), 1, piece.size(), cli.out());
  }
}

int Load(LoadOptions& o, Cli& cli) {
  absl::Status s = RunLoad(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddLoadCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<LoadOptions>();
  CLI::App* sub = AddCommand<LoadOptions>(parent, cli, "load",
                                          "Load an image from a tar archive or STDIN", o, Load);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("-i,--input", o->input, "Read from tar archive file, instead of STDIN");
  sub->add_flag("-q,--quiet", o->quiet, "Suppress the load output");
  sub->add_option("--platform", o->platform,
                  "Load only the given platform variant. Formatted as \"os[/arch[/variant]]\" "
                  "(e.g., \"linux/amd64\")");
  return sub;
}

}  // namespace berth::cli
