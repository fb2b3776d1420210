#include "runtime/spec/parse.h"

#include <sched.h>

#include "common/status.h"

namespace berth::runtime::spec {
namespace {

using json::View;

// Parses an optional array member with `parse_one` for each element.
template <typename T, typename F>
absl::Status ParseArray(const View& parent, std::string_view key, std::vector<T>* out,
                        F parse_one) {
  std::optional<View> arr = parent.Member(key);
  if (!arr) return absl::OkStatus();
  BERTH_RETURN_IF_ERROR(arr->ExpectArray());
  out->clear();
  for (size_t i = 0; i < arr->Size(); ++i) {
    View item = arr->At(i);
    T value{};
    BERTH_RETURN_IF_ERROR(parse_one(item, &value));
    out->push_back(std::move(value));
  }
  return absl::OkStatus();
}

absl::Status ParseIdMapping(const View& v, IdMapping* m) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("containerID", &m->container_id));
  BERTH_RETURN_IF_ERROR(v.Require("hostID", &m->host_id));
  BERTH_RETURN_IF_ERROR(v.Require("size", &m->size));
  return absl::OkStatus();
}

absl::Status ParseUint32Array(const View& parent, std::string_view key,
                              std::vector<uint32_t>* out) {
  return ParseArray(parent, key, out, [](const View& v, uint32_t* x) { return v.To(x); });
}

absl::Status ParseCapabilities(const View& v, Capabilities* caps) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Get("bounding", &caps->bounding));
  BERTH_RETURN_IF_ERROR(v.Get("effective", &caps->effective));
  BERTH_RETURN_IF_ERROR(v.Get("inheritable", &caps->inheritable));
  BERTH_RETURN_IF_ERROR(v.Get("permitted", &caps->permitted));
  BERTH_RETURN_IF_ERROR(v.Get("ambient", &caps->ambient));
  return absl::OkStatus();
}

absl::Status ParseRlimit(const View& v, Rlimit* r) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("type", &r->type));
  BERTH_RETURN_IF_ERROR(v.Require("hard", &r->hard));
  BERTH_RETURN_IF_ERROR(v.Require("soft", &r->soft));
  return absl::OkStatus();
}

absl::Status ParseScheduler(const View& v, Scheduler* s) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("policy", &s->policy));
  BERTH_RETURN_IF_ERROR(v.Get("nice", &s->nice));
  BERTH_RETURN_IF_ERROR(v.Get("priority", &s->priority));
  BERTH_RETURN_IF_ERROR(v.Get("flags", &s->flags));
  BERTH_RETURN_IF_ERROR(v.Get("runtime", &s->runtime));
  BERTH_RETURN_IF_ERROR(v.Get("deadline", &s->deadline));
  BERTH_RETURN_IF_ERROR(v.Get("period", &s->period));
  return absl::OkStatus();
}

absl::Status ParseHook(const View& v, Hook* h) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("path", &h->path));
  BERTH_RETURN_IF_ERROR(v.Get("args", &h->args));
  BERTH_RETURN_IF_ERROR(v.Get("env", &h->env));
  BERTH_RETURN_IF_ERROR(v.Get("timeout", &h->timeout));
  return absl::OkStatus();
}

absl::Status ParseHooks(const View& v, Hooks* hooks) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(ParseArray(v, "prestart", &hooks->prestart, ParseHook));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "createRuntime", &hooks->create_runtime, ParseHook));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "createContainer", &hooks->create_container, ParseHook));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "startContainer", &hooks->start_container, ParseHook));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "poststart", &hooks->poststart, ParseHook));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "poststop", &hooks->poststop, ParseHook));
  return absl::OkStatus();
}

absl::Status ParseMount(const View& v, Mount* m) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("destination", &m->destination));
  BERTH_RETURN_IF_ERROR(v.Get("type", &m->type));
  BERTH_RETURN_IF_ERROR(v.Get("source", &m->source));
  BERTH_RETURN_IF_ERROR(v.Get("options", &m->options));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "uidMappings", &m->uid_mappings, ParseIdMapping));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "gidMappings", &m->gid_mappings, ParseIdMapping));
  return absl::OkStatus();
}

absl::Status ParseNamespace(const View& v, Namespace* ns) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  std::string type;
  BERTH_RETURN_IF_ERROR(v.Require("type", &type));
  static constexpr std::pair<std::string_view, NamespaceType> kTypes[] = {
      {"pid", NamespaceType::kPid},       {"network", NamespaceType::kNetwork},
      {"mount", NamespaceType::kMount},   {"ipc", NamespaceType::kIpc},
      {"uts", NamespaceType::kUts},       {"user", NamespaceType::kUser},
      {"cgroup", NamespaceType::kCgroup}, {"time", NamespaceType::kTime},
  };
  bool found = false;
  for (const auto& [name, t] : kTypes) {
    if (name == type) {
      ns->type = t;
      found = true;
    }
  }
  if (!found) return v.Member("type")->Error(fmt::format("unknown namespace {:?}", type));
  BERTH_RETURN_IF_ERROR(v.Get("path", &ns->path));
  return absl::OkStatus();
}

absl::Status ParseDevice(const View& v, Device* d) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("path", &d->path));
  BERTH_RETURN_IF_ERROR(v.Require("type", &d->type));
  BERTH_RETURN_IF_ERROR(v.Get("major", &d->major));
  BERTH_RETURN_IF_ERROR(v.Get("minor", &d->minor));
  BERTH_RETURN_IF_ERROR(v.Get("fileMode", &d->file_mode));
  BERTH_RETURN_IF_ERROR(v.Get("uid", &d->uid));
  BERTH_RETURN_IF_ERROR(v.Get("gid", &d->gid));
  return absl::OkStatus();
}

absl::Status ParseDeviceRule(const View& v, DeviceRule* r) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("allow", &r->allow));
  BERTH_RETURN_IF_ERROR(v.Get("type", &r->type));
  BERTH_RETURN_IF_ERROR(v.Get("major", &r->major));
  BERTH_RETURN_IF_ERROR(v.Get("minor", &r->minor));
  BERTH_RETURN_IF_ERROR(v.Get("access", &r->access));
  return absl::OkStatus();
}

absl::Status ParseMemory(const View& v, Memory* m) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Get("limit", &m->limit));
  BERTH_RETURN_IF_ERROR(v.Get("reservation", &m->reservation));
  BERTH_RETURN_IF_ERROR(v.Get("swap", &m->swap));
  BERTH_RETURN_IF_ERROR(v.Get("kernel", &m->kernel));
  BERTH_RETURN_IF_ERROR(v.Get("kernelTCP", &m->kernel_tcp));
  BERTH_RETURN_IF_ERROR(v.Get("swappiness", &m->swappiness));
  BERTH_RETURN_IF_ERROR(v.Get("disableOOMKiller", &m->disable_oom_killer));
  BERTH_RETURN_IF_ERROR(v.Get("useHierarchy", &m->use_hierarchy));
  BERTH_RETURN_IF_ERROR(v.Get("checkBeforeUpdate", &m->check_before_update));
  return absl::OkStatus();
}

absl::Status ParseCpu(const View& v, Cpu* c) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Get("shares", &c->shares));
  BERTH_RETURN_IF_ERROR(v.Get("quota", &c->quota));
  BERTH_RETURN_IF_ERROR(v.Get("burst", &c->burst));
  BERTH_RETURN_IF_ERROR(v.Get("period", &c->period));
  BERTH_RETURN_IF_ERROR(v.Get("realtimeRuntime", &c->realtime_runtime));
  BERTH_RETURN_IF_ERROR(v.Get("realtimePeriod", &c->realtime_period));
  BERTH_RETURN_IF_ERROR(v.Get("cpus", &c->cpus));
  BERTH_RETURN_IF_ERROR(v.Get("mems", &c->mems));
  BERTH_RETURN_IF_ERROR(v.Get("idle", &c->idle));
  return absl::OkStatus();
}

absl::Status ParseThrottle(const View& v, ThrottleDevice* t) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("major", &t->major));
  BERTH_RETURN_IF_ERROR(v.Require("minor", &t->minor));
  BERTH_RETURN_IF_ERROR(v.Require("rate", &t->rate));
  return absl::OkStatus();
}

absl::Status ParseWeightDevice(const View& v, WeightDevice* w) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("major", &w->major));
  BERTH_RETURN_IF_ERROR(v.Require("minor", &w->minor));
  BERTH_RETURN_IF_ERROR(v.Get("weight", &w->weight));
  BERTH_RETURN_IF_ERROR(v.Get("leafWeight", &w->leaf_weight));
  return absl::OkStatus();
}

absl::Status ParseBlockIo(const View& v, BlockIo* b) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Get("weight", &b->weight));
  BERTH_RETURN_IF_ERROR(v.Get("leafWeight", &b->leaf_weight));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "weightDevice", &b->weight_device, ParseWeightDevice));
  BERTH_RETURN_IF_ERROR(
      ParseArray(v, "throttleReadBpsDevice", &b->throttle_read_bps_device, ParseThrottle));
  BERTH_RETURN_IF_ERROR(
      ParseArray(v, "throttleWriteBpsDevice", &b->throttle_write_bps_device, ParseThrottle));
  BERTH_RETURN_IF_ERROR(
      ParseArray(v, "throttleReadIOPSDevice", &b->throttle_read_iops_device, ParseThrottle));
  BERTH_RETURN_IF_ERROR(
      ParseArray(v, "throttleWriteIOPSDevice", &b->throttle_write_iops_device, ParseThrottle));
  return absl::OkStatus();
}

absl::Status ParseResources(const View& v, Resources* r) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(ParseArray(v, "devices", &r->devices, ParseDeviceRule));
  if (auto m = v.Member("memory")) BERTH_RETURN_IF_ERROR(ParseMemory(*m, &r->memory.emplace()));
  if (auto c = v.Member("cpu")) BERTH_RETURN_IF_ERROR(ParseCpu(*c, &r->cpu.emplace()));
  if (auto p = v.Member("pids")) {
    BERTH_RETURN_IF_ERROR(p->ExpectObject());
    BERTH_RETURN_IF_ERROR(p->Require("limit", &r->pids.emplace().limit));
  }
  if (auto b = v.Member("blockIO")) BERTH_RETURN_IF_ERROR(ParseBlockIo(*b, &r->block_io.emplace()));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "hugepageLimits", &r->hugepage_limits,
                                   [](const View& h, HugepageLimit* out) {
                                     BERTH_RETURN_IF_ERROR(h.ExpectObject());
                                     BERTH_RETURN_IF_ERROR(h.Require("pageSize", &out->page_size));
                                     return h.Require("limit", &out->limit);
                                   }));
  if (auto n = v.Member("network")) {
    BERTH_RETURN_IF_ERROR(n->ExpectObject());
    Network& net = r->network.emplace();
    BERTH_RETURN_IF_ERROR(n->Get("classID", &net.class_id));
    BERTH_RETURN_IF_ERROR(ParseArray(*n, "priorities", &net.priorities,
                                     [](const View& p, InterfacePriority* out) {
                                       BERTH_RETURN_IF_ERROR(p.ExpectObject());
                                       BERTH_RETURN_IF_ERROR(p.Require("name", &out->name));
                                       return p.Require("priority", &out->priority);
                                     }));
  }
  if (auto rdma = v.Member("rdma")) {
    BERTH_RETURN_IF_ERROR(rdma->ExpectObject());
    for (const std::string& key : rdma->Keys()) {
      std::optional<View> dev = rdma->Member(key);
      if (!dev) continue;
      BERTH_RETURN_IF_ERROR(dev->ExpectObject());
      Rdma& out = r->rdma[key];
      BERTH_RETURN_IF_ERROR(dev->Get("hcaHandles", &out.hca_handles));
      BERTH_RETURN_IF_ERROR(dev->Get("hcaObjects", &out.hca_objects));
    }
  }
  BERTH_RETURN_IF_ERROR(v.Get("unified", &r->unified));
  return absl::OkStatus();
}

absl::Status ParseSeccomp(const View& v, Seccomp* s) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(v.Require("defaultAction", &s->default_action));
  BERTH_RETURN_IF_ERROR(v.Get("defaultErrnoRet", &s->default_errno_ret));
  BERTH_RETURN_IF_ERROR(v.Get("architectures", &s->architectures));
  BERTH_RETURN_IF_ERROR(v.Get("flags", &s->flags));
  BERTH_RETURN_IF_ERROR(v.Get("listenerPath", &s->listener_path));
  BERTH_RETURN_IF_ERROR(v.Get("listenerMetadata", &s->listener_metadata));
  return ParseArray(v, "syscalls", &s->syscalls, [](const View& sv, SeccompSyscall* sc) {
    BERTH_RETURN_IF_ERROR(sv.ExpectObject());
    BERTH_RETURN_IF_ERROR(sv.Require("names", &sc->names));
    BERTH_RETURN_IF_ERROR(sv.Require("action", &sc->action));
    BERTH_RETURN_IF_ERROR(sv.Get("errnoRet", &sc->errno_ret));
    return ParseArray(sv, "args", &sc->args, [](const View& av, SeccompArg* a) {
      BERTH_RETURN_IF_ERROR(av.ExpectObject());
      BERTH_RETURN_IF_ERROR(av.Require("index", &a->index));
      BERTH_RETURN_IF_ERROR(av.Require("value", &a->value));
      BERTH_RETURN_IF_ERROR(av.Get("valueTwo", &a->value_two));
      return av.Require("op", &a->op);
    });
  });
}

absl::Status ParseLinux(const View& v, Linux* l) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  BERTH_RETURN_IF_ERROR(ParseArray(v, "uidMappings", &l->uid_mappings, ParseIdMapping));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "gidMappings", &l->gid_mappings, ParseIdMapping));
  BERTH_RETURN_IF_ERROR(v.Get("sysctl", &l->sysctl));
  if (auto r = v.Member("resources")) {
    BERTH_RETURN_IF_ERROR(ParseResources(*r, &l->resources.emplace()));
  }
  BERTH_RETURN_IF_ERROR(v.Get("cgroupsPath", &l->cgroups_path));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "namespaces", &l->namespaces, ParseNamespace));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "devices", &l->devices, ParseDevice));
  if (auto s = v.Member("seccomp")) BERTH_RETURN_IF_ERROR(ParseSeccomp(*s, &l->seccomp.emplace()));
  BERTH_RETURN_IF_ERROR(v.Get("rootfsPropagation", &l->rootfs_propagation));
  BERTH_RETURN_IF_ERROR(v.Get("maskedPaths", &l->masked_paths));
  BERTH_RETURN_IF_ERROR(v.Get("readonlyPaths", &l->readonly_paths));
  BERTH_RETURN_IF_ERROR(v.Get("mountLabel", &l->mount_label));
  if (auto rdt = v.Member("intelRdt")) {
    BERTH_RETURN_IF_ERROR(rdt->ExpectObject());
    IntelRdt& out = l->intel_rdt.emplace();
    BERTH_RETURN_IF_ERROR(rdt->Get("closID", &out.clos_id));
    BERTH_RETURN_IF_ERROR(rdt->Get("l3CacheSchema", &out.l3_cache_schema));
    BERTH_RETURN_IF_ERROR(rdt->Get("memBwSchema", &out.mem_bw_schema));
  }
  if (auto p = v.Member("personality")) {
    BERTH_RETURN_IF_ERROR(p->ExpectObject());
    Personality& out = l->personality.emplace();
    BERTH_RETURN_IF_ERROR(p->Require("domain", &out.domain));
    BERTH_RETURN_IF_ERROR(p->Get("flags", &out.flags));
  }
  if (auto t = v.Member("timeOffsets")) {
    BERTH_RETURN_IF_ERROR(t->ExpectObject());
    for (const std::string& clock : t->Keys()) {
      std::optional<View> off = t->Member(clock);
      if (!off) continue;
      BERTH_RETURN_IF_ERROR(off->ExpectObject());
      TimeOffset& out = l->time_offsets[clock];
      BERTH_RETURN_IF_ERROR(off->Get("secs", &out.secs));
      BERTH_RETURN_IF_ERROR(off->Get("nanosecs", &out.nanosecs));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Process> ParseProcessJson(const View& v) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Process p;
  BERTH_RETURN_IF_ERROR(v.Get("terminal", &p.terminal));
  if (auto cs = v.Member("consoleSize")) {
    BERTH_RETURN_IF_ERROR(cs->ExpectObject());
    ConsoleSize& size = p.console_size.emplace();
    BERTH_RETURN_IF_ERROR(cs->Require("height", &size.height));
    BERTH_RETURN_IF_ERROR(cs->Require("width", &size.width));
  }
  if (auto u = v.Member("user")) {
    BERTH_RETURN_IF_ERROR(u->ExpectObject());
    BERTH_RETURN_IF_ERROR(u->Get("uid", &p.user.uid));
    BERTH_RETURN_IF_ERROR(u->Get("gid", &p.user.gid));
    BERTH_RETURN_IF_ERROR(u->Get("umask", &p.user.umask));
    BERTH_RETURN_IF_ERROR(ParseUint32Array(*u, "additionalGids", &p.user.additional_gids));
  }
  BERTH_RETURN_IF_ERROR(v.Get("args", &p.args));
  BERTH_RETURN_IF_ERROR(v.Get("env", &p.env));
  BERTH_RETURN_IF_ERROR(v.Get("cwd", &p.cwd));
  if (auto c = v.Member("capabilities")) {
    BERTH_RETURN_IF_ERROR(ParseCapabilities(*c, &p.capabilities.emplace()));
  }
  BERTH_RETURN_IF_ERROR(ParseArray(v, "rlimits", &p.rlimits, ParseRlimit));
  BERTH_RETURN_IF_ERROR(v.Get("noNewPrivileges", &p.no_new_privileges));
  BERTH_RETURN_IF_ERROR(v.Get("apparmorProfile", &p.apparmor_profile));
  BERTH_RETURN_IF_ERROR(v.Get("oomScoreAdj", &p.oom_score_adj));
  if (auto s = v.Member("scheduler")) {
    BERTH_RETURN_IF_ERROR(ParseScheduler(*s, &p.scheduler.emplace()));
  }
  BERTH_RETURN_IF_ERROR(v.Get("selinuxLabel", &p.selinux_label));
  if (auto io = v.Member("ioPriority")) {
    BERTH_RETURN_IF_ERROR(io->ExpectObject());
    IoPriority& prio = p.io_priority.emplace();
    BERTH_RETURN_IF_ERROR(io->Require("class", &prio.io_class));
    BERTH_RETURN_IF_ERROR(io->Get("priority", &prio.priority));
  }
  return p;
}

absl::StatusOr<Resources> ParseResourcesJson(const View& v) {
  Resources r;
  BERTH_RETURN_IF_ERROR(ParseResources(v, &r));
  return r;
}

absl::StatusOr<Spec> ParseSpecJson(const json::Json& j) {
  View v(j, "");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Spec spec;
  BERTH_RETURN_IF_ERROR(v.Get("ociVersion", &spec.oci_version));
  if (auto p = v.Member("process")) {
    BERTH_ASSIGN_OR_RETURN(spec.process, ParseProcessJson(*p));
  }
  if (auto r = v.Member("root")) {
    BERTH_RETURN_IF_ERROR(r->ExpectObject());
    Root& root = spec.root.emplace();
    BERTH_RETURN_IF_ERROR(r->Require("path", &root.path));
    BERTH_RETURN_IF_ERROR(r->Get("readonly", &root.readonly));
  }
  BERTH_RETURN_IF_ERROR(v.Get("hostname", &spec.hostname));
  BERTH_RETURN_IF_ERROR(v.Get("domainname", &spec.domainname));
  BERTH_RETURN_IF_ERROR(ParseArray(v, "mounts", &spec.mounts, ParseMount));
  if (auto h = v.Member("hooks")) BERTH_RETURN_IF_ERROR(ParseHooks(*h, &spec.hooks.emplace()));
  BERTH_RETURN_IF_ERROR(v.Get("annotations", &spec.annotations));
  if (auto l = v.Member("linux")) BERTH_RETURN_IF_ERROR(ParseLinux(*l, &spec.linux.emplace()));
  return spec;
}

absl::StatusOr<Spec> ParseSpec(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(text, "config.json"));
  return ParseSpecJson(j);
}

const char* NamespaceTypeName(NamespaceType type) {
  switch (type) {
    case NamespaceType::kPid:
      return "pid";
    case NamespaceType::kNetwork:
      return "network";
    case NamespaceType::kMount:
      return "mount";
    case NamespaceType::kIpc:
      return "ipc";
    case NamespaceType::kUts:
      return "uts";
    case NamespaceType::kUser:
      return "user";
    case NamespaceType::kCgroup:
      return "cgroup";
    case NamespaceType::kTime:
      return "time";
  }
  return "?";
}

const char* NamespaceProcName(NamespaceType type) {
  switch (type) {
    case NamespaceType::kPid:
      return "pid";
    case NamespaceType::kNetwork:
      return "net";
    case NamespaceType::kMount:
      return "mnt";
    case NamespaceType::kIpc:
      return "ipc";
    case NamespaceType::kUts:
      return "uts";
    case NamespaceType::kUser:
      return "user";
    case NamespaceType::kCgroup:
      return "cgroup";
    case NamespaceType::kTime:
      return "time";
  }
  return "?";
}

int NamespaceCloneFlag(NamespaceType type) {
  switch (type) {
    case NamespaceType::kPid:
      return CLONE_NEWPID;
    case NamespaceType::kNetwork:
      return CLONE_NEWNET;
    case NamespaceType::kMount:
      return CLONE_NEWNS;
    case NamespaceType::kIpc:
      return CLONE_NEWIPC;
    case NamespaceType::kUts:
      return CLONE_NEWUTS;
    case NamespaceType::kUser:
      return CLONE_NEWUSER;
    case NamespaceType::kCgroup:
      return CLONE_NEWCGROUP;
    case NamespaceType::kTime:
      return CLONE_NEWTIME;
  }
  return 0;
}

}  // namespace berth::runtime::spec
