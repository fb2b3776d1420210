#include "cli/commands/container_create_request.h"

#include "cli/client/errors.h"
#include "cli/commands/image_pull.h"
#include "common/status.h"

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

}  // namespace

absl::StatusOr<std::string> CreateContainer(Cli& cli, const CreateFlags& flags,
                                            const std::string& image,
                                            const std::vector<std::string>& args, bool detached) {
  BERTH_ASSIGN_OR_RETURN(nlohmann::json body, CreateRequestBody(flags, image, args, detached));
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  PullRequest pull{.reference = WithDefaultTag(image), .platform = flags.platform};
  if (flags.pull == "always") BERTH_RETURN_IF_ERROR(PullImage(cli, pull, cli.err()));
  absl::StatusOr<nlohmann::json> created = PostCreate(*api, flags, body);
  if (!created.ok() && created.status().code() == absl::StatusCode::kNotFound &&
      client::IsDaemonError(created.status()) &&
      created.status().message().find("No such image") != absl::string_view::npos &&
      flags.pull == "missing") {
    std::fprintf(cli.err(), "Unable to find image '%s' locally\n", pull.reference.c_str());
    BERTH_RETURN_IF_ERROR(PullImage(cli, pull, cli.err()));
    created = PostCreate(*api, flags, body);
  }
  if (!created.ok()) return created.status();
  for (const nlohmann::json& w : created->value("Warnings", nlohmann::json::array())) {
    if (w.is_string()) std::fprintf(cli.err(), "WARNING: %s\n", w.get<std::string>().c_str());
  }
  return created->value("Id", "");
}

}  // namespace berth::cli
