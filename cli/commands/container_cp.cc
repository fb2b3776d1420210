// berth cp, as docker cp: `CONTAINER:SRC DEST` extracts the tar of
// GET /containers/<id>/archive into a local path, `SRC CONTAINER:DEST`
// uploads a tar of a local path to PUT .../archive, and "-" in place of the
// local path is the tar itself on stdout or stdin. Where the archive lands
// and how its top name is rebased follow moby's copy rules
// (cli/archive/copy_paths.h), the container side learned by HEAD .../archive.
// Unless quiet (the default when stdout is not a terminal), the bytes of tar
// copied are reported on stderr as docker 28 does.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/archive/copy_paths.h"
#include "cli/archive/extract.h"
#include "cli/archive/local_paths.h"
#include "cli/archive/tar_reader.h"
#include "cli/archive/tar_source.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/image_util.h"
#include "cli/commands/stream_output.h"
#include "cli/config/base64.h"
#include "common/file_util.h"
#include "common/human_units.h"
#include "common/status.h"

namespace berth::cli {
namespace {

struct CpOptions {
  std::string source;
  std::string destination;
  bool follow_link = false;
  bool archive = false;
  bool quiet = false;
  CLI::Option* quiet_flag = nullptr;
};

// docker's splitCpArg: "CONTAINER:PATH", or a local path (absolute, or
// starting with "." when it holds a ':').
std::pair<std::string, std::string> SplitCpArg(const std::string& arg) {
  if (arg.starts_with("/")) return {"", arg};
  size_t colon = arg.find(':');
  if (colon == std::string::npos || arg.starts_with(".")) return {"", arg};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

// Go's os.FileMode bits in the path stat.
constexpr uint64_t kModeDir = 1ull << 31;
constexpr uint64_t kModeSymlink = 1ull << 27;
constexpr uint64_t kModeDevice = 1ull << 26;
constexpr uint64_t kModeIrregular = 1ull << 19;

struct PathStatInfo {
  uint64_t mode = 0;
  std::string link_target;
  bool is_dir() const { return (mode & kModeDir) != 0; }
  bool is_link() const { return (mode & kModeSymlink) != 0; }
};

absl::StatusOr<PathStatInfo> DecodeStat(const client::Headers& headers) {
  auto header = headers.find("x-docker-container-path-stat");
  if (header == headers.end()) return absl::InternalError("no path stat in the daemon's answer");
  BERTH_ASSIGN_OR_RETURN(std::string json, config::Base64Decode(header->second));
  nlohmann::json stat = nlohmann::json::parse(json, nullptr, false);
  if (!stat.is_object()) return absl::InternalError("invalid path stat in the daemon's answer");
  return PathStatInfo{stat.value("mode", uint64_t{0}), stat.value("linkTarget", "")};
}

// HEAD /containers/<c>/archive?path=P, decoded from its stat header.
absl::StatusOr<PathStatInfo> StatPath(client::EngineClient& api, const std::string& container,
                                      const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(client::Response r,
                         api.Do({.method = "HEAD",
                                 .path = "/containers/" + container + "/archive",
                                 .query = {{"path", path}}}));
  return DecodeStat(r.headers);
}

// A relative link target joined to the link's directory.
std::string LinkTargetPath(const std::string& path, const std::string& target) {
  if (target.starts_with("/")) return target;
  return CleanPath(archive::SplitPathDirEntry(path).first + "/" + target);
}

absl::StatusOr<std::string> CurrentDir() {
  std::unique_ptr<char, decltype(&free)> cwd(getcwd(nullptr, 0), &free);
  if (!cwd) return ErrnoErrorf(errno, "getcwd");
  return std::string(cwd.get());
}

void PrintCopied(int64_t bytes, const std::string& where) {
  std::fprintf(stderr, "Successfully copied %s to %s\n",
               HumanSizeWithPrecision(static_cast<double>(bytes), 3).c_str(), where.c_str());
}

absl::Status TarToStdout(Cli& cli, client::EngineClient& api, const std::string& container,
                         const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(
      std::unique_ptr<client::BodyStream> stream,
      api.Stream({.path = "/containers/" + container + "/archive", .query = {{"path", path}}}));
  std::fflush(cli.out());
  return CopyStream(*stream, STDOUT_FILENO);
}

absl::Status CopyFromContainer(CpOptions& o, Cli& cli, const std::string& container,
                               std::string path) {
  std::string dst = o.destination;
  if (dst != "-") {
    BERTH_ASSIGN_OR_RETURN(std::string cwd, CurrentDir());
    dst = archive::ResolveLocalPath(dst, cwd);
    BERTH_RETURN_IF_ERROR(archive::ValidateOutputPath(dst));
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  std::string rebase_name;
  if (o.follow_link) {
    absl::StatusOr<PathStatInfo> stat = StatPath(*api, container, path);
    if (stat.ok() && stat->is_link()) {
      std::tie(path, rebase_name) =
          archive::GetRebaseName(path, LinkTargetPath(path, stat->link_target));
    }
  }
  if (dst == "-") return TarToStdout(cli, *api, container, path);

  BERTH_ASSIGN_OR_RETURN(
      std::unique_ptr<client::BodyStream> stream,
      api->Stream({.path = "/containers/" + container + "/archive", .query = {{"path", path}}}));
  BERTH_ASSIGN_OR_RETURN(PathStatInfo stat, DecodeStat(stream->headers()));
  archive::CopyInfo src{path, true, stat.is_dir(), rebase_name};
  archive::TarReader reader([&stream]() { return stream->Read(); });
  auto extract = [&]() -> absl::Status {
    archive::ExtractOptions options;
    if (!rebase_name.empty()) {
      std::string base = archive::SplitPathDirEntry(path).second;
      options.rebases.push_back({base == "/" ? "" : base, rebase_name});
    }
    BERTH_ASSIGN_OR_RETURN(archive::CopyInfo dst_info, archive::CopyInfoDestinationPath(dst));
    BERTH_ASSIGN_OR_RETURN(archive::CopyPlan plan, archive::PrepareArchiveCopy(src, dst_info));
    options.rebases.insert(options.rebases.end(), plan.rebases.begin(), plan.rebases.end());
    options.warn = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    BERTH_RETURN_IF_ERROR(archive::ExtractTar(reader, plan.dst_dir, options));
    for (;;) {  // the rest of the stream (a tar's record padding)
      BERTH_ASSIGN_OR_RETURN(std::string piece, stream->Read());
      if (piece.empty()) return absl::OkStatus();
    }
  };
  absl::Status result = extract();
  // The tar's bytes through its end marker, as docker counts them.
  if (!o.quiet) PrintCopied(reader.consumed(), dst);
  return result;
}

absl::Status Upload(client::EngineClient& api, const std::string& container, const std::string& dir,
                    bool copy_uid_gid, const client::BodyReader& body) {
  client::Request r{.method = "PUT",
                    .path = "/containers/" + container + "/archive",
                    .query = {{"path", dir}, {"noOverwriteDirNonDir", "true"}}};
  if (copy_uid_gid) r.query.emplace_back("copyUIDGID", "true");
  r.headers["Content-Type"] = "application/x-tar";
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<client::BodyStream> stream, api.StreamUpload(r, body));
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::string piece, stream->Read());
    if (piece.empty()) return absl::OkStatus();
  }
}

absl::Status CopyToContainer(CpOptions& o, Cli& cli, const std::string& container,
                             const std::string& path) {
  std::string src = o.source;
  if (src != "-") {
    BERTH_ASSIGN_OR_RETURN(std::string cwd, CurrentDir());
    src = archive::ResolveLocalPath(src, cwd);
  }
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  archive::CopyInfo dst{.path = path};
  absl::StatusOr<PathStatInfo> stat = StatPath(*api, container, path);
  if (stat.ok() && stat->is_link()) {
    dst.path = LinkTargetPath(path, stat->link_target);
    stat = StatPath(*api, container, dst.path);
  }
  if (stat.ok() && (stat->mode & (kModeDevice | kModeIrregular)) != 0) {
    return InvalidArgumentf("destination \"{}:{}\" must be a directory or a regular file: {}",
                            container, path,
                            (stat->mode & kModeDevice) ? "got a device" : "got an irregular file");
  }
  if (stat.ok()) {
    dst.exists = true;
    dst.is_dir = stat->is_dir();
  }
  if (src == "-") {
    if (!dst.is_dir) {
      return InvalidArgumentf("destination \"{}:{}\" must be a directory", container, path);
    }
    return Upload(*api, container, dst.path, o.archive, FdReader(STDIN_FILENO));
  }
  BERTH_ASSIGN_OR_RETURN(archive::CopyInfo src_info,
                         archive::CopyInfoSourcePath(src, o.follow_link));
  std::vector<archive::Rebase> rebases;
  if (!src_info.rebase_name.empty()) {
    rebases.push_back({archive::SplitPathDirEntry(src_info.path).second,
                       src_info.rebase_name == "/" ? "" : src_info.rebase_name});
  }
  BERTH_ASSIGN_OR_RETURN(archive::CopyPlan plan, archive::PrepareArchiveCopy(src_info, dst));
  rebases.insert(rebases.end(), plan.rebases.begin(), plan.rebases.end());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<archive::LocalTarSource> tar,
                         archive::LocalTarSource::Create(src_info.path, std::move(rebases)));
  absl::Status result =
      Upload(*api, container, plan.dst_dir, o.archive, [&]() { return tar->Next(); });
  if (!o.quiet) PrintCopied(tar->bytes(), container + ":" + dst.path);
  return result;
}

absl::Status RunCp(CpOptions& o, Cli& cli) {
  if (o.source.empty()) return absl::InvalidArgumentError("source can not be empty");
  if (o.destination.empty()) return absl::InvalidArgumentError("destination can not be empty");
  // Without -q given, quiet unless stdout is a terminal, as docker.
  if (o.quiet_flag == nullptr || o.quiet_flag->count() == 0) o.quiet = !isatty(STDOUT_FILENO);
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
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("source", o->source, "CONTAINER:SRC_PATH, SRC_PATH, or - for a tar on stdin")
      ->required();
  sub->add_option("destination", o->destination,
                  "CONTAINER:DEST_PATH, DEST_PATH, or - for a tar on stdout")
      ->required();
  sub->add_flag("-L,--follow-link", o->follow_link, "Always follow symbol link in SRC_PATH");
  sub->add_flag("-a,--archive", o->archive, "Archive mode (copy all uid/gid information)");
  o->quiet_flag = sub->add_flag(
      "-q,--quiet", o->quiet,
      "Suppress progress output during copy. Progress output is automatically suppressed if no "
      "terminal is attached");
  return sub;
}

}  // namespace berth::cli
