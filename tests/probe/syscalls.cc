// `syscall NAME [args...]`: one system call from a fixed table, so tests can
// see what seccomp, capabilities, namespaces and read-only mounts allow.
// Prints {"ret", "errno", "error"}.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "tests/probe/json_out.h"
#include "tests/probe/probe.h"

namespace berth::probe {
namespace {

struct Name {
  const char* name;
  int64_t value;
};

constexpr Name kCloneFlags[] = {
    {"user", CLONE_NEWUSER},     {"mount", CLONE_NEWNS},
    {"mnt", CLONE_NEWNS},        {"net", CLONE_NEWNET},
    {"network", CLONE_NEWNET},   {"pid", CLONE_NEWPID},
    {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},
    {"cgroup", CLONE_NEWCGROUP}, {"time", 0x00000080 /* CLONE_NEWTIME */},
};
constexpr Name kFamilies[] = {{"unix", AF_UNIX},
                              {"inet", AF_INET},
                              {"inet6", AF_INET6},
                              {"netlink", AF_NETLINK},
                              {"packet", AF_PACKET}};
constexpr Name kSocketTypes[] = {{"stream", SOCK_STREAM},
                                 {"dgram", SOCK_DGRAM},
                                 {"raw", SOCK_RAW},
                                 {"seqpacket", SOCK_SEQPACKET}};
constexpr Name kOpenFlags[] = {{"r", O_RDONLY},
                               {"w", O_WRONLY},
                               {"rw", O_RDWR},
                               {"creat", O_WRONLY | O_CREAT},
                               {"dir", O_RDONLY | O_DIRECTORY},
                               {"path", O_PATH}};

// A number (any base strtoll takes) or a name from `table`; several names
// may be joined with ',' or '|' and are OR-ed.
template <size_t N>
std::optional<int64_t> NamedValue(std::string_view text, const Name (&table)[N]) {
  if (std::optional<int64_t> n = ParseInt(text, 0)) return n;
  int64_t value = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(",|", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    bool found = false;
    for (const Name& n : table) {
      if (word == n.name) {
        value |= n.value;
        found = true;
      }
    }
    if (!found) return std::nullopt;
    start = end + 1;
  }
  return value;
}

// Runs `call` and prints its result; errno is captured right after.
template <typename F>
int Report(F call) {
  errno = 0;
  int64_t ret = call();
  int err = ret < 0 ? errno : 0;
  return PrintErrno(ret, err);
}

int NeedArgs(const Args& args, size_t n, const char* usage) {
  if (args.size() != n + 1) return UsageError(std::string("usage: syscall ") + usage);
  return 0;
}

}  // namespace

int CmdSyscall(const Args& args) {
  const std::string& name = args[0];
  auto arg = [&](size_t i) -> const char* { return args[i].c_str(); };

  if (name == "getppid") {
    if (int rc = NeedArgs(args, 0, "getppid")) return rc;
    return Report([] { return static_cast<int64_t>(getppid()); });
  }
  if (name == "mkdir") {
    if (int rc = NeedArgs(args, 1, "mkdir PATH")) return rc;
    return Report([&] { return static_cast<int64_t>(mkdir(arg(1), 0755)); });
  }
  if (name == "chmod") {
    if (int rc = NeedArgs(args, 2, "chmod PATH MODE")) return rc;
    std::optional<int64_t> mode = ParseInt(args[2], 8);
    if (!mode) return UsageError("syscall chmod: MODE must be octal, got " + args[2]);
    return Report([&] { return static_cast<int64_t>(chmod(arg(1), static_cast<mode_t>(*mode))); });
  }
  if (name == "unshare") {
    if (int rc = NeedArgs(args, 1, "unshare FLAGS (user,mount,net,pid,ipc,uts,cgroup,time)")) {
      return rc;
    }
    std::optional<int64_t> flags = NamedValue(args[1], kCloneFlags);
    if (!flags) return UsageError("syscall unshare: unknown flags " + args[1]);
    return Report([&] { return static_cast<int64_t>(unshare(static_cast<int>(*flags))); });
  }
  if (name == "personality") {
    if (args.size() > 2) return UsageError("usage: syscall personality [PERSONA]");
    std::optional<int64_t> persona =
        args.size() == 2 ? ParseInt(args[1], 0) : std::optional<int64_t>(0xffffffff);
    if (!persona) return UsageError("syscall personality: bad PERSONA " + args[1]);
    return Report(
        [&] { return static_cast<int64_t>(personality(static_cast<unsigned long>(*persona))); });
  }
  if (name == "keyctl-session") {
    if (int rc = NeedArgs(args, 0, "keyctl-session")) return rc;
    constexpr int kJoinSessionKeyring = 1;  // KEYCTL_JOIN_SESSION_KEYRING
    return Report(
        [] { return static_cast<int64_t>(syscall(SYS_keyctl, kJoinSessionKeyring, nullptr)); });
  }
  if (name == "sethostname") {
    if (int rc = NeedArgs(args, 1, "sethostname NAME")) return rc;
    return Report([&] { return static_cast<int64_t>(sethostname(arg(1), args[1].size())); });
  }
  if (name == "mount") {
    if (int rc = NeedArgs(args, 2, "mount FSTYPE PATH")) return rc;
    return Report([&] { return static_cast<int64_t>(mount(arg(1), arg(2), arg(1), 0, nullptr)); });
  }
  if (name == "ptrace-traceme") {
    if (int rc = NeedArgs(args, 0, "ptrace-traceme")) return rc;
    return Report([] { return static_cast<int64_t>(ptrace(PTRACE_TRACEME, 0, nullptr, nullptr)); });
  }
  if (name == "socket") {
    if (int rc = NeedArgs(args, 2,
                          "socket AF TYPE (unix|inet|inet6|netlink|packet, "
                          "stream|dgram|raw|seqpacket)")) {
      return rc;
    }
    std::optional<int64_t> family = NamedValue(args[1], kFamilies);
    std::optional<int64_t> type = NamedValue(args[2], kSocketTypes);
    if (!family || !type) return UsageError("syscall socket: unknown AF or TYPE");
    return Report([&] {
      int fd = socket(static_cast<int>(*family), static_cast<int>(*type) | SOCK_CLOEXEC, 0);
      if (fd >= 0) close(fd);
      return static_cast<int64_t>(fd);
    });
  }
  if (name == "chroot") {
    if (int rc = NeedArgs(args, 1, "chroot PATH")) return rc;
    return Report([&] { return static_cast<int64_t>(chroot(arg(1))); });
  }
  if (name == "setuid") {
    if (int rc = NeedArgs(args, 1, "setuid UID")) return rc;
    std::optional<uint64_t> uid = ParseUint(args[1]);
    if (!uid) return UsageError("syscall setuid: bad UID " + args[1]);
    // The raw syscall: glibc's setuid() would broadcast to other threads.
    return Report([&] { return static_cast<int64_t>(syscall(SYS_setuid, *uid)); });
  }
  if (name == "open") {
    if (args.size() != 2 && args.size() != 3) {
      return UsageError("usage: syscall open PATH [r|w|rw|creat|dir|path]");
    }
    std::optional<int64_t> flags =
        args.size() == 3 ? NamedValue(args[2], kOpenFlags) : std::optional<int64_t>(O_RDONLY);
    if (!flags) return UsageError("syscall open: unknown flags " + args[2]);
    return Report([&] {
      int fd = open(arg(1), static_cast<int>(*flags) | O_CLOEXEC, 0644);
      if (fd >= 0) close(fd);
      return static_cast<int64_t>(fd);
    });
  }
  return UsageError("syscall: unknown call " + name +
                    " (mkdir chmod unshare getppid personality keyctl-session sethostname mount "
                    "ptrace-traceme socket chroot setuid open)");
}

}  // namespace berth::probe
