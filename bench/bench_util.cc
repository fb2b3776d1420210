#include "bench/bench_util.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "tests/testutil/child_reaper.h"

namespace berth::bench {

namespace {
std::atomic<bool> g_interrupted{false};
void OnInterrupt(int) { g_interrupted = true; }
}  // namespace

bool EnterPrivateMountNamespace() {
  if (::geteuid() != 0) {
    Warn("needs root");
    return false;
  }
  if (::unshare(CLONE_NEWNS) < 0 ||
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    std::perror("private mount namespace");
    return false;
  }
  return true;
}

void CatchInterrupts() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool Interrupted() { return g_interrupted.load(); }

std::string MakeTempDir(const std::string& prefix) {
  std::string path = "/tmp/" + prefix + "-XXXXXX";
  if (!::mkdtemp(path.data())) {
    std::perror("mkdtemp");
    return "";
  }
  return path;
}

std::string Executable(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  std::string out = real ? real : "";
  std::free(real);
  if (out.empty() || ::access(out.c_str(), X_OK) != 0) return "";
  return out;
}

void Warn(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
}

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string Tail(const std::string& path, size_t lines) {
  std::string text = ReadFile(path).value_or("");
  if (text.empty()) return text;
  size_t pos = text.size();
  for (size_t n = 0; pos > 0 && n <= lines; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

bool Listening(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

std::vector<pid_t> FindProcesses(const std::string& exe, const std::string& marker) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::error_code ec2;
    std::filesystem::path path = std::filesystem::read_symlink(it->path() / "exe", ec2);
    if (!exe.empty() && (ec2 || path.string() != exe)) continue;
    std::string cmdline = ReadFile(it->path().string() + "/cmdline").value_or("");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(marker) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

void RemoveCgroup(const std::string& name) {
  // Looked for at each hierarchy's root and under this process's own cgroup
  // there: a runtime puts a relative cgroup parent under its own cgroup,
  // which on some hosts is not the root (memory:/process_api/...).
  std::map<std::string, std::string> own;  // hierarchy dir name -> our path
  std::istringstream self(ReadFile("/proc/self/cgroup").value_or(""));
  for (std::string line; std::getline(self, line);) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1);
    if (controllers.starts_with("name=")) controllers.erase(0, 5);
    own[controllers.empty() ? "unified" : controllers] = line.substr(b + 1);
  }
  std::vector<std::string> dirs;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/sys/fs/cgroup", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    dirs.push_back(it->path().string() + "/" + name);
    auto mine = own.find(it->path().filename().string());
    if (mine != own.end() && mine->second != "/") {
      dirs.push_back(it->path().string() + mine->second + "/" + name);
    }
  }
  dirs.push_back("/sys/fs/cgroup/" + name);
  for (const std::string& dir : dirs) {
    if (!PathExists(dir)) continue;
    std::vector<std::string> all;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory()) all.push_back(it->path().string());
    }
    all.push_back(dir);
    std::sort(all.rbegin(), all.rend());
    for (const std::string& cg : all) {
      std::istringstream procs(ReadFile(cg + "/cgroup.procs").value_or(""));
      for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
      for (int i = 0; i < 100 && ::rmdir(cg.c_str()) < 0 && errno == EBUSY; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
}

std::vector<std::string> CgroupsWithPrefix(const std::string& prefix) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/sys/fs/cgroup", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    for (auto cg = std::filesystem::directory_iterator(it->path(), ec2);
         !ec2 && cg != std::filesystem::directory_iterator(); cg.increment(ec2)) {
      std::string name = cg->path().filename();
      if (name.starts_with(prefix)) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void UnmountUnder(const std::string& dir) {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    if (point.starts_with(dir + "/")) mounts.push_back(point);
  }
  std::sort(mounts.rbegin(), mounts.rend());
  for (const std::string& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
}

absl::StatusOr<ExitStatus> RunLogged(const std::vector<std::string>& argv, const std::string& log,
                                     std::chrono::milliseconds timeout) {
  UniqueFd fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return ErrnoErrorf(errno, "open {}", log);
  SpawnOptions o;
  o.argv = argv;
  o.fds = {{1, fd.get()}, {2, fd.get()}};
  BERTH_ASSIGN_OR_RETURN(ScopedPid child, Spawn(o));
  fd.reset();
  return testing::WaitChild(child.release(), timeout);
}

namespace {

double TimevalMs(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
}

}  // namespace

double ReapedCpuMs() {
  rusage self{}, children{};
  getrusage(RUSAGE_THREAD, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  return TimevalMs(self.ru_utime) + TimevalMs(self.ru_stime) + TimevalMs(children.ru_utime) +
         TimevalMs(children.ru_stime);
}

std::pair<double, double> ProcessCpuMs(pid_t pid) {
  std::string stat = ReadFile(fmt::format("/proc/{}/stat", pid)).value_or("");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return {0, 0};
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  std::vector<double> v;
  // Fields 3.. after the command name; utime is field 14.
  for (int i = 3; i <= 17 && fields >> field; ++i) {
    if (i >= 14) v.push_back(std::strtod(field.c_str(), nullptr));
  }
  if (v.size() < 4) return {0, 0};
  double tick_ms = 1e3 / static_cast<double>(sysconf(_SC_CLK_TCK));
  return {(v[0] + v[1]) * tick_ms, (v[2] + v[3]) * tick_ms};
}

// Pid of the direct child of `parent` whose executable's name is `name`.
std::optional<pid_t> ChildNamed(pid_t parent, const std::string& name) {
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string pid = it->path().filename();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadFile("/proc/" + pid + "/stat").value_or("");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string state;
    pid_t ppid = 0;
    if (!(fields >> state >> ppid) || ppid != parent) continue;
    std::error_code ec2;
    std::filesystem::path exe = std::filesystem::read_symlink("/proc/" + pid + "/exe", ec2);
    if (!ec2 && exe.filename() == name) return std::stoi(pid);
  }
  return std::nullopt;
}

PrivateHostDirs::~PrivateHostDirs() {
  for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) {
    if (::umount2(it->c_str(), MNT_DETACH) < 0) {
      Warn(fmt::format("unmount {}: {}", *it, std::strerror(errno)));
    }
  }
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) ::rmdir(it->c_str());
}

absl::Status PrivateHostDirs::Hide(const std::string& path) {
  if (!PathExists(path)) {
    // Created one level at a time, so each can be removed again.
    std::string parent = path.substr(0, path.rfind('/'));
    if (!parent.empty() && !PathExists(parent)) BERTH_RETURN_IF_ERROR(Hide(parent));
    if (::mkdir(path.c_str(), 0711) < 0) return ErrnoErrorf(errno, "mkdir {}", path);
    created_.push_back(path);
  }
  if (::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0711") < 0) {
    return ErrnoErrorf(errno, "mount tmpfs on {}", path);
  }
  mounted_.push_back(path);
  return absl::OkStatus();
}

}  // namespace berth::bench
