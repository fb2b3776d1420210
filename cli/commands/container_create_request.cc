#include "cli/commands/container_create_request.h"

#include <fcntl.h>
#include <unistd.h>

#include "absl/cleanup/cleanup.h"
#include "cli/client/errors.h"
#include "cli/commands/image_pull.h"
#include "cli/term/stdcopy.h"
#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth::cli {
namespace {

absl::StatusOr<nlohmann::json> PostCreate(client::EngineClient& api, const CreateFlags& flags,
                                          const nlohmann::json& body) {
  client::Request r{.method = "POST", .path = "/containers/create", .json = body};
  if (!flags.name.empty()) r.query.emplace_back("name", flags.name);
  if (!flags.platform.empty()) r.query.emplace_back("platform", flags.platform);
  return api.DoJson(r);
}

// "busybox" -> "busybox:latest", as docker names what it pulls.
std::string WithDefaultTag(const std::string& image) {
  if (image.find('@') != std::string::npos) return image;
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return image + ":latest";
  }
  return image;
}

// "1.43" < "1.44" as versions (major, then minor, numerically).
bool VersionLess(const std::string& a, const std::string& b) {
  auto parts = [](const std::string& v) {
    auto [major, minor] = SplitOnce(v, '.');
    return std::pair{ParseInt64(major).value_or(0), ParseInt64(minor.value_or("0")).value_or(0)};
  };
  return parts(a) < parts(b);
}

}  // namespace

absl::StatusOr<std::string> CreateContainer(Cli& cli, const CreateFlags& flags,
                                            const std::string& image,
                                            const std::vector<std::string>& args, bool detached) {
  BERTH_ASSIGN_OR_RETURN(nlohmann::json body, CreateRequestBody(flags, image, args, detached));
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  if (!flags.health_start_interval.empty()) {
    // As docker's validateAPIVersion: the field is API 1.44's.
    BERTH_ASSIGN_OR_RETURN(std::string version, api->ApiVersion());
    if (VersionLess(version, "1.44")) {
      return FailedPreconditionf(
          "\"--health-start-interval\" requires API version 1.44, but the Berth daemon API "
          "version is {}",
          version);
    }
  }
  // --cidfile, as docker's cidFile: refused if it is there, made before the
  // create, the ID written into it after, removed if there is none.
  UniqueFd cid;
  bool cid_written = false;
  if (!flags.cidfile.empty()) {
    if (PathExists(flags.cidfile)) {
      return FailedPreconditionf(
          "container ID file found, make sure the other container isn't running or delete {}",
          flags.cidfile);
    }
    cid.reset(open(flags.cidfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
    if (!cid) {
      return WithContext(ErrnoErrorf(errno, "open {}", flags.cidfile),
                         "failed to create the container ID file");
    }
  }
  absl::Cleanup remove_cid = [&] {
    if (cid && !cid_written) unlink(flags.cidfile.c_str());
  };

  PullRequest pull{
      .reference = WithDefaultTag(image), .platform = flags.platform, .quiet = flags.quiet};
  if (flags.pull == "always") BERTH_RETURN_IF_ERROR(PullImage(cli, pull, cli.err()));
  absl::StatusOr<nlohmann::json> created = PostCreate(*api, flags, body);
  if (!created.ok() && created.status().code() == absl::StatusCode::kNotFound &&
      client::IsDaemonError(created.status()) &&
      created.status().message().find("No such image") != absl::string_view::npos &&
      flags.pull == "missing") {
    if (!flags.quiet) {
      std::fprintf(cli.err(), "Unable to find image '%s' locally\n", pull.reference.c_str());
    }
    BERTH_RETURN_IF_ERROR(PullImage(cli, pull, cli.err()));
    created = PostCreate(*api, flags, body);
  }
  if (!created.ok()) return created.status();
  for (const nlohmann::json& w : created->value("Warnings", nlohmann::json::array())) {
    if (w.is_string()) std::fprintf(cli.err(), "WARNING: %s\n", w.get<std::string>().c_str());
  }
  std::string id = created->value("Id", "");
  if (cid) {
    BERTH_RETURN_IF_ERROR(term::WriteAllFd(cid.get(), id, "the container ID file"));
    cid_written = true;
  }
  return id;
}

}  // namespace berth::cli
