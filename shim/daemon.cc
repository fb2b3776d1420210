#include "shim/daemon.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include "common/file_util.h"
#include "common/grpc/unix_socket.h"
#include "common/logger.h"
#include "common/status.h"
#include "shim/events.h"
#include "shim/io/io_hub.h"
#include "shim/runtime/reaper.h"
#include "shim/runtime/runtime_client.h"
#include "shim/runtime_config.h"
#include "shim/service/shim_service.h"
#include "shim/task/task_manager.h"

namespace berth::shim {
namespace {

// gRPC's own threads: the sync methods need a few, the rest are callbacks.
constexpr int kMaxGrpcThreads = 8;

class ShutdownLatch {
 public:
  void Trigger() {
    std::lock_guard lock(mu_);
    triggered_ = true;
    cv_.notify_all();
  }
  void Await() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return triggered_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool triggered_ = false;
};

void Report(int ready_fd, const std::string& line) {
  if (ready_fd < 0) return;
  std::string text = line + "\n";
  (void)!::write(ready_fd, text.data(), text.size());
  ::close(ready_fd);
}

absl::StatusOr<UniqueFd> BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  // Every thread started later inherits the mask; children get theirs reset
  // by Spawn.
  if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return ErrnoErrorf(err, "block signals");
  }
  UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd) return ErrnoErrorf(errno, "signalfd");
  ::signal(SIGPIPE, SIG_IGN);
  return fd;
}

absl::Status ServeOrReport(const ShimOptions& options, int& ready_fd) {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
    return ErrnoErrorf(errno, "prctl PR_SET_CHILD_SUBREAPER");
  }
  BERTH_ASSIGN_OR_RETURN(UniqueFd signals, BlockSignals());
  std::string work_dir = WorkDirFor(options);
  BERTH_RETURN_IF_ERROR(MkdirAll(work_dir, 0700));
  BERTH_RETURN_IF_ERROR(MkdirAll(RuntimeRootFor(options), 0711));

  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<io::IoHub> hub, io::IoHub::Create());
  EventLog events;
  // The task manager exists before anything is reaped.
  task::TaskManager* tasks_ptr = nullptr;
  Reaper reaper([&tasks_ptr](pid_t pid, const ExitStatus& status) {
    if (tasks_ptr) tasks_ptr->OnExit(pid, status);
  });
  ReaperWaiter waiter(&reaper);
  RuntimeClient runtime_client(RuntimeOptionsFor(options), &waiter);
  task::TaskManager tasks({options.id, options.ns, options.bundle, work_dir}, &runtime_client,
                          hub.get(), &events);
  tasks_ptr = &tasks;

  ShutdownLatch latch;
  BERTH_RETURN_IF_ERROR(hub->Watch(signals.get(), [&] {
    signalfd_siginfo info;
    while (::read(signals.get(), &info, sizeof(info)) == sizeof(info)) {
      if (info.ssi_signo != SIGCHLD) {
        if (!tasks.HasTask()) {
          latch.Trigger();
        } else {
          log::Warnf("signal {}: the shim stays while it holds container {}", info.ssi_signo,
                     options.id);
        }
      }
    }
    reaper.Reap();
  }));
  hub->Start();

  service::ShimService service(&tasks, hub.get(), &events, [&latch] { latch.Trigger(); });
  grpcutil::ServerOptions server_options;
  server_options.path = SocketPathFor(options);
  server_options.services = {&service};
  server_options.max_threads = kMaxGrpcThreads;
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<grpc::Server> server,
                         grpcutil::StartUnixServer(server_options));
  std::string address = "unix://" + server_options.path;
  BERTH_RETURN_IF_ERROR(
      WriteFileAtomic(AddressFile(options.bundle), address, 0644, Durability::kProcessCrash));
  BERTH_RETURN_IF_ERROR(WriteFileAtomic(ShimPidFile(options.bundle), std::to_string(::getpid()),
                                        0644, Durability::kProcessCrash));
  log::Infof("shim for {} serving on {}", options.id, address);
  Report(ready_fd, "ok");
  ready_fd = -1;

  latch.Await();
  log::Infof("shim for {} shutting down", options.id);
  // In-flight calls (the Shutdown call's own answer among them) get a moment;
  // streams still open (attach, subscribe) are cancelled after it.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  hub->Stop();
  ::unlink(server_options.path.c_str());
  ::unlink(AddressFile(options.bundle).c_str());
  RemoveAll(work_dir).IgnoreError();
  return absl::OkStatus();
}

}  // namespace

absl::Status Serve(const ShimOptions& options, int ready_fd) {
  absl::Status status = ServeOrReport(options, ready_fd);
  if (!status.ok()) Report(ready_fd, std::string(status.message()));
  return status;
}

}  // namespace berth::shim
