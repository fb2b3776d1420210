#include "tests/testimage/image_json.h"

#include <sys/utsname.h>

#include <string_view>

#include "common/time_util.h"

namespace berth::testimage {
namespace {

using json::Json;

// Docker writes empty objects for port and volume sets.
Json SetOf(const std::vector<std::string>& keys) {
  Json set = Json::object();
  for (const std::string& key : keys) set[key] = Json::object();
  return set;
}

Json ContainerConfig(const ImageOptions& opts) {
  Json config = Json::object();
  if (!opts.user.empty()) config["User"] = opts.user;
  if (!opts.exposed_ports.empty()) config["ExposedPorts"] = SetOf(opts.exposed_ports);
  if (!opts.env.empty()) config["Env"] = opts.env;
  if (!opts.entrypoint.empty()) config["Entrypoint"] = opts.entrypoint;
  if (!opts.cmd.empty()) config["Cmd"] = opts.cmd;
  if (!opts.volumes.empty()) config["Volumes"] = SetOf(opts.volumes);
  if (!opts.working_dir.empty()) config["WorkingDir"] = opts.working_dir;
  if (!opts.labels.empty()) config["Labels"] = opts.labels;
  return config;
}

Json Descriptor(std::string_view media_type, const std::string& digest, int64_t size) {
  return {{"mediaType", media_type}, {"digest", digest}, {"size", size}};
}

}  // namespace

std::string HostArchitecture() {
  struct utsname u;
  if (uname(&u) != 0) return "amd64";
  std::string_view machine = u.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64" || machine == "arm64") return "arm64";
  if (machine.starts_with("arm")) return "arm";
  if (machine == "i386" || machine == "i686") return "386";
  if (machine == "ppc64le") return "ppc64le";
  if (machine == "s390x") return "s390x";
  if (machine == "riscv64") return "riscv64";
  return std::string(machine);
}

json::Json ImageConfigJson(const ImageOptions& opts, const std::vector<LayerInfo>& layers) {
  std::string created = FormatRfc3339Nano({.tv_sec = opts.timestamp, .tv_nsec = 0});
  Json diff_ids = Json::array();
  Json history = Json::array();
  for (size_t i = 0; i < layers.size(); ++i) {
    diff_ids.push_back(layers[i].diff_id);
    history.push_back({{"created", created},
                       {"created_by", i == 0 ? std::string("berth-testimage: busybox rootfs")
                                             : "berth-testimage: layer " + std::to_string(i + 1)}});
  }
  return {
      {"created", created},
      {"architecture", opts.architecture.empty() ? HostArchitecture() : opts.architecture},
      {"os", opts.os},
      {"config", ContainerConfig(opts)},
      {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
      {"history", history},
  };
}

json::Json ManifestJson(const std::string& config_digest, int64_t config_size,
                        const std::vector<LayerInfo>& layers) {
  Json layer_descriptors = Json::array();
  for (const LayerInfo& layer : layers) {
    layer_descriptors.push_back(Descriptor(layer.media_type, layer.digest, layer.size));
  }
  return {
      {"schemaVersion", 2},
      {"mediaType", kMediaTypeManifest},
      {"config", Descriptor(kMediaTypeConfig, config_digest, config_size)},
      {"layers", layer_descriptors},
  };
}

json::Json IndexJson(const ImageInfo& info) {
  Json manifest = Descriptor(kMediaTypeManifest, info.manifest_digest, info.manifest_size);
  manifest["annotations"] = {{kAnnotationRefName, info.ref_name},
                             {kAnnotationContainerdName, info.repo_tag}};
  return {
      {"schemaVersion", 2},
      {"mediaType", kMediaTypeIndex},
      {"manifests", Json::array({manifest})},
  };
}

}  // namespace berth::testimage
