#include "runtime/container/create.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/cleanup/cleanup.h"
#include "common/file_util.h"
#include "common/id.h"
#include "common/logger.h"
#include "common/proc.h"
#include "common/status.h"
#include "common/time_util.h"
#include "runtime/cgroups/devices.h"
#include "runtime/cgroups/manager.h"
#include "runtime/container/oci_state.h"
#include "runtime/linux/hooks.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/seccomp_cache.h"
#include "runtime/linux/seccomp_listener.h"
#include "runtime/linux/terminal.h"
#include "runtime/process/launcher.h"
#include "runtime/spec/parse.h"
#include "runtime/spec/validate.h"

namespace berth::runtime::container {
namespace {

absl::StatusOr<std::string> AbsoluteBundle(const std::string& bundle) {
  std::string dir = bundle.empty() ? "." : bundle;
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) == nullptr) {
    return ErrnoErrorf(errno, "bundle {}", dir);
  }
  return std::string(resolved);
}

absl::StatusOr<std::string> ResolveRootfs(const std::string& bundle, const std::string& root) {
  std::string path = root.starts_with("/") ? root : bundle + "/" + root;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    return ErrnoErrorf(errno, "rootfs {}", path);
  }
  struct stat st;
  if (::stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode)) {
    return InvalidArgumentf("rootfs {} is not a directory", resolved);
  }
  return std::string(resolved);
}

std::string HookState(const State& state, const char* status, pid_t pid) {
  return json::Dump(OciStateJson(state.id, status, pid, state.bundle, state.annotations));
}

// The config's device rules, then runc's defaults, so a deny-all first rule
// still leaves /dev/null & co. usable.
spec::Resources ResourcesWithDefaultDevices(const spec::Spec& spec) {
  spec::Resources resources;
  if (spec.linux && spec.linux->resources) resources = *spec.linux->resources;
  for (const spec::DeviceRule& rule : cgroups::DefaultAllowedDevices()) {
    resources.devices.push_back(rule);
  }
  return resources;
}

std::map<std::string, std::string> NamespacePaths(const spec::Spec& spec, pid_t pid) {
  std::map<std::string, std::string> out;
  if (!spec.linux) return out;
  for (const spec::Namespace& ns : spec.linux->namespaces) {
    out[spec::NamespaceTypeName(ns.type)] =
        ns.path.empty() ? fmt::format("/proc/{}/ns/{}", pid, spec::NamespaceProcName(ns.type))
                        : ns.path;
  }
  return out;
}

}  // namespace

absl::Status CheckPreservedFds(uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    int fd = 3 + static_cast<int>(i);
    if (::fcntl(fd, F_GETFD) < 0 || fd == log::OutputFd()) {
      return InvalidArgumentf("--preserve-fds {}: fd {} is not open in the caller", n, fd);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Created> CreateContainer(const GlobalOptions& g, const CreateOptions& o,
                                        bool relay_console) {
  BERTH_RETURN_IF_ERROR(ValidateRuntimeId(o.id));
  BERTH_RETURN_IF_ERROR(CheckPreservedFds(o.preserve_fds));
  BERTH_ASSIGN_OR_RETURN(std::string bundle, AbsoluteBundle(o.bundle));
  BERTH_ASSIGN_OR_RETURN(std::string config_text, ReadFile(bundle + "/config.json"));
  BERTH_ASSIGN_OR_RETURN(spec::Spec spec, spec::ParseSpec(config_text));
  BERTH_RETURN_IF_ERROR(spec::ValidateSpec(spec, {.rootless = geteuid() != 0,
                                                  .systemd_cgroup = g.systemd_cgroup}));
  BERTH_ASSIGN_OR_RETURN(std::string rootfs, ResolveRootfs(bundle, spec.root->path));
  if (spec.process->terminal && o.console_socket.empty() && !relay_console) {
    return InvalidArgumentf(
        "process.terminal is set but no --console-socket was given to receive the pty");
  }
  if (!spec.process->terminal && !o.console_socket.empty()) {
    return InvalidArgumentf("--console-socket given but process.terminal is false");
  }
  // Built here once (or found in the cache) rather than by libseccomp in
  // the container process, which only loads it.
  BERTH_ASSIGN_OR_RETURN(std::optional<linux::SeccompProgram> seccomp_program,
                         linux::SeccompProgramForSpec(spec, g.root));

  StateStore store(g.root);
  BERTH_RETURN_IF_ERROR(store.CreateDir(o.id));
  bool committed = false;
  std::unique_ptr<cgroups::Manager> cgroups;
  absl::Cleanup rollback = [&] {
    if (committed) return;
    if (cgroups) {
      (void)cgroups->SignalAll(SIGKILL);
      (void)cgroups->Destroy();
    }
    (void)store.Remove(o.id);
  };
  BERTH_RETURN_IF_ERROR(store.SaveConfig(o.id, config_text));

  std::string fifo = store.FifoPath(o.id);
  if (::mkfifo(fifo.c_str(), 0622) < 0) return ErrnoErrorf(errno, "mkfifo {}", fifo);
  // O_RDWR never blocks on a fifo; init blocks reading it until start.
  UniqueFd fifo_fd(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
  if (!fifo_fd) return ErrnoErrorf(errno, "open {}", fifo);

  BERTH_ASSIGN_OR_RETURN(cgroups::Layout layout, cgroups::DetectLayout());
  BERTH_ASSIGN_OR_RETURN(cgroups, cgroups::NewManager(layout, {.cgroups_path = spec.linux->cgroups_path,
                                                               .container_id = o.id,
                                                               .systemd = g.systemd_cgroup}));
  BERTH_RETURN_IF_ERROR(cgroups->Create());
  BERTH_RETURN_IF_ERROR(cgroups->Apply(ResourcesWithDefaultDevices(spec)));
  log::Debugf("create {}: cgroups ready", o.id);

  BERTH_ASSIGN_OR_RETURN(linux::NamespacePlan namespaces, linux::PlanNamespaces(spec.linux->namespaces));

  UniqueFd console_socket, console_peer;
  if (spec.process->terminal) {
    if (!o.console_socket.empty()) {
      BERTH_ASSIGN_OR_RETURN(console_socket, linux::ConnectConsoleSocket(o.console_socket));
    } else {
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        return ErrnoErrorf(errno, "socketpair for the console");
      }
      console_socket.reset(pair[0]);
      console_peer.reset(pair[1]);
    }
  }

  State state;
  state.id = o.id;
  state.bundle = bundle;
  state.rootfs = rootfs;
  state.owner_uid = geteuid();
  state.creating = true;
  state.systemd_cgroup = g.systemd_cgroup;
  state.cgroup_paths = cgroups->Paths();
  state.annotations = spec.annotations;

  process::InitConfig init;
  init.spec = &spec;
  init.id = o.id;
  init.bundle = bundle;
  init.rootfs = rootfs;
  init.no_pivot = o.no_pivot;
  init.no_new_keyring = o.no_new_keyring;
  init.preserve_fds = o.preserve_fds;
  init.console_socket_fd = console_socket.get();
  init.fifo_fd = fifo_fd.get();
  init.namespaces = &namespaces;
  init.cgroup_layout = &layout;
  init.cgroup_paths = state.cgroup_paths;
  init.seccomp_program = seccomp_program ? &*seccomp_program : nullptr;

  process::LaunchHooks hooks;
  hooks.runtime_hooks = [&](pid_t pid) -> absl::Status {
    state.pid = pid;
    state.pid_start_time = ProcessStartTime(pid).value_or(0);
    BERTH_RETURN_IF_ERROR(store.Save(state));
    // The deprecated prestart hooks have always been handed "created" (the
    // runtime-tools suite checks it); createRuntime sees "creating".
    BERTH_RETURN_IF_ERROR(
        linux::RunHooks(spec.hooks->prestart, "prestart", HookState(state, "created", pid)));
    return linux::RunHooks(spec.hooks->create_runtime, "createRuntime",
                           HookState(state, "creating", pid));
  };
  hooks.seccomp_listener = [&](int fd, pid_t pid) -> absl::Status {
    const spec::Seccomp& seccomp = *spec.linux->seccomp;
    return linux::SendSeccompListenerFd(seccomp.listener_path, fd, pid, seccomp.listener_metadata,
                                        OciStateJson(o.id, "creating", pid, bundle,
                                                     spec.annotations));
  };
  BERTH_ASSIGN_OR_RETURN(process::Launched launched,
                         process::LaunchContainer(init, cgroups.get(), hooks));

  log::Debugf("create {}: init {} waits for start", o.id, launched.init_pid);
  state.pid = launched.init_pid;
  BERTH_ASSIGN_OR_RETURN(state.pid_start_time, ProcessStartTime(launched.init_pid));
  state.created = NowRfc3339Nano();
  state.creating = false;
  state.namespace_paths = NamespacePaths(spec, launched.init_pid);
  BERTH_RETURN_IF_ERROR(store.Save(state));
  if (!o.pid_file.empty()) {
    BERTH_RETURN_IF_ERROR(WriteFileAtomic(o.pid_file, std::to_string(launched.init_pid), 0644,
                                          Durability::kProcessCrash));
  }

  Created created;
  if (console_peer) {
    BERTH_ASSIGN_OR_RETURN(created.console, linux::ReceiveFd(console_peer.get()));
  }
  committed = true;
  created.state = std::move(state);
  created.spec = std::move(spec);
  created.child = std::move(launched.child);
  return created;
}

absl::Status StartContainer(const StateStore& store, const State& state, const spec::Spec& spec) {
  std::string fifo = store.FifoPath(state.id);
  UniqueFd fd(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENXIO) {
      return FailedPreconditionf("container {}: init process is gone (exec fifo has no reader)",
                                 state.id);
    }
    return ErrnoErrorf(errno, "open {}", fifo);
  }
  // Gone fifo = started, for every later `state`.
  if (::unlink(fifo.c_str()) < 0) return ErrnoErrorf(errno, "remove {}", fifo);
  char byte = '0';
  if (::write(fd.get(), &byte, 1) != 1) return ErrnoErrorf(errno, "write {}", fifo);
  if (spec.hooks && !spec.hooks->poststart.empty()) {
    // poststart hooks run once the program is executing (spec): init's end
    // of the fifo is close-on-exec, and a fifo writer sees POLLERR when the
    // last reader is gone.
    struct pollfd pfd = {fd.get(), 0, 0};
    while (!(pfd.revents & (POLLERR | POLLHUP))) {
      if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) return ErrnoErrorf(errno, "poll {}", fifo);
    }
    linux::RunHooksWarnOnly(spec.hooks->poststart, "poststart",
                            HookState(state, "running", state.pid));
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::container
