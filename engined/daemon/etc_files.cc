#include "engined/daemon/etc_files.h"

#include <fmt/format.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined {

namespace {

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> StringList(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

bool HostNetwork(const nlohmann::json& host_config) {
  return StringField(host_config, "NetworkMode") == "host";
}

constexpr char kDefaultHosts[] =
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n";

// The host's resolv.conf with Dns / DnsSearch / DnsOptions replacing its
// nameserver / search / options lines.
std::string ResolvConf(const std::string& host_text, const nlohmann::json& host_config) {
  std::vector<std::string> dns = StringList(host_config, "Dns");
  std::vector<std::string> search = StringList(host_config, "DnsSearch");
  std::vector<std::string> options = StringList(host_config, "DnsOptions");
  std::string out;
  for (std::string_view line : Split(host_text, '\n')) {
    std::string_view t = TrimSpace(line);
    if (!dns.empty() && t.rfind("nameserver", 0) == 0) continue;
    if (!search.empty() && (t.rfind("search", 0) == 0 || t.rfind("domain", 0) == 0)) continue;
    if (!options.empty() && t.rfind("options", 0) == 0) continue;
    if (t.empty()) continue;
    out += std::string(line) + "\n";
  }
  for (const std::string& d : dns) out += "nameserver " + d + "\n";
  if (!search.empty()) out += "search " + Join(search, " ") + "\n";
  if (!options.empty()) out += "options " + Join(options, " ") + "\n";
  return out;
}

}  // namespace

std::string ContainerHostname(const nlohmann::json& config, const nlohmann::json& host_config,
                              const std::string& id) {
  std::string name = StringField(config, "Hostname");
  if (!name.empty()) return name;
  if (HostNetwork(host_config)) {
    char buf[256] = {};
    if (gethostname(buf, sizeof(buf) - 1) == 0) return buf;
  }
  return id.substr(0, 12);
}

absl::StatusOr<EtcFiles> WriteEtcFiles(const std::string& dir, const nlohmann::json& config,
                                       const nlohmann::json& host_config,
                                       const std::string& host_etc) {
  EtcFiles files{JoinPath(dir, "hostname"), JoinPath(dir, "hosts"), JoinPath(dir, "resolv.conf")};
  std::string hostname = ContainerHostname(config, host_config, "");
  // Written again at every start, so a crash-safe rename is enough: no
  // fsync (dockerd writes them without one too), which cost two per file
  // on the start path.
  BERTH_RETURN_IF_ERROR(
      WriteFileAtomic(files.hostname_path, hostname + "\n", 0644, Durability::kProcessCrash));

  std::string hosts;
  if (HostNetwork(host_config)) {
    absl::StatusOr<std::string> host_hosts = ReadFile(JoinPath(host_etc, "hosts"));
    hosts = host_hosts.ok() ? *host_hosts : kDefaultHosts;
    if (!hosts.empty() && hosts.back() != '\n') hosts += '\n';
  } else {
    hosts = kDefaultHosts;
  }
  for (const std::string& extra : StringList(host_config, "ExtraHosts")) {
    // "name:ip" (docker's --add-host); the ip may itself hold colons.
    auto [host, ip] = SplitOnce(extra, ':');
    if (!ip.has_value() || host.empty() || ip->empty()) {
      return InvalidArgumentf("invalid extra host {:?}: expected host:ip", extra);
    }
    hosts += fmt::format("{}\t{}\n", *ip, host);
  }
  BERTH_RETURN_IF_ERROR(WriteFileAtomic(files.hosts_path, hosts, 0644, Durability::kProcessCrash));

  absl::StatusOr<std::string> host_resolv = ReadFile(JoinPath(host_etc, "resolv.conf"));
  BERTH_RETURN_IF_ERROR(WriteFileAtomic(
      files.resolv_conf_path, ResolvConf(host_resolv.ok() ? *host_resolv : "", host_config), 0644,
      Durability::kProcessCrash));
  return files;
}

}  // namespace berth::engined
