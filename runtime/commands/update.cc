// update: new resource limits for a running container, from flags or a JSON
// file of LinuxResources (runc's -r).
#include <cctype>
#include <cstdio>
#include <iostream>
#include <iterator>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/devices.h"
#include "runtime/commands/commands.h"
#include "runtime/container/container.h"
#include "runtime/spec/parse.h"

namespace berth::runtime {
namespace {

// docker/go-units RAMInBytes: "512", "512k", "1.5g", "-1".
absl::StatusOr<int64_t> ParseBytes(const std::string& flag, const std::string& text) {
  if (text == "-1") return -1;
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return InvalidArgumentf("--{}: invalid size {:?}", flag, text);
  double value = std::strtod(text.substr(0, i).c_str(), nullptr);
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double scale = 1;
  if (unit.empty() || unit == "b") {
    scale = 1;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    scale = 1024.0;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    scale = 1024.0 * 1024;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "t" || unit == "tb" || unit == "tib") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return InvalidArgumentf("--{}: invalid size {:?}", flag, text);
  }
  return static_cast<int64_t>(value * scale);
}

absl::StatusOr<int64_t> ParseInt(const std::string& flag, const std::string& text) {
  std::optional<int64_t> v = ParseInt64(text);
  if (!v) return InvalidArgumentf("--{}: {:?} is not an integer", flag, text);
  return *v;
}

absl::StatusOr<uint64_t> ParseUint(const std::string& flag, const std::string& text) {
  std::optional<uint64_t> v = ParseUint64(text);
  if (!v) return InvalidArgumentf("--{}: {:?} is not a non-negative integer", flag, text);
  return *v;
}

absl::StatusOr<spec::Resources> ResourcesFromFile(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    BERTH_ASSIGN_OR_RETURN(text, ReadFile(path));
  }
  BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(text, path == "-" ? "stdin" : path));
  return spec::ParseResourcesJson(json::View(j, "resources"));
}

absl::StatusOr<spec::Resources> ResourcesFromFlags(const UpdateOptions& o) {
  spec::Resources r;
  auto memory = [&r]() -> spec::Memory& { return r.memory ? *r.memory : r.memory.emplace(); };
  auto cpu = [&r]() -> spec::Cpu& { return r.cpu ? *r.cpu : r.cpu.emplace(); };
  if (o.memory) {
    BERTH_ASSIGN_OR_RETURN(memory().limit, ParseBytes("memory", *o.memory));
  }
  if (o.memory_reservation) {
    BERTH_ASSIGN_OR_RETURN(memory().reservation,
                           ParseBytes("memory-reservation", *o.memory_reservation));
  }
  if (o.memory_swap) {
    BERTH_ASSIGN_OR_RETURN(memory().swap, ParseBytes("memory-swap", *o.memory_swap));
  }
  if (o.kernel_memory) {
    BERTH_ASSIGN_OR_RETURN(memory().kernel, ParseBytes("kernel-memory", *o.kernel_memory));
  }
  if (o.kernel_memory_tcp) {
    BERTH_ASSIGN_OR_RETURN(memory().kernel_tcp,
                           ParseBytes("kernel-memory-tcp", *o.kernel_memory_tcp));
  }
  if (o.cpu_share) {
    BERTH_ASSIGN_OR_RETURN(cpu().shares, ParseUint("cpu-share", *o.cpu_share));
  }
  if (o.cpu_quota) {
    BERTH_ASSIGN_OR_RETURN(cpu().quota, ParseInt("cpu-quota", *o.cpu_quota));
  }
  if (o.cpu_period) {
    BERTH_ASSIGN_OR_RETURN(cpu().period, ParseUint("cpu-period", *o.cpu_period));
  }
  if (o.cpu_rt_runtime) {
    BERTH_ASSIGN_OR_RETURN(cpu().realtime_runtime, ParseInt("cpu-rt-runtime", *o.cpu_rt_runtime));
  }
  if (o.cpu_rt_period) {
    BERTH_ASSIGN_OR_RETURN(cpu().realtime_period, ParseUint("cpu-rt-period", *o.cpu_rt_period));
  }
  if (o.cpuset_cpus) cpu().cpus = *o.cpuset_cpus;
  if (o.cpuset_mems) cpu().mems = *o.cpuset_mems;
  if (o.pids_limit) {
    BERTH_ASSIGN_OR_RETURN(int64_t limit, ParseInt("pids-limit", *o.pids_limit));
    r.pids = spec::Pids{limit};
  }
  if (o.blkio_weight) {
    BERTH_ASSIGN_OR_RETURN(uint64_t weight, ParseUint("blkio-weight", *o.blkio_weight));
    if (weight != 0 && (weight < 10 || weight > 1000)) {
      return InvalidArgumentf("--blkio-weight: {} is outside 10..1000", weight);
    }
    r.block_io.emplace().weight = static_cast<uint16_t>(weight);
  }
  if (o.l3_cache_schema || o.mem_bw_schema) {
    return InvalidArgumentf("Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported");
  }
  return r;
}

bool AnyFlag(const UpdateOptions& o) {
  return o.blkio_weight || o.cpu_period || o.cpu_quota || o.cpu_rt_period || o.cpu_rt_runtime ||
         o.cpu_share || o.cpuset_cpus || o.cpuset_mems || o.kernel_memory ||
         o.kernel_memory_tcp || o.memory || o.memory_reservation || o.memory_swap ||
         o.pids_limit || o.l3_cache_schema || o.mem_bw_schema;
}

}  // namespace

absl::StatusOr<int> Update(const GlobalOptions& g, const UpdateOptions& o) {
  BERTH_ASSIGN_OR_RETURN(container::Container c,
                         container::Container::Load(container::StateStore(g.root), o.id));
  if (c.CurrentStatus() == container::Status::kStopped) {
    return FailedPreconditionf("container {} is not running", o.id);
  }
  if (!o.resources_file.empty() && AnyFlag(o)) {
    return InvalidArgumentf("use either -r FILE or resource flags, not both");
  }
  spec::Resources resources;
  if (!o.resources_file.empty()) {
    BERTH_ASSIGN_OR_RETURN(resources, ResourcesFromFile(o.resources_file));
  } else {
    BERTH_ASSIGN_OR_RETURN(resources, ResourcesFromFlags(o));
  }
  // New device rules get the same defaults as at create.
  if (!resources.devices.empty()) {
    for (const spec::DeviceRule& rule : cgroups::DefaultAllowedDevices()) {
      resources.devices.push_back(rule);
    }
  }
  BERTH_ASSIGN_OR_RETURN(cgroups::Manager * cg, c.Cgroups());
  BERTH_RETURN_IF_ERROR(cg->Apply(resources));
  return 0;
}

}  // namespace berth::runtime
