#include "runtime/cli.h"

#include <seccomp.h>
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "common/logger.h"
#include "common/status.h"
#include "runtime/commands/commands.h"
#include "runtime/process/self_clone.h"
#include "runtime/spec/spec.h"

namespace berth::runtime {
namespace {

std::string VersionText() {
  const scmp_version* v = seccomp_version();
  return fmt::format("berth-runtime version {}\nspec: {}\nlibseccomp: {}.{}.{}\n", BERTH_VERSION,
                     spec::kOciVersion, v->major, v->minor, v->micro);
}

std::string DefaultRoot() {
  if (geteuid() == 0) return "/run/berth/runtime";
  const char* xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/berth-runtime";
  return fmt::format("/tmp/berth-runtime-{}", geteuid());
}

// Reports an error the way callers of runc expect: one line on stderr and,
// when --log points elsewhere, one record there (JSON with --log-format json)
// that containerd-style shims read back as the cause.
int ReportError(const GlobalOptions& g, const absl::Status& status) {
  std::string message(status.message());
  if (!g.log.empty()) log::Write(log::Level::kError, message);
  std::fprintf(stderr, "berth-runtime: %s\n", message.c_str());
  return 1;
}

void AddCreateFlags(CLI::App* cmd, CreateOptions* o) {
  cmd->add_option("-b,--bundle", o->bundle, "path to the root of the bundle directory");
  cmd->add_option("--console-socket", o->console_socket,
                  "path to an AF_UNIX socket which will receive the pty master fd");
  cmd->add_option("--pid-file", o->pid_file, "file to write the process id to");
  cmd->add_flag("--no-pivot", o->no_pivot, "do not use pivot_root (MS_MOVE + chroot instead)");
  cmd->add_flag("--no-new-keyring", o->no_new_keyring,
                "do not create a new session keyring for the container");
  cmd->add_option("--preserve-fds", o->preserve_fds,
                  "pass N additional file descriptors to the container (stdio + N)");
  cmd->add_option("container-id", o->id, "container id")->required();
}

}  // namespace

int RunCli(int argc, char** argv) {
  GlobalOptions g;
  CLI::App app{"berth-runtime: an OCI runtime with runc's command line", "berth-runtime"};
  app.set_version_flag("-v,--version", VersionText());
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--root", g.root, "root directory for storage of container state");
  app.add_option("--log", g.log, "log file for the runtime (default: stderr)");
  app.add_option("--log-format", g.log_format, "log format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "enable debug logging");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup,
               "manage cgroups through systemd (cgroupsPath is slice:prefix:name)");
  app.add_option("--rootless", g.rootless, "rootless mode: true, false or auto");
  app.add_option("--criu", "ignored: checkpoint/restore is not supported");

  CreateOptions create_opts;
  auto* create = app.add_subcommand("create", "create a container");
  AddCreateFlags(create, &create_opts);

  CreateOptions run_opts;
  auto* run = app.add_subcommand("run", "create and run a container");
  AddCreateFlags(run, &run_opts);
  run->add_flag("-d,--detach", run_opts.detach, "detach from the container's process");
  run->add_flag("--keep", run_opts.keep, "do not delete the container after it exits");

  std::string start_id;
  auto* start = app.add_subcommand("start", "start the user process of a created container");
  start->add_option("container-id", start_id)->required();

  std::string state_id;
  auto* state = app.add_subcommand("state", "output the state of a container");
  state->add_option("container-id", state_id)->required();

  KillOptions kill_opts;
  auto* kill = app.add_subcommand("kill", "send a signal to the container's init process");
  kill->add_flag("-a,--all", kill_opts.all, "send the signal to all processes in the container");
  kill->add_option("container-id", kill_opts.id)->required();
  kill->add_option("signal", kill_opts.signal, "signal name or number (default SIGTERM)");

  DeleteOptions delete_opts;
  auto* del = app.add_subcommand("delete", "delete a container and the resources it holds");
  del->add_flag("-f,--force", delete_opts.force,
                "forcibly delete a running container (SIGKILL first)");
  del->add_option("container-id", delete_opts.id)->required();

  ListOptions list_opts;
  auto* list = app.add_subcommand("list", "list containers under --root");
  list->add_option("-f,--format", list_opts.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->add_flag("-q,--quiet", list_opts.quiet, "display only container ids");

  PsOptions ps_opts;
  auto* ps = app.add_subcommand("ps", "display the processes running inside a container");
  ps->add_option("-f,--format", ps_opts.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  ps->add_option("container-id", ps_opts.id)->required();
  ps->add_option("ps-options", ps_opts.ps_args, "options for ps (default -ef)");
  ps->allow_extras();

  std::string pause_id, resume_id;
  auto* pause = app.add_subcommand("pause", "suspend all processes of a container");
  pause->add_option("container-id", pause_id)->required();
  auto* resume = app.add_subcommand("resume", "resume all processes of a paused container");
  resume->add_option("container-id", resume_id)->required();

  EventsOptions events_opts;
  auto* events = app.add_subcommand("events", "display container events and statistics");
  events->add_flag("--stats", events_opts.stats, "display the container's stats once, then exit");
  events->add_option("--interval", events_opts.interval, "stats collection interval (default 5s)");
  events->add_option("container-id", events_opts.id)->required();

  UpdateOptions update_opts;
  auto* update = app.add_subcommand("update", "update the resource limits of a container");
  update->add_option("-r,--resources", update_opts.resources_file,
                     "path to a JSON file with the new resources (- for stdin)");
  update->add_option("--blkio-weight", update_opts.blkio_weight, "block IO weight (10-1000)");
  update->add_option("--cpu-period", update_opts.cpu_period, "CPU CFS period in microseconds");
  update->add_option("--cpu-quota", update_opts.cpu_quota, "CPU CFS quota in microseconds");
  update->add_option("--cpu-rt-period", update_opts.cpu_rt_period, "CPU realtime period (us)");
  update->add_option("--cpu-rt-runtime", update_opts.cpu_rt_runtime, "CPU realtime runtime (us)");
  update->add_option("--cpu-share", update_opts.cpu_share, "CPU shares (relative weight)");
  update->add_option("--cpuset-cpus", update_opts.cpuset_cpus, "CPUs to use (0-3, 0,1)");
  update->add_option("--cpuset-mems", update_opts.cpuset_mems, "memory nodes to use");
  update->add_option("--kernel-memory", update_opts.kernel_memory, "kernel memory limit");
  update->add_option("--kernel-memory-tcp", update_opts.kernel_memory_tcp,
                     "kernel TCP buffer memory limit");
  update->add_option("--memory", update_opts.memory, "memory limit (bytes or with k/m/g)");
  update->add_option("--memory-reservation", update_opts.memory_reservation,
                     "memory soft limit");
  update->add_option("--memory-swap", update_opts.memory_swap,
                     "total memory + swap limit (-1 for unlimited)");
  update->add_option("--pids-limit", update_opts.pids_limit, "maximum number of pids");
  update->add_option("--l3-cache-schema", update_opts.l3_cache_schema, "Intel RDT L3 schema");
  update->add_option("--mem-bw-schema", update_opts.mem_bw_schema, "Intel RDT MBA schema");
  update->add_option("container-id", update_opts.id)->required();

  ExecOptions exec_opts;
  auto* exec = app.add_subcommand("exec", "execute a new process inside a container");
  exec->add_option("-p,--process", exec_opts.process_file, "path to a process.json");
  exec->add_flag("-t,--tty", exec_opts.tty, "allocate a pseudo-TTY");
  exec->add_option("--console-socket", exec_opts.console_socket,
                   "path to an AF_UNIX socket which will receive the pty master fd");
  exec->add_option("--pid-file", exec_opts.pid_file, "file to write the process id to");
  exec->add_flag("-d,--detach", exec_opts.detach, "detach from the process");
  exec->add_option("--cwd", exec_opts.cwd, "current working directory in the container");
  exec->add_option("-e,--env", exec_opts.env, "set environment variables (KEY=value)")
      ->allow_extra_args(false);
  exec->add_option("-u,--user", exec_opts.user, "UID[:GID] to run the process as");
  exec->add_option("-g,--additional-gids", exec_opts.additional_gids, "additional gids")
      ->allow_extra_args(false);
  exec->add_option("-c,--cap", exec_opts.caps, "add a capability to the bounding set")
      ->allow_extra_args(false);
  exec->add_flag("--no-new-privs", exec_opts.no_new_privs, "set no_new_privs");
  exec->add_option("--preserve-fds", exec_opts.preserve_fds,
                   "pass N additional file descriptors to the process");
  exec->add_option("--apparmor", exec_opts.apparmor, "AppArmor profile for the process");
  exec->add_option("--process-label", exec_opts.process_label, "SELinux label for the process");
  exec->add_flag("--ignore-paused", exec_opts.ignore_paused, "allow exec in a paused container");
  exec->add_option("container-id", exec_opts.id)->required();
  exec->add_option("command", exec_opts.args, "command and arguments");
  // Everything after the container id belongs to the command, flags included.
  exec->positionals_at_end();
  exec->prefix_command();

  SpecOptions spec_opts;
  auto* spec_cmd = app.add_subcommand("spec", "create a new config.json");
  spec_cmd->add_option("-b,--bundle", spec_opts.bundle, "directory to write config.json to");
  spec_cmd->add_flag("--rootless", spec_opts.rootless, "generate a rootless configuration");

  auto* features = app.add_subcommand("features", "show what this runtime supports (JSON)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  // Logging first, so every later failure lands where the caller looks.
  log::Format format = log::Format::kText;
  (void)log::ParseFormat(g.log_format, &format);
  log::SetFormat(format);
  log::SetLevel(g.debug ? log::Level::kDebug : log::Level::kWarning);
  if (g.log.empty()) {
    // The container process replaces fds 0-2 (a pty, the shim's pipes);
    // the runtime's own messages keep going to the stderr it was given.
    int fd = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (fd >= 0) log::SetOutput(fd, true);
  } else {
    if (absl::Status s = log::SetOutputFile(g.log); !s.ok()) {
      std::fprintf(stderr, "berth-runtime: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  if (g.root.empty()) g.root = DefaultRoot();

  absl::StatusOr<int> result = absl::UnimplementedError("no command");
  log::Debugf("{} {}", argv[0], argc > 1 ? argv[1] : "");
  if ((*create || *run || *exec) && !process::RunningFromSealedCopy()) {
    // main() re-executes these from a sealed copy of the binary
    // (CVE-2019-5736); getting here unsealed means that failed.
    absl::Status s = process::EnsureSealedSelf(argv);
    return ReportError(g, s.ok() ? Internalf("runtime binary copy is not sealed") : s);
  }
  if (*create) {
    result = Create(g, create_opts);
  } else if (*run) {
    result = Run(g, run_opts);
  } else if (*start) {
    result = Start(g, start_id);
  } else if (*state) {
    result = State(g, state_id);
  } else if (*kill) {
    result = Kill(g, kill_opts);
  } else if (*del) {
    result = Delete(g, delete_opts);
  } else if (*list) {
    result = List(g, list_opts);
  } else if (*ps) {
    for (const std::string& extra : ps->remaining()) ps_opts.ps_args.push_back(extra);
    result = Ps(g, ps_opts);
  } else if (*pause) {
    result = Pause(g, pause_id);
  } else if (*resume) {
    result = Resume(g, resume_id);
  } else if (*events) {
    result = Events(g, events_opts);
  } else if (*update) {
    result = Update(g, update_opts);
  } else if (*exec) {
    for (const std::string& extra : exec->remaining()) exec_opts.args.push_back(extra);
    result = Exec(g, exec_opts);
  } else if (*spec_cmd) {
    result = SpecCommand(g, spec_opts);
  } else if (*features) {
    result = Features(g);
  }
  if (!result.ok()) return ReportError(g, result.status());
  return *result;
}

}  // namespace berth::runtime
