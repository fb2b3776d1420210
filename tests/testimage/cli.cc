#include "tests/testimage/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "tests/testimage/bundle.h"
#include "tests/testimage/docker_archive.h"
#include "tests/testimage/image.h"
#include "tests/testimage/oci_layout.h"
#include "tests/testimage/rootfs.h"
#include "tests/testimage/runtime_config.h"

namespace berth::testimage {
namespace {

struct Flags {
  std::string target;
  std::string probe;
  std::string busybox = "/bin/busybox";
  // bundle
  std::string args;
  bool terminal = false;
  bool rw = false;
  std::string hostname = "berth";
  std::string cgroups_path;
  std::vector<std::string> env;
  // images
  std::string tag;
  int layers = 1;
  bool gzip = true;
  int64_t timestamp = 0;
};

RootfsOptions RootfsFromFlags(const Flags& f) {
  RootfsOptions opts;
  opts.busybox = f.busybox;
  if (!f.probe.empty()) opts.extra_files.push_back({f.probe, kProbeContainerPath, 0755});
  return opts;
}

absl::Status RunRootfs(const Flags& f) { return CreateRootfs(f.target, RootfsFromFlags(f)); }

absl::Status RunBundle(const Flags& f) {
  ConfigOptions config;
  if (!f.args.empty()) {
    BERTH_ASSIGN_OR_RETURN(config.args, SplitShellWords(f.args));
    if (config.args.empty()) return InvalidArgumentf("--args: no words in \"{}\"", f.args);
  }
  config.terminal = f.terminal;
  config.readonly_root = !f.rw;
  config.hostname = f.hostname;
  config.cgroups_path = f.cgroups_path;
  config.extra_env = f.env;
  return CreateBundle(f.target, DefaultRuntimeConfig(config), RootfsFromFlags(f));
}

absl::StatusOr<ImageOptions> ImageFromFlags(const Flags& f) {
  if (f.layers < 1) return InvalidArgumentf("--layers {}: want at least 1", f.layers);
  ImageOptions opts;
  opts.rootfs = RootfsFromFlags(f);
  opts.layers = SampleLayers(f.layers);
  opts.gzip = f.gzip;
  opts.timestamp = f.timestamp;
  if (!f.tag.empty()) BERTH_RETURN_IF_ERROR(SetReference(f.tag, &opts));
  return opts;
}

void PrintInfo(const ImageInfo& info) {
  json::Json layers = json::Json::array();
  for (const LayerInfo& l : info.layers) {
    layers.push_back({{"mediaType", l.media_type},
                      {"digest", l.digest},
                      {"size", l.size},
                      {"diff_id", l.diff_id}});
  }
  json::Json out = {{"manifest", {{"digest", info.manifest_digest}, {"size", info.manifest_size}}},
                    {"config", {{"digest", info.config_digest}, {"size", info.config_size}}},
                    {"layers", layers},
                    {"ref_name", info.ref_name},
                    {"repo_tag", info.repo_tag}};
  std::printf("%s\n", json::Dump(out).c_str());
}

using ImageWriter = absl::StatusOr<ImageInfo> (*)(const std::string&, const ImageOptions&);

absl::Status RunImage(const Flags& f, ImageWriter writer) {
  BERTH_ASSIGN_OR_RETURN(ImageOptions opts, ImageFromFlags(f));
  BERTH_ASSIGN_OR_RETURN(ImageInfo info, writer(f.target, opts));
  PrintInfo(info);
  return absl::OkStatus();
}

void AddRootfsFlags(CLI::App* cmd, Flags* f, const char* target_help) {
  cmd->add_option(target_help, f->target, "output path")->required();
  cmd->add_option("--probe", f->probe, "copy this binary to /bin/berth-probe");
  cmd->add_option("--busybox", f->busybox, "the static busybox to install")->capture_default_str();
}

void AddImageFlags(CLI::App* cmd, Flags* f, bool with_gzip) {
  cmd->add_option("--tag", f->tag, "tag, or name:tag (default busybox:latest)");
  cmd->add_option("--layers", f->layers, "number of layers (1 = the rootfs only)")
      ->capture_default_str();
  cmd->add_option("--timestamp", f->timestamp, "mtime of every entry (seconds)")
      ->capture_default_str();
  if (with_gzip) cmd->add_flag("--gzip,!--no-gzip", f->gzip, "gzip the layers (default on)");
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "berth-testimage: %s\n", message.c_str());
  return 1;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitShellWords(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == line.size()) return InvalidArgumentf("\"{}\": trailing backslash", line);
      word.push_back(line[i]);
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) return InvalidArgumentf("\"{}\": unmatched '", line);
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i == line.size()) return InvalidArgumentf("\"{}\": unmatched \"", line);
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() &&
            std::string_view("\"\\$`").find(line[i + 1]) != std::string_view::npos) {
          ++i;
        }
        word.push_back(line[i]);
      }
    } else {
      word.push_back(c);
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

int RunCli(int argc, char** argv) {
  CLI::App app{"berth-testimage: busybox rootfs, bundles and images for Berth's tests",
               "berth-testimage"};
  app.require_subcommand(1);
  Flags f;
  absl::Status status;

  CLI::App* rootfs = app.add_subcommand("rootfs", "write a busybox rootfs into DIR");
  AddRootfsFlags(rootfs, &f, "DIR");
  rootfs->callback([&] { status = RunRootfs(f); });

  CLI::App* bundle = app.add_subcommand("bundle", "write config.json and rootfs/ into DIR");
  AddRootfsFlags(bundle, &f, "DIR");
  bundle->add_option("--args", f.args, "process.args as one shell-quoted string (default sh)");
  bundle->add_flag("--terminal", f.terminal, "process.terminal = true");
  bundle->add_flag("--rw", f.rw, "root.readonly = false");
  bundle->add_option("--hostname", f.hostname, "hostname")->capture_default_str();
  bundle->add_option("--cgroups-path", f.cgroups_path, "linux.cgroupsPath");
  bundle->add_option("--env", f.env, "extra process.env entries (K=V)");
  bundle->callback([&] { status = RunBundle(f); });

  CLI::App* layout = app.add_subcommand("oci-layout", "write an OCI image layout into DIR");
  AddRootfsFlags(layout, &f, "DIR");
  AddImageFlags(layout, &f, /*with_gzip=*/true);
  layout->callback([&] { status = RunImage(f, CreateOciLayout); });

  CLI::App* oci_archive = app.add_subcommand("oci-archive", "write an OCI layout tarball FILE");
  AddRootfsFlags(oci_archive, &f, "FILE");
  AddImageFlags(oci_archive, &f, /*with_gzip=*/true);
  oci_archive->callback([&] { status = RunImage(f, CreateOciArchive); });

  CLI::App* docker = app.add_subcommand("docker-archive", "write a `docker save` tarball FILE");
  AddRootfsFlags(docker, &f, "FILE");
  AddImageFlags(docker, &f, /*with_gzip=*/false);
  docker->callback([&] { status = RunImage(f, CreateDockerArchive); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return Fail(e.what());
  }
  if (!status.ok()) return Fail(std::string(ToStd(status.message())));
  return 0;
}

}  // namespace berth::testimage
