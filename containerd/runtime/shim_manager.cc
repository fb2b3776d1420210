#include "containerd/runtime/shim_manager.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/grpc/unix_socket.h"
#include "common/proc.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth::containerd {

namespace pb = ::berth::shim::v1;

// A shim's event stream, read by a callback reactor: no thread per shim.
class ShimEventStream final : public grpc::ClientReadReactor<pb::Event> {
 public:
  ShimEventStream(pb::Shim::Stub& stub, Bundle bundle, uint64_t after_sequence,
                  ShimManager::EventCallback on_event, ShimManager::GoneCallback on_gone)
      : bundle_(std::move(bundle)), on_event_(std::move(on_event)), on_gone_(std::move(on_gone)) {
    request_.set_after_sequence(after_sequence);
    stub.async()->Subscribe(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }

  // Cancels the stream and waits until gRPC is done with this reactor.
  ~ShimEventStream() override {
    context_.TryCancel();
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [this] { return done_; });
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    on_event_(bundle_, event_);
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    // Our own cancel (the handle going away) ends it CANCELLED; anything
    // else means the shim is gone or unreachable.
    if (status.error_code() != grpc::StatusCode::CANCELLED && on_gone_) on_gone_(bundle_);
    std::lock_guard lock(mu_);
    done_ = true;
    done_cv_.notify_all();
  }

 private:
  Bundle bundle_;
  ShimManager::EventCallback on_event_;
  ShimManager::GoneCallback on_gone_;
  grpc::ClientContext context_;
  pb::SubscribeRequest request_;
  pb::Event event_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
};

ShimHandle::ShimHandle(Bundle bundle, std::string address, std::shared_ptr<grpc::Channel> channel)
    : bundle_(std::move(bundle)),
      address_(std::move(address)),
      channel_(std::move(channel)),
      stub_(pb::Shim::NewStub(channel_)) {}

ShimHandle::~ShimHandle() = default;

ShimManager::ShimManager(ShimLaunchOptions options, EventCallback on_event, GoneCallback on_gone)
    : options_(std::move(options)), on_event_(std::move(on_event)), on_gone_(std::move(on_gone)) {}

ShimManager::~ShimManager() = default;

std::vector<std::string> ShimManager::ShimArgs(const Bundle& bundle,
                                               const std::string& runtime) const {
  return {options_.shim_binary,
          "--namespace",
          bundle.ns,
          "--id",
          bundle.id,
          "--bundle",
          bundle.path,
          "--address",
          options_.daemon_address,
          "--runtime",
          runtime,
          "--runtime-root",
          options_.runtime_root,
          "--socket-dir",
          options_.socket_dir};
}

absl::StatusOr<std::shared_ptr<ShimHandle>> ShimManager::Start(const Bundle& bundle,
                                                               const std::string& runtime) {
  SpawnOptions spawn;
  spawn.argv = ShimArgs(bundle, runtime);
  spawn.argv.push_back("start");
  BERTH_ASSIGN_OR_RETURN(SpawnResult result,
                         RunAndCapture(spawn, "", std::chrono::milliseconds(30000)));
  if (!result.status.success()) {
    std::string why(TrimSpace(result.err));
    if (why.empty()) why = fmt::format("exit status {}", result.status.code);
    return absl::UnavailableError(
        fmt::format("start shim for {}/{}: {}", bundle.ns, bundle.id, why));
  }
  return Dial(bundle, std::string(TrimSpace(result.out)), 0);
}

absl::StatusOr<std::shared_ptr<ShimHandle>> ShimManager::Connect(const Bundle& bundle,
                                                                 uint64_t after_sequence) {
  // A shim whose process is gone need not be dialled.
  absl::StatusOr<std::string> pid = ReadFile(JoinPath(bundle.path, "shim.pid"));
  int shim_pid = pid.ok() ? std::atoi(std::string(TrimSpace(*pid)).c_str()) : 0;
  // (A zombie counts as gone: its reaper may be slow.)
  if (shim_pid <= 0 || !IsSameLiveProcess(shim_pid, 0)) {
    return absl::UnavailableError(
        fmt::format("shim of {}/{}: process {} is gone", bundle.ns, bundle.id, shim_pid));
  }
  absl::StatusOr<std::string> address = ReadFile(JoinPath(bundle.path, "address"));
  if (!address.ok()) {
    return absl::UnavailableError(
        fmt::format("shim of {}/{}: no address in {}", bundle.ns, bundle.id, bundle.path));
  }
  return Dial(bundle, std::string(TrimSpace(*address)), after_sequence);
}

absl::StatusOr<std::shared_ptr<ShimHandle>> ShimManager::Dial(const Bundle& bundle,
                                                              const std::string& address,
                                                              uint64_t after_sequence) {
  BERTH_ASSIGN_OR_RETURN(std::string path, grpcutil::UnixSocketPath(address));
  std::shared_ptr<grpc::Channel> channel = grpcutil::DialUnix(path);
  // A shim that is gone refuses the connection at once.
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(2))) {
    return absl::UnavailableError(
        fmt::format("shim of {}/{} at {}: not serving", bundle.ns, bundle.id, address));
  }
  auto handle = std::make_shared<ShimHandle>(bundle, address, channel);
  handle->events_ = std::make_unique<ShimEventStream>(handle->stub(), bundle, after_sequence,
                                                      on_event_, on_gone_);
  std::lock_guard lock(mu_);
  shims_[{bundle.ns, bundle.id}] = handle;
  return handle;
}

std::shared_ptr<ShimHandle> ShimManager::Get(const std::string& ns, const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = shims_.find({ns, id});
  return it == shims_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<ShimHandle>> ShimManager::List() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<ShimHandle>> out;
  for (const auto& [key, handle] : shims_) out.push_back(handle);
  return out;
}

absl::Status ShimManager::Shutdown(const std::string& ns, const std::string& id) {
  std::shared_ptr<ShimHandle> handle;
  {
    std::lock_guard lock(mu_);
    auto it = shims_.find({ns, id});
    if (it == shims_.end()) return NotFoundf("no shim for {}/{}", ns, id);
    handle = it->second;
    shims_.erase(it);
  }
  handle->events_.reset();
  // Held before asking, so the pid cannot be reused meanwhile: a shim that
  // is going removes its socket and work dir, whose names a new shim for
  // the same id (a restart) reuses, so Shutdown returns once it is gone.
  absl::StatusOr<std::string> pid_text = ReadFile(JoinPath(handle->bundle().path, "shim.pid"));
  int shim_pid = pid_text.ok() ? std::atoi(std::string(TrimSpace(*pid_text)).c_str()) : 0;
  UniqueFd pidfd(shim_pid > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, shim_pid, 0)) : -1);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  pb::ShutdownRequest request;
  request.set_id(id);
  pb::Empty empty;
  grpc::Status status = handle->stub().Shutdown(&context, request, &empty);
  // The shim may exit before its answer is out.
  if (!status.ok() && status.error_code() != grpc::StatusCode::UNAVAILABLE &&
      status.error_code() != grpc::StatusCode::CANCELLED) {
    return absl::UnknownError(
        fmt::format("shutdown shim of {}/{}: {}", ns, id, status.error_message()));
  }
  if (pidfd) {
    struct pollfd p {
      pidfd.get(), POLLIN, 0
    };
    while (::poll(&p, 1, 5000) < 0 && errno == EINTR) {
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ShimCleanup> ShimManager::Cleanup(const Bundle& bundle, const std::string& runtime) {
  {
    std::lock_guard lock(mu_);
    shims_.erase({bundle.ns, bundle.id});
  }
  SpawnOptions spawn;
  spawn.argv = ShimArgs(bundle, runtime);
  spawn.argv.push_back("delete");
  BERTH_ASSIGN_OR_RETURN(SpawnResult result,
                         RunAndCapture(spawn, "", std::chrono::milliseconds(60000)));
  if (!result.status.success()) {
    return absl::UnknownError(
        fmt::format("berth-shim delete {}/{}: {}", bundle.ns, bundle.id, TrimSpace(result.err)));
  }
  nlohmann::json j = nlohmann::json::parse(result.out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Internalf("berth-shim delete {}/{}: unexpected output {}", bundle.ns, bundle.id,
                     TrimSpace(result.out));
  }
  return ShimCleanup{j.value("pid", 0u), j.value("exit_status", 0u), j.value("exited_at", "")};
}

}  // namespace berth::containerd
