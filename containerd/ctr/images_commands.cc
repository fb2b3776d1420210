#include "containerd/ctr/images_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "berth/containerd/v1/images.grpc.pb.h"
#include "common/unique_fd.h"

namespace berth::containerd::ctr {
namespace {

namespace pb = ::berth::containerd::v1;

struct PullOptions {
  std::string reference;
  std::string snapshotter;
  std::string platform;
  bool no_unpack = false;
};

int Pull(const Global& g, const PullOptions& o) {
  Client client(g);
  pb::PullImageRequest request;
  request.set_reference(o.reference);
  request.set_snapshotter(o.snapshotter);
  request.set_platform(o.platform);
  request.set_unpack(!o.no_unpack);
  auto context = client.Ctx();
  auto reader = pb::Images::NewStub(client.channel())->Pull(context.get(), request);
  pb::PullImageResponse message;
  pb::PullImageResponse last;
  while (reader->Read(&message)) {
    // One line per blob as it completes: the output stays readable in logs.
    if (message.has_progress() && message.progress().done()) {
      const pb::BlobProgress& p = message.progress();
      std::printf("%s: done %ld bytes%s\n", p.digest().c_str(), static_cast<long>(p.total()),
                  p.resumed_from() > 0
                      ? (" (resumed at " + std::to_string(p.resumed_from()) + ")").c_str()
                      : "");
      std::fflush(stdout);
    }
    if (message.has_image()) last = message;
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return Fail("pull " + o.reference, s);
  std::printf("pulled %s %s\n", last.image().name().c_str(),
              last.image().target().digest().c_str());
  if (!last.chain_id().empty()) std::printf("unpacked %s\n", last.chain_id().c_str());
  return 0;
}

int Push(const Global& g, const std::string& name, const std::string& reference) {
  Client client(g);
  pb::PushImageRequest request;
  request.set_name(name);
  request.set_reference(reference);
  auto context = client.Ctx();
  auto reader = pb::Images::NewStub(client.channel())->Push(context.get(), request);
  pb::PushImageResponse message;
  while (reader->Read(&message)) {
    if (message.progress().done()) std::printf("%s: done\n", message.progress().digest().c_str());
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return Fail("push " + name, s);
  std::printf("pushed %s\n", (reference.empty() ? name : reference).c_str());
  return 0;
}

int List(const Global& g, bool quiet) {
  Client client(g);
  pb::ListImagesResponse listed;
  grpc::Status s = pb::Images::NewStub(client.channel())->List(client.Ctx().get(), {}, &listed);
  if (!s.ok()) return Fail("list images", s);
  if (!quiet) std::printf("%-48s %-72s %s\n", "REF", "DIGEST", "SIZE");
  for (const pb::Image& image : listed.images()) {
    if (quiet) {
      std::printf("%s\n", image.name().c_str());
    } else {
      std::printf("%-48s %-72s %ld\n", image.name().c_str(), image.target().digest().c_str(),
                  static_cast<long>(image.target().size()));
    }
  }
  return 0;
}

int Remove(const Global& g, const std::vector<std::string>& names) {
  Client client(g);
  auto images = pb::Images::NewStub(client.channel());
  int rc = 0;
  for (const std::string& name : names) {
    pb::DeleteImageRequest request;
    request.set_name(name);
    google::protobuf::Empty empty;
    grpc::Status s = images->Delete(client.Ctx().get(), request, &empty);
    if (!s.ok()) {
      rc = Fail("remove image " + name, s);
    } else {
      std::printf("%s\n", name.c_str());
    }
  }
  return rc;
}

int Import(const Global& g, const std::string& path, const std::string& base_name) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    std::fprintf(stderr, "berth-ctr: import: open %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  Client client(g);
  auto context = client.Ctx();
  pb::ImportImageResponse response;
  auto writer = pb::Images::NewStub(client.channel())->Import(context.get(), &response);
  pb::ImportImageRequest chunk;
  chunk.set_base_name(base_name);
  std::string buffer(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "berth-ctr: import: read %s: %s\n", path.c_str(), std::strerror(errno));
      context->TryCancel();
      writer->Finish();
      return 1;
    }
    if (n == 0) break;
    chunk.set_data(buffer.data(), static_cast<size_t>(n));
    if (!writer->Write(chunk)) break;  // Finish says why
    chunk.clear_base_name();
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return Fail("import " + path, s);
  for (const pb::Image& image : response.images()) std::printf("%s\n", image.name().c_str());
  return 0;
}

}  // namespace

void AddImageCommands(CLI::App& app, const Global& global, int* exit_code) {
  auto pull = std::make_shared<PullOptions>();
  CLI::App* pull_cmd = app.add_subcommand("pull", "pull an image from a registry and unpack it");
  pull_cmd->add_option("--snapshotter", pull->snapshotter, "snapshotter (daemon's default)");
  pull_cmd->add_option("--platform", pull->platform, "platform, e.g. linux/arm64 (the host's)");
  pull_cmd->add_flag("--no-unpack", pull->no_unpack, "fetch only");
  pull_cmd->add_option("ref", pull->reference, "image reference")->required();
  pull_cmd->callback([=, &global] { *exit_code = Pull(global, *pull); });

  auto push = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* push_cmd = app.add_subcommand("push", "push an image to a registry");
  push_cmd->add_option("name", push->first, "image name")->required();
  push_cmd->add_option("ref", push->second, "remote reference (the name if absent)");
  push_cmd->callback([=, &global] { *exit_code = Push(global, push->first, push->second); });

  auto quiet = std::make_shared<bool>(false);
  CLI::App* images_cmd = app.add_subcommand("images", "list images");
  images_cmd->add_flag("-q,--quiet", *quiet, "names only");
  images_cmd->callback([=, &global] { *exit_code = List(global, *quiet); });

  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* rmi_cmd = app.add_subcommand("rmi", "remove images");
  rmi_cmd->add_option("names", *names, "image names")->required();
  rmi_cmd->callback([=, &global] { *exit_code = Remove(global, *names); });

  auto import = std::make_shared<std::pair<std::string, std::string>>();
  import->second = "import";
  CLI::App* import_cmd =
      app.add_subcommand("import", "import an OCI layout or docker-save tarball");
  import_cmd
      ->add_option("--base-name", import->second, "name for images the tarball names only by tag")
      ->capture_default_str();
  import_cmd->add_option("file", import->first, "tarball")->required();
  import_cmd->callback(
      [=, &global] { *exit_code = Import(global, import->first, import->second); });
}

}  // namespace berth::containerd::ctr
