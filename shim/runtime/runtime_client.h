// Drives an OCI runtime binary (berth-runtime, runc, crun) through runc's
// command line, as containerd's go-runc does for containerd-shim-runc-v2.
//
// Each call runs one runtime command to completion. Failures come back with
// the runtime's own message, read from the error record it wrote to --log
// during this call (see runtime_errors.h), e.g.
//   NotFound: "runc start: container does not exist"
// and every call has a deadline after which the runtime process is killed
// (DeadlineExceeded); a create cut short may leave a half-made container for
// Delete(force) to clean up.
//
// Safe to use from many threads at once: processes start through posix_spawn
// (via the ProcessWaiter), every fd we open is close-on-exec, and the stdio
// fds reach the runtime only through the spawn's file actions. Concurrent
// calls share the log file, so a failing call could in principle pick up a
// concurrent call's error record; go-runc has the same limit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shim/runtime/process_waiter.h"
#include "shim/runtime/runtime_args.h"
#include "shim/runtime/runtime_output.h"

namespace berth::shim {

class RuntimeClient {
 public:
  struct Options {
    RuntimeConfig runtime;
    // Deadline of each command; create and exec set up a whole process
    // (namespaces, mounts, cgroups, hooks), and get the longer one.
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds create_timeout{std::chrono::seconds(120)};
    // Where temporary pid files and exec process files go; "" = $TMPDIR or
    // /tmp. The runtime writes pid files with a rename, so it must be
    // writable for it and on one filesystem.
    std::string temp_dir;
  };

  // `waiter` starts and waits for every runtime process and must outlive
  // the client; nullptr = a private WaitpidWaiter (only right when nothing
  // else in this process reaps children; the shim passes a ReaperWaiter).
  explicit RuntimeClient(Options options, ProcessWaiter* waiter = nullptr);
  ~RuntimeClient();
  RuntimeClient(const RuntimeClient&) = delete;
  RuntimeClient& operator=(const RuntimeClient&) = delete;

  // `create`; returns the container's init pid (from the pid file).
  absl::StatusOr<pid_t> Create(const std::string& id, const std::string& bundle,
                               const CreateOptions& options);
  absl::Status Start(const std::string& id);
  absl::Status Kill(const std::string& id, int signal, bool all = false);
  absl::Status Delete(const std::string& id, bool force = false);
  absl::Status Pause(const std::string& id);
  absl::Status Resume(const std::string& id);
  // `resources_json`: an OCI LinuxResources object, fed on stdin.
  absl::Status Update(const std::string& id, const std::string& resources_json);
  absl::StatusOr<ContainerState> State(const std::string& id);
  // Pids (host namespace) of the container's processes.
  absl::StatusOr<std::vector<pid_t>> Ps(const std::string& id);
  // `events --stats`: the container's cgroup statistics as runc's JSON event.
  absl::StatusOr<std::string> Stats(const std::string& id);
  // `process_json`: an OCI Process object. Returns the new process's pid.
  absl::StatusOr<pid_t> Exec(const std::string& id, const std::string& process_json,
                             const ExecOptions& options);

  // The runtime's name in messages: the binary's basename.
  const std::string& name() const { return name_; }
  const Options& options() const { return options_; }

 private:
  struct Invocation {
    std::vector<std::string> args;  // command and its arguments
    std::chrono::milliseconds timeout;
    StdioFds stdio;              // used where not captured / fed
    std::vector<int> extra_fds;  // become 3, 4, ...
    bool capture = false;        // stdout and stderr into memory
    std::string stdin_data;      // fed as stdin when not empty
  };
  struct Output {
    std::string out;
    std::string err;
  };

  absl::StatusOr<Output> Run(const Invocation& invocation);
  // A fresh path in temp_dir for a file the runtime creates.
  std::string TempPath(const std::string& what) const;

  Options options_;
  std::string name_;
  std::unique_ptr<ProcessWaiter> own_waiter_;
  ProcessWaiter* waiter_;
};

}  // namespace berth::shim
