#include "engined/server/engine.h"

#include <grp.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "engined/api/auth_route.h"
#include "engined/api/commit.h"
#include "engined/api/container_archive_routes.h"
#include "engined/api/container_routes.h"
#include "engined/api/container_update_route.h"
#include "engined/api/event_bus.h"
#include "engined/api/network_routes.h"
#include "engined/api/system_routes.h"
#include "engined/containerd_client/containerd_client.h"
#include "engined/daemon/container_manager.h"
#include "engined/daemon/containerd_supervisor.h"
#include "engined/daemon/exec_manager.h"
#include "engined/http/http.h"
#include "engined/images/image_routes.h"
#include "engined/images/image_service.h"
#include "engined/network/predefined_networks.h"
#include "engined/volumes/volume_json.h"
#include "engined/volumes/volume_routes.h"
#include "engined/volumes/volume_store.h"

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.0.0"
#endif

namespace berth::engined::server {

namespace {

constexpr char kApiVersion[] = "1.43";
constexpr char kMinApiVersion[] = "1.24";

// Images for the container layer: resolved, unpacked, reduced to what a
// container needs.
class ImagesForContainers : public ImageBackend {
 public:
  explicit ImagesForContainers(images::ImageService& images) : images_(images) {}
  absl::StatusOr<ImageForContainer> ImageForCreate(const std::string& ref) override {
    BERTH_ASSIGN_OR_RETURN(images::ResolvedImage image, images_.Resolve(ref));
    BERTH_ASSIGN_OR_RETURN(std::string chain_id, images_.EnsureUnpacked(image));
    nlohmann::json config = image.config.value("config", nlohmann::json::object());
    if (config.is_null()) config = nlohmann::json::object();
    return ImageForContainer{image.id, config, chain_id};
  }

 private:
  images::ImageService& images_;
};

std::map<std::string, std::string> EventAttributes(const Container& c) {
  std::map<std::string, std::string> attrs = {{"name", c.BareName()}, {"image", c.image_name}};
  if (auto it = c.config.find("Labels"); it != c.config.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_string()) attrs[k] = v.get<std::string>();
    }
  }
  return attrs;
}

absl::StatusOr<std::string> UnixPath(const std::string& host) {
  if (host.rfind("unix://", 0) == 0) return host.substr(7);
  if (host.rfind("fd://", 0) == 0)
    return absl::UnimplementedError("fd:// hosts (socket activation) are not supported");
  if (host.rfind("tcp://", 0) == 0) return std::string();
  return InvalidArgumentf("invalid host {:?}: expected unix:///path or tcp://host:port", host);
}

struct TcpAddress {
  std::string host;
  int port = 0;
};

// tcp://HOST:PORT, tcp://[V6]:PORT or tcp://:PORT (every address); the port
// defaults to 2376, docker's TLS port.
absl::StatusOr<TcpAddress> ParseTcpHost(const std::string& host) {
  std::string rest = host.substr(std::string("tcp://").size());
  if (size_t slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  TcpAddress out;
  std::string port = "2376";
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) return InvalidArgumentf("invalid host {:?}: unclosed [", host);
    out.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return InvalidArgumentf("invalid host {:?}", host);
      port = rest.substr(close + 2);
    }
  } else if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    out.host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  } else {
    out.host = rest;
  }
  if (out.host.empty()) out.host = "0.0.0.0";
  char* end = nullptr;
  long n = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || n < 0 || n > 65535) {
    return InvalidArgumentf("invalid host {:?}: bad port {:?}", host, port);
  }
  out.port = static_cast<int>(n);
  return out;
}

}  // namespace

struct Engine::Parts {
  EngineConfig config;
  std::unique_ptr<ContainerdSupervisor> supervisor;
  std::unique_ptr<ContainerdClient> containerd;
  std::unique_ptr<images::ImageService> images;
  std::unique_ptr<ImagesForContainers> image_backend;
  std::unique_ptr<volumes::VolumeStore> volumes;
  std::unique_ptr<network::PredefinedNetworks> networks;
  std::unique_ptr<ContainerStore> store;
  std::unique_ptr<ContainerManager> containers;
  std::unique_ptr<ExecManager> execs;
  api::EventBus events;
  http::Router router;
  std::unique_ptr<http::Server> server;
};

Engine::Engine(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Engine::~Engine() { Shutdown(); }

void Engine::Shutdown() {
  if (!parts_) return;
  if (parts_->server) parts_->server->Shutdown();
  parts_->execs.reset();
  parts_->containers.reset();
  // Our own berth-containerd stops with us; its shims and containers stay.
  if (parts_->supervisor) parts_->supervisor->Stop(/*terminate=*/true);
  if (!parts_->config.pidfile.empty()) ::unlink(parts_->config.pidfile.c_str());
  parts_.reset();
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Start(EngineConfig config) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  if (config.hosts.empty()) config.hosts.push_back("unix:///run/berth/berth.sock");
  for (const std::string& host : config.hosts) {
    BERTH_ASSIGN_OR_RETURN(std::string path, UnixPath(host));
    if (path.empty() && (!config.tls_verify || config.tls_ca.empty() || config.tls_cert.empty() ||
                         config.tls_key.empty())) {
      return InvalidArgumentf(
          "{}: berthd listens on TCP only with TLS (--tlsverify --tlscacert --tlscert --tlskey)",
          host);
    }
    if (path.empty()) BERTH_RETURN_IF_ERROR(ParseTcpHost(host).status());
  }
  BERTH_RETURN_IF_ERROR(MkdirAll(config.data_root, 0711));
  BERTH_RETURN_IF_ERROR(MkdirAll(config.exec_root, 0700));
  if (!config.pidfile.empty()) {
    BERTH_RETURN_IF_ERROR(WriteFileAtomic(config.pidfile, std::to_string(::getpid()) + "\n", 0644));
  }

  std::string socket = config.containerd;
  if (socket.empty()) {
    SupervisorOptions s;
    s.binary = config.containerd_binary;
    s.socket = JoinPath(config.exec_root, "containerd/containerd.sock");
    s.root = JoinPath(config.data_root, "containerd");
    s.state = JoinPath(config.exec_root, "containerd");
    s.log_file = JoinPath(config.data_root, "containerd.log");
    s.log_level = config.log_level;
    p->supervisor = std::make_unique<ContainerdSupervisor>(s);
    BERTH_RETURN_IF_ERROR(p->supervisor->Start());
    socket = s.socket;
  }
  p->containerd = std::make_unique<ContainerdClient>(socket);
  p->images = std::make_unique<images::ImageService>(*p->containerd);
  p->image_backend = std::make_unique<ImagesForContainers>(*p->images);
  BERTH_ASSIGN_OR_RETURN(p->volumes, volumes::VolumeStore::Open(config.data_root));
  BERTH_ASSIGN_OR_RETURN(network::PredefinedNetworks networks,
                         network::PredefinedNetworks::Open(config.data_root));
  p->networks = std::make_unique<network::PredefinedNetworks>(std::move(networks));
  p->store = std::make_unique<ContainerStore>(JoinPath(config.data_root, "containers"));
  ManagerOptions options;
  options.data_root = config.data_root;
  options.init_path = config.init_binary;
  options.default_log_opts = config.log_opts;
  options.default_ulimits = config.default_ulimits;
  for (const network::NetworkRecord& n : p->networks->List()) options.network_ids[n.name] = n.id;
  p->containers = std::make_unique<ContainerManager>(options, *p->containerd, *p->store,
                                                     *p->image_backend, p->volumes.get());
  p->execs = std::make_unique<ExecManager>(*p->containers);
  Parts* raw = p.get();
  p->containers->SetEventSink([raw](const std::string& action, const Container& c,
                                    const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> attrs = EventAttributes(c);
    attrs.insert(extra.begin(), extra.end());
    raw->events.Publish("container", action, c.id, attrs);
  });
  p->images->SetContainersUsing([raw](const std::string& image_id) {
    std::vector<std::string> ids;
    for (const ContainerRef& entry : raw->store->List()) {
      std::lock_guard<std::mutex> lock(entry->mu);
      if (entry->c.image == image_id) ids.push_back(entry->c.id);
    }
    return ids;
  });
  BERTH_RETURN_IF_ERROR(p->containers->Restore());

  api::SystemInfo info;
  info.version = BERTH_VERSION;
  info.api_version = kApiVersion;
  info.min_api_version = kMinApiVersion;
  info.data_root = config.data_root;
  info.containerd_socket = socket;
  info.image_count = [raw] {
    absl::StatusOr<nlohmann::json> list = raw->images->List(false, "", false);
    return list.ok() ? static_cast<int>(list->size()) : 0;
  };
  info.disk_usage_images = [raw] {
    absl::StatusOr<nlohmann::json> du = raw->images->DiskUsage();
    return du.ok() ? *du : nlohmann::json::array();
  };
  info.layers_size = [raw] {
    int64_t size = 0;
    (void)raw->images->DiskUsage(&size);
    return size;
  };
  info.disk_usage_volumes = [raw] {
    nlohmann::json out = nlohmann::json::array();
    absl::StatusOr<std::vector<volumes::VolumeUsage>> usage = raw->volumes->Usage();
    if (!usage.ok()) return out;
    for (const volumes::VolumeUsage& u : *usage)
      out.push_back(volumes::VolumeToApiJson(u.volume, &u));
    return out;
  };
  api::AddSystemRoutes(p->router, info, *p->containers, p->events);
  api::AddAuthRoute(p->router);
  api::AddContainerRoutes(p->router, *p->containers, *p->execs);
  api::AddContainerStreamRoutes(p->router, *p->containers, *p->execs);
  api::AddContainerStatsRoutes(p->router, *p->containers);
  api::AddContainerArchiveRoutes(p->router, *p->containers);
  images::AddImageRoutes(p->router, *p->images);
  api::AddCommitRoute(p->router, *p->containers, *p->images);
  api::AddContainerUpdateRoute(p->router, *p->containers);
  api::AddNetworkRoutes(p->router, *p->networks, *p->containers);
  volumes::AddVolumeRoutes(p->router, *p->volumes);

  http::ServerOptions server_options;
  server_options.api_version = kApiVersion;
  server_options.min_api_version = kMinApiVersion;
  server_options.server_header = std::string("Berth/") + BERTH_VERSION + " (linux)";
  server_options.headers = {
      {"Api-Version", kApiVersion}, {"Docker-Experimental", "false"}, {"Ostype", "linux"}};
  p->server = std::make_unique<http::Server>(p->router, server_options);
  int gid = -1;
  if (!config.group.empty()) {
    struct group* g = ::getgrnam(config.group.c_str());
    if (g == nullptr) return NotFoundf("group {:?} not found (--group)", config.group);
    gid = static_cast<int>(g->gr_gid);
  }
  for (const std::string& host : config.hosts) {
    BERTH_ASSIGN_OR_RETURN(std::string path, UnixPath(host));
    if (path.empty()) {
      BERTH_ASSIGN_OR_RETURN(TcpAddress address, ParseTcpHost(host));
      BERTH_RETURN_IF_ERROR(p->server->ListenTcpTls(address.host, address.port, config.tls_cert,
                                                    config.tls_key, config.tls_ca));
      continue;
    }
    BERTH_RETURN_IF_ERROR(MkdirAll(std::string(path.substr(0, path.rfind('/'))), 0755));
    BERTH_RETURN_IF_ERROR(p->server->ListenUnix(path, 0660, gid));
  }
  BERTH_RETURN_IF_ERROR(p->server->Start());
  log::Infof("berthd {} serving API {} on {}", BERTH_VERSION, kApiVersion, config.hosts[0]);
  return std::unique_ptr<Engine>(new Engine(std::move(p)));
}

}  // namespace berth::engined::server
