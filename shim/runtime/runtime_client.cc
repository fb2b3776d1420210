#include "shim/runtime/runtime_client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "common/file_util.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "shim/runtime/runtime_errors.h"

namespace berth::shim {
namespace {

constexpr size_t kMaxOutput = 16 << 20;

std::atomic<uint64_t> g_temp_counter{0};

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return ErrnoErrorf(errno, "write {}", what);
    done += static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

// Output goes to memory files rather than pipes: nothing to drain while the
// runtime runs, and no hang if a process it leaves behind keeps a copy of
// the fd open.
absl::StatusOr<UniqueFd> MemFile(const char* name, std::string_view content = {}) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "memfd_create {}", name);
  BERTH_RETURN_IF_ERROR(WriteAll(fd.get(), content, name));
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) return ErrnoErrorf(errno, "seek {}", name);
  return fd;
}

std::string ReadMemFile(int fd) {
  std::string out;
  char buf[8192];
  off_t offset = 0;
  while (out.size() < kMaxOutput) {
    ssize_t r = ::pread(fd, buf, sizeof(buf), offset);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
    offset += r;
  }
  return out;
}

std::string DefaultTempDir() {
  const char* env = ::getenv("TMPDIR");
  return env && *env ? env : "/tmp";
}

}  // namespace

RuntimeClient::RuntimeClient(Options options, ProcessWaiter* waiter)
    : options_(std::move(options)), name_(Basename(options_.runtime.binary)), waiter_(waiter) {
  if (options_.temp_dir.empty()) options_.temp_dir = DefaultTempDir();
  if (waiter_ == nullptr) {
    own_waiter_ = std::make_unique<WaitpidWaiter>();
    waiter_ = own_waiter_.get();
  }
}

RuntimeClient::~RuntimeClient() = default;

std::string RuntimeClient::TempPath(const std::string& what) const {
  return JoinPath(options_.temp_dir,
                  fmt::format("{}-{}-{}.{}", name_, ::getpid(), g_temp_counter++, what));
}

absl::StatusOr<RuntimeClient::Output> RuntimeClient::Run(const Invocation& inv) {
  const std::string command = inv.args.empty() ? "" : inv.args.front();
  auto with_context = [&](const absl::Status& s) {
    return WithContext(s, fmt::format("{} {}", name_, command));
  };
  SpawnOptions spawn;
  spawn.argv = FullArgv(options_.runtime, inv.args);

  UniqueFd in, out, err;
  if (!inv.stdin_data.empty()) {
    absl::StatusOr<UniqueFd> fd = MemFile("runtime-stdin", inv.stdin_data);
    if (!fd.ok()) return with_context(fd.status());
    in = std::move(*fd);
    spawn.fds.emplace_back(0, in.get());
  } else if (inv.stdio.in >= 0) {
    spawn.fds.emplace_back(0, inv.stdio.in);
  }
  if (inv.capture) {
    absl::StatusOr<UniqueFd> out_fd = MemFile("runtime-stdout");
    absl::StatusOr<UniqueFd> err_fd = MemFile("runtime-stderr");
    if (!out_fd.ok()) return with_context(out_fd.status());
    if (!err_fd.ok()) return with_context(err_fd.status());
    out = std::move(*out_fd);
    err = std::move(*err_fd);
    spawn.fds.emplace_back(1, out.get());
    spawn.fds.emplace_back(2, err.get());
  } else {
    if (inv.stdio.out >= 0) spawn.fds.emplace_back(1, inv.stdio.out);
    if (inv.stdio.err >= 0) spawn.fds.emplace_back(2, inv.stdio.err);
  }
  for (size_t i = 0; i < inv.extra_fds.size(); ++i) {
    spawn.fds.emplace_back(3 + static_cast<int>(i), inv.extra_fds[i]);
  }

  // Our records start where the log ends now.
  uint64_t log_offset = LogOffset(options_.runtime.log);
  Deadline deadline = std::chrono::steady_clock::now() + inv.timeout;
  absl::StatusOr<pid_t> pid = waiter_->Start(spawn);
  if (!pid.ok()) return with_context(pid.status());
  absl::StatusOr<ExitStatus> status = waiter_->Wait(*pid, deadline);
  if (status.status().code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::DeadlineExceededError(fmt::format("{} {}: timed out after {} ms (pid {} killed)",
                                                   name_, command, inv.timeout.count(), *pid));
  }
  if (!status.ok()) return with_context(status.status());

  Output output;
  if (inv.capture) {
    output.out = ReadMemFile(out.get());
    output.err = ReadMemFile(err.get());
  }
  if (status->success()) return output;

  RuntimeFailure failure;
  failure.runtime = name_;
  failure.command = command;
  failure.status = *status;
  failure.stderr_text = output.err;
  if (!options_.runtime.log.empty()) {
    absl::StatusOr<std::string> log = ReadLogSince(options_.runtime.log, log_offset);
    if (log.ok()) failure.logged_error = LastLoggedError(*log);
  }
  return RuntimeError(failure);
}

absl::StatusOr<pid_t> RuntimeClient::Create(const std::string& id, const std::string& bundle,
                                            const CreateOptions& options) {
  std::string pid_file = options.pid_file.empty() ? TempPath("pid") : options.pid_file;
  absl::Cleanup remove_pid_file = [&] {
    if (options.pid_file.empty()) ::unlink(pid_file.c_str());
  };
  Invocation inv;
  inv.args = CreateArgs(id, bundle, options, pid_file);
  inv.timeout = options_.create_timeout;
  inv.stdio = options.stdio;
  inv.extra_fds = options.extra_fds;
  BERTH_RETURN_IF_ERROR(Run(inv).status());
  absl::StatusOr<pid_t> pid = ReadPidFile(pid_file);
  if (!pid.ok()) return WithContext(pid.status(), fmt::format("{} create {}", name_, id));
  return pid;
}

absl::Status RuntimeClient::Start(const std::string& id) {
  return Run({StartArgs(id), options_.timeout, {}, {}, true, ""}).status();
}

absl::Status RuntimeClient::Kill(const std::string& id, int signal, bool all) {
  return Run({KillArgs(id, signal, all), options_.timeout, {}, {}, true, ""}).status();
}

absl::Status RuntimeClient::Delete(const std::string& id, bool force) {
  return Run({DeleteArgs(id, force), options_.timeout, {}, {}, true, ""}).status();
}

absl::Status RuntimeClient::Pause(const std::string& id) {
  return Run({PauseArgs(id), options_.timeout, {}, {}, true, ""}).status();
}

absl::Status RuntimeClient::Resume(const std::string& id) {
  return Run({ResumeArgs(id), options_.timeout, {}, {}, true, ""}).status();
}

absl::Status RuntimeClient::Update(const std::string& id, const std::string& resources_json) {
  // Never empty on stdin: an empty stdin would read as "no resources".
  std::string data = resources_json.empty() ? "{}" : resources_json;
  return Run({UpdateArgs(id), options_.timeout, {}, {}, true, data}).status();
}

absl::StatusOr<ContainerState> RuntimeClient::State(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(Output out, Run({StateArgs(id), options_.timeout, {}, {}, true, ""}));
  absl::StatusOr<ContainerState> state = ParseState(out.out);
  if (!state.ok()) return WithContext(state.status(), fmt::format("{} state {}", name_, id));
  return state;
}

absl::StatusOr<std::vector<pid_t>> RuntimeClient::Ps(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(Output out, Run({PsArgs(id), options_.timeout, {}, {}, true, ""}));
  absl::StatusOr<std::vector<pid_t>> pids = ParsePids(out.out);
  if (!pids.ok()) return WithContext(pids.status(), fmt::format("{} ps {}", name_, id));
  return pids;
}

absl::StatusOr<std::string> RuntimeClient::Stats(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(Output out, Run({StatsArgs(id), options_.timeout, {}, {}, true, ""}));
  return std::move(out.out);
}

absl::StatusOr<pid_t> RuntimeClient::Exec(const std::string& id, const std::string& process_json,
                                          const ExecOptions& options) {
  // The process file must be a real path the runtime can open.
  std::string process_file = JoinPath(options_.temp_dir, name_ + "-process-XXXXXX");
  UniqueFd fd(::mkostemp(process_file.data(), O_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "{} exec {}: create {}", name_, id, process_file);
  absl::Cleanup remove_process_file = [&] { ::unlink(process_file.c_str()); };
  absl::Status written = WriteAll(fd.get(), process_json, process_file);
  fd.reset();
  if (!written.ok()) return WithContext(written, fmt::format("{} exec {}", name_, id));

  std::string pid_file = options.pid_file.empty() ? TempPath("pid") : options.pid_file;
  absl::Cleanup remove_pid_file = [&] {
    if (options.pid_file.empty()) ::unlink(pid_file.c_str());
  };
  Invocation inv;
  inv.args = ExecArgs(id, process_file, options, pid_file);
  inv.timeout = options_.create_timeout;
  inv.stdio = options.stdio;
  inv.extra_fds = options.extra_fds;
  BERTH_RETURN_IF_ERROR(Run(inv).status());
  absl::StatusOr<pid_t> pid = ReadPidFile(pid_file);
  if (!pid.ok()) return WithContext(pid.status(), fmt::format("{} exec {}", name_, id));
  return pid;
}

}  // namespace berth::shim
