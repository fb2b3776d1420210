// berth-testimage: busybox rootfs, bundle, OCI layout / archive and
// docker-save tarball for tests, benchmarks and the demo.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "common/status.h"
#include "common/strings.h"
#include "tests/testimage/image.h"

namespace {

using berth::testimage::ImageOptions;
using berth::testimage::LayerSpec;

// Layer k (k >= 2) adds /layer<k>.txt; layer 2 also deletes /etc/hostname
// and makes /tmp opaque, so unpackers meet both whiteout kinds.
void AddLayers(ImageOptions* o, int count) {
  for (int k = 2; k <= count; ++k) {
    LayerSpec spec;
    spec.files["layer" + std::to_string(k) + ".txt"] = "layer " + std::to_string(k) + "\n";
    if (k == 2) {
      spec.whiteouts.push_back("etc/hostname");
      spec.opaque_dirs.push_back("tmp");
    }
    o->extra_layers.push_back(spec);
  }
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "berth-testimage: %s\n", std::string(s.message()).c_str());
  return 1;
}

// Splits a command the way a shell would for simple quoting: words, with
// '...' and "..." kept together.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  bool in_word = false;
  for (char c : text) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"berth-testimage: busybox test images", "berth-testimage"};
  app.require_subcommand(1);
  std::string dir, probe, args, tag = "latest", repo_tag = "busybox:latest";
  bool terminal = false, rw = false, no_gzip = false;
  int layers = 1;

  auto* rootfs = app.add_subcommand("rootfs", "a busybox rootfs directory");
  rootfs->add_option("dir", dir)->required();
  rootfs->add_option("--probe", probe, "copy this probe binary to /bin/berth-probe");

  auto* bundle = app.add_subcommand("bundle", "an OCI runtime bundle (config.json + rootfs)");
  bundle->add_option("dir", dir)->required();
  bundle->add_option("--probe", probe, "copy this probe binary to /bin/berth-probe");
  bundle->add_option("--args", args, "the process command line (default: sh)");
  bundle->add_flag("--terminal", terminal, "process.terminal = true");
  bundle->add_flag("--rw", rw, "writable root filesystem");

  auto* layout = app.add_subcommand("oci-layout", "an OCI image layout directory");
  layout->add_option("dir", dir)->required();
  auto* oci_archive = app.add_subcommand("oci-archive", "an OCI image layout as one tar file");
  oci_archive->add_option("file", dir)->required();
  for (auto* cmd : {layout, oci_archive}) {
    cmd->add_option("--tag", tag, "org.opencontainers.image.ref.name (default latest)");
    cmd->add_option("--layers", layers, "number of layers (>= 1)");
    cmd->add_flag("--no-gzip", no_gzip, "uncompressed layers");
  }
  auto* docker = app.add_subcommand("docker-archive", "a `docker save` tarball");
  docker->add_option("file", dir)->required();
  docker->add_option("--tag", repo_tag, "name:tag (default busybox:latest)");
  docker->add_option("--layers", layers, "number of layers (>= 1)");

  CLI11_PARSE(app, argc, argv);

  berth::testimage::RootfsOptions rootfs_options;
  if (!probe.empty()) rootfs_options.extra_files.push_back({probe, "bin/berth-probe", 0755});
  if (*rootfs) {
    absl::Status s = berth::testimage::CreateRootfs(dir, rootfs_options);
    return s.ok() ? 0 : Fail(s);
  }
  if (*bundle) {
    berth::testimage::ConfigOptions config;
    if (!args.empty()) config.args = Words(args);
    config.terminal = terminal;
    config.readonly_root = !rw;
    absl::Status s = berth::testimage::CreateBundle(
        dir, berth::testimage::DefaultRuntimeConfig(config), rootfs_options);
    return s.ok() ? 0 : Fail(s);
  }
  if (layers < 1) return Fail(absl::InvalidArgumentError("--layers must be at least 1"));
  ImageOptions image;
  image.gzip = !no_gzip;
  AddLayers(&image, layers);
  absl::StatusOr<berth::testimage::ImageInfo> info = absl::UnknownError("no command");
  if (*layout) {
    image.tag = tag;
    info = berth::testimage::CreateOciLayout(dir, image);
  } else if (*oci_archive) {
    image.tag = tag;
    info = berth::testimage::CreateOciArchive(dir, image);
  } else if (*docker) {
    auto [repo, t] = berth::SplitOnce(repo_tag, ':');
    image.repository = std::string(repo);
    image.tag = t ? std::string(*t) : "latest";
    info = berth::testimage::CreateDockerArchive(dir, image);
  }
  if (!info.ok()) return Fail(info.status());
  std::printf("%s\n", info->manifest_digest.empty() ? info->config_digest.c_str()
                                                     : info->manifest_digest.c_str());
  return 0;
}
