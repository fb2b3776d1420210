// berth cp: docker cp's tar forms. `berth cp CONTAINER:SRC -` writes the
// tar of GET /containers/<id>/archive to stdout (-L follows a link at SRC);
// `berth cp - CONTAINER:DIR` sends a tar from stdin to PUT .../archive,
// after checking that DIR is a directory, as docker does. Copies to and
// from local paths (which need a tar reader and writer in the CLI) are not
// there yet.
#include <unistd.h>

#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/image_util.h"
#include "cli/commands/stream_output.h"
#include "cli/config/base64.h"
#include "common/file_util.h"
#include "common/status.h"

namespace berth::cli {
namespace {

struct CpOptions {
  std::string source;
  std::string destination;
  bool follow_link = false;
  bool archive = false;
  bool quiet = false;
};

// docker's splitCpArg: "CONTAINER:PATH", or a local path (absolute, or
// starting with "." when it holds a ':').
std::pair<std::string, std::string> SplitCpArg(const std::string& arg) {
  if (arg.starts_with("/")) return {"", arg};
  size_t colon = arg.find(':');
  if (colon == std::string::npos || arg.starts_with(".")) return {"", arg};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

struct PathStatInfo {
  bool is_dir = false;
  bool is_link = false;
  std::string link_target;
};

// HEAD /containers/<c>/archive?path=P, decoded from its stat header.
absl::StatusOr<PathStatInfo> StatPath(client::EngineClient& api, const std::string& container,
                                      const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(client::Response r,
                         api.Do({.method = "HEAD",
                                 .path = "/containers/" + container + "/archive",
                                 .query = {{"path", path}}}));
  auto header = r.headers.find("x-docker-container-path-stat");
  if (header == r.headers.end()) return absl::InternalError("no path stat in the daemon's answer");
  BERTH_ASSIGN_OR_RETURN(std::string json, config::Base64Decode(header->second));
  nlohmann::json stat = nlohmann::json::parse(json, nullptr, false);
  uint64_t mode = stat.is_object() ? stat.value("mode", uint64_t{0}) : 0;
  return PathStatInfo{(mode & (1ull << 31)) != 0, (mode & (1ull << 27)) != 0,
                      stat.is_object() ? stat.value("linkTarget", "") : ""};
}

absl::Status CopyFromContainer(CpOptions& o, Cli& cli, const std::string& container,
                               std::string path) {
  if (o.destination != "-") {
    return absl::UnimplementedError(
        "berth cp: copying to a local path is not supported yet; use - for a tar on stdout");
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  if (o.follow_link) {
    absl::StatusOr<PathStatInfo> stat = StatPath(*api, container, path);
    if (stat.ok() && stat->is_link) {
      std::string target = stat->link_target;
      if (!target.starts_with("/")) {
        target = JoinPath(path.substr(0, path.rfind('/') + 1), target);
      }
      path = target;
    }
  }
  BERTH_ASSIGN_OR_RETURN(
      std::unique_ptr<client::BodyStream> stream,
      api->Stream({.path = "/containers/" + container + "/archive", .query = {{"path", path}}}));
  std::fflush(cli.out());
  return CopyStream(*stream, STDOUT_FILENO);
}

absl::Status CopyToContainer(CpOptions& o, Cli& cli, const std::string& container,
                             const std::string& path) {
  if (o.source != "-") {
    return absl::UnimplementedError(
        "berth cp: copying from a local path is not supported yet; use - for a tar on stdin");
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  std::string dst = path;
  absl::StatusOr<PathStatInfo> stat = StatPath(*api, container, dst);
  if (stat.ok() && stat->is_link) {
    dst = stat->link_target.starts_with("/")
              ? stat->link_target
              : JoinPath(path.substr(0, path.rfind('/') + 1), stat->link_target);
    stat = StatPath(*api, container, dst);
  }
  if (!stat.ok() || !stat->is_dir) {
    return absl::InvalidArgumentError(
        fmt::format("destination \"{}:{}\" must be a directory", container, path));
  }
  client::Request r{.method = "PUT",
                    .path = "/containers/" + container + "/archive",
                    .query = {{"path", dst}, {"noOverwriteDirNonDir", "true"}}};
  if (o.archive) r.query.emplace_back("copyUIDGID", "true");
  r.headers["Content-Type"] = "application/x-tar";
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<client::BodyStream> stream,
                         api->StreamUpload(r, FdReader(STDIN_FILENO)));
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::string piece, stream->Read());
    if (piece.empty()) return absl::OkStatus();
  }
}

absl::Status RunCp(CpOptions& o, Cli& cli) {
  if (o.source.empty()) return absl::InvalidArgumentError("source can not be empty");
  if (o.destination.empty()) return absl::InvalidArgumentError("destination can not be empty");
  auto [src_container, src_path] = SplitCpArg(o.source);
  auto [dst_container, dst_path] = SplitCpArg(o.destination);
  if (!src_container.empty() && !dst_container.empty()) {
    return absl::InvalidArgumentError("copying between containers is not supported");
  }
  if (!src_container.empty()) return CopyFromContainer(o, cli, src_container, src_path);
  if (!dst_container.empty()) return CopyToContainer(o, cli, dst_container, dst_path);
  return absl::InvalidArgumentError("must specify at least one container source");
}

int Cp(CpOptions& o, Cli& cli) {
  absl::Status s = RunCp(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddCpCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<CpOptions>();
  CLI::App* sub = AddCommand<CpOptions>(
      parent, cli, "cp", "Copy files/folders between a container and the local filesystem", o, Cp);
  sub->add_option("source", o->source, "CONTAINER:SRC_PATH, or - for a tar on stdin")->required();
  sub->add_option("destination", o->destination, "CONTAINER:DEST_PATH, or - for a tar on stdout")
      ->required();
  sub->add_flag("-L,--follow-link", o->follow_link, "Always follow symbol link in SRC_PATH");
  sub->add_flag("-a,--archive", o->archive, "Archive mode (copy all uid/gid information)");
  sub->add_flag("-q,--quiet", o->quiet, "Suppress progress output during copy");
  return sub;
}

}  // namespace berth::cli
