// berth save: GET /images/get streamed to -o FILE (written beside it and
// renamed into place when complete, mode 0600) or to stdout, never to a
// terminal.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/cleanup/cleanup.h"
#include "cli/commands/command.h"
#include "cli/commands/image_commands.h"
#include "cli/commands/image_util.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli {
namespace {

struct SaveOptions {
  std::vector<std::string> images;
  std::string output;
  std::string platform;
};

absl::Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoErrorf(errno, "write");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status Copy(client::BodyStream& stream, int fd) {
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::string piece, stream.Read());
    if (piece.empty()) return absl::OkStatus();
    BERTH_RETURN_IF_ERROR(WriteAll(fd, piece));
  }
}

absl::Status RunSave(SaveOptions& o, Cli& cli) {
  if (o.output.empty() && cli.out_is_terminal()) {
    return absl::FailedPreconditionError(
        "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  client::Request r{.path = "/images/get"};
  for (const std::string& name : o.images) r.query.emplace_back("names", name);
  if (!o.platform.empty()) {
    nlohmann::json p = PlatformJson(o.platform);
    if (p.is_null()) return absl::InvalidArgumentError("invalid platform: " + o.platform);
    r.query.emplace_back("platform", p.dump());
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<client::BodyStream> stream, api->Stream(r));
  if (o.output.empty()) {
    std::fflush(cli.out());
    return Copy(*stream, STDOUT_FILENO);
  }
  // A temp file beside the target, renamed over it once complete.
  size_t slash = o.output.rfind('/');
  std::string dir = slash == std::string::npos ? "." : o.output.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? o.output : o.output.substr(slash + 1);
  std::string tmp = dir + (dir.ends_with("/") ? "" : "/") + "." + base + ".XXXXXX";
  UniqueFd fd(mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.ok()) return ErrnoErrorf(errno, "failed to save image: create {}", tmp);
  absl::Cleanup remove_tmp = [&tmp] { unlink(tmp.c_str()); };
  if (fchmod(fd.get(), 0600) != 0) return ErrnoErrorf(errno, "chmod {}", tmp);
  BERTH_RETURN_IF_ERROR(Copy(*stream, fd.get()));
  if (fsync(fd.get()) != 0) return ErrnoErrorf(errno, "fsync {}", tmp);
  if (rename(tmp.c_str(), o.output.c_str()) != 0) {
    return ErrnoErrorf(errno, "failed to save image: rename {} to {}", tmp, o.output);
  }
  std::move(remove_tmp).Cancel();
  return absl::OkStatus();
}

int Save(SaveOptions& o, Cli& cli) {
  absl::Status s = RunSave(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddSaveCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<SaveOptions>();
  CLI::App* sub = AddCommand<SaveOptions>(
      parent, cli, "save",
      "Save one or more images to a tar archive (streamed to STDOUT by default)", o, Save);
  sub->add_option("images", o->images, "Images")->required();
  sub->add_option("-o,--output", o->output, "Write to a file, instead of STDOUT");
  sub->add_option("--platform", o->platform,
                  "Save only the given platform variant. Formatted as \"os[/arch[/variant]]\" "
                  "(e.g., \"linux/amd64\")");
  return sub;
}

}  // namespace berth::cli
