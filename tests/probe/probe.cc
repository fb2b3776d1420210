// berth-probe: a small static program run inside containers by the
// integration tests. Each subcommand reports one fact about the process as
// a JSON object on stdout (crun's tests/init.c and youki's runtimetest play
// the same part). Plain libc only: it must run in a bare busybox rootfs.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// A flat JSON object built field by field.
class Obj {
 public:
  Obj& Str(const char* k, const std::string& v) { return Raw(k, Quote(v)); }
  Obj& Num(const char* k, long long v) { return Raw(k, std::to_string(v)); }
  Obj& Bool(const char* k, bool v) { return Raw(k, v ? "true" : "false"); }
  Obj& Raw(const char* k, const std::string& v) {
    body_ += (body_.empty() ? "" : ",") + Quote(k) + ":" + v;
    return *this;
  }
  std::string Json() const { return "{" + body_ + "}"; }
  int Print() const {
    printf("%s\n", Json().c_str());
    return 0;
  }

 private:
  std::string body_;
};

std::string ReadAll(const char* path) {
  std::string out;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string StrArray(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + Quote(v[i]);
  return out + "]";
}

// "Key:\tvalue" from /proc/self/status.
std::string StatusField(const char* key) {
  for (const std::string& line : Lines(ReadAll("/proc/self/status"))) {
    if (line.rfind(key, 0) == 0 && line.size() > strlen(key) && line[strlen(key)] == ':') {
      size_t v = line.find_first_not_of(" \t", strlen(key) + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
  }
  return "";
}

int Ids() {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  gid_t groups[256];
  int n = getgroups(256, groups);
  std::string arr = "[";
  for (int i = 0; i < n; ++i) arr += (i ? "," : "") + std::to_string(groups[i]);
  arr += "]";
  mode_t mask = umask(0);
  umask(mask);
  return Obj()
      .Num("uid", r).Num("gid", gr).Num("euid", e).Num("egid", ge).Num("suid", s).Num("sgid", gs)
      .Raw("groups", arr).Num("umask", mask).Print();
}

int Caps() {
  return Obj()
      .Str("bounding", StatusField("CapBnd")).Str("effective", StatusField("CapEff"))
      .Str("permitted", StatusField("CapPrm")).Str("inheritable", StatusField("CapInh"))
      .Str("ambient", StatusField("CapAmb")).Num("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0))
      .Str("seccomp", StatusField("Seccomp")).Print();
}

int Ns() {
  Obj o;
  for (const char* ns : {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
                         "time_for_children", "user", "uts"}) {
    char path[64], target[128];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    target[n < 0 ? 0 : n] = '\0';
    o.Str(ns, target);
  }
  return o.Print();
}

int Fds() {
  std::string arr = "[";
  DIR* d = opendir("/proc/self/fd");
  int self = d ? dirfd(d) : -1;
  bool first = true;
  while (d) {
    struct dirent* e = readdir(d);
    if (!e) break;
    if (e->d_name[0] == '.') continue;
    int fd = atoi(e->d_name);
    if (fd == self) continue;
    char path[64], target[512];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    target[n < 0 ? 0 : n] = '\0';
    arr += (first ? "" : ",") + Obj().Num("fd", fd).Str("target", target).Json();
    first = false;
  }
  if (d) closedir(d);
  return Obj().Raw("fds", arr + "]").Print();
}

int Rlimits() {
  struct {
    const char* name;
    int resource;
  } limits[] = {{"AS", RLIMIT_AS},       {"CORE", RLIMIT_CORE},     {"CPU", RLIMIT_CPU},
                {"DATA", RLIMIT_DATA},   {"FSIZE", RLIMIT_FSIZE},   {"LOCKS", RLIMIT_LOCKS},
                {"MEMLOCK", RLIMIT_MEMLOCK}, {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
                {"NOFILE", RLIMIT_NOFILE}, {"NPROC", RLIMIT_NPROC}, {"RSS", RLIMIT_RSS},
                {"RTPRIO", RLIMIT_RTPRIO}, {"RTTIME", RLIMIT_RTTIME},
                {"SIGPENDING", RLIMIT_SIGPENDING}, {"STACK", RLIMIT_STACK}};
  Obj o;
  for (auto& l : limits) {
    struct rlimit r;
    getrlimit(static_cast<__rlimit_resource>(l.resource), &r);
    o.Raw(l.name, Obj().Num("soft", static_cast<long long>(r.rlim_cur))
                      .Num("hard", static_cast<long long>(r.rlim_max)).Json());
  }
  return o.Print();
}

int Report(long ret) {
  int err = ret < 0 ? errno : 0;
  return Obj().Num("ret", ret).Num("errno", err).Str("error", err ? strerror(err) : "").Print();
}

int Syscall(int argc, char** argv) {
  if (argc < 1) return 2;
  std::string name = argv[0];
  auto arg = [&](int i) { return i < argc ? argv[i] : ""; };
  errno = 0;
  if (name == "mkdir") return Report(mkdir(arg(1), 0755));
  if (name == "chmod") return Report(chmod(arg(1), static_cast<mode_t>(strtol(arg(2), nullptr, 8))));
  if (name == "unshare") return Report(unshare(static_cast<int>(strtol(arg(1), nullptr, 0))));
  if (name == "getppid") return Report(getppid());
  if (name == "personality") return Report(personality(0xffffffff));
  if (name == "keyctl-session") return Report(syscall(SYS_keyctl, 1 /* JOIN_SESSION */, nullptr));
  if (name == "sethostname") return Report(sethostname(arg(1), strlen(arg(1))));
  if (name == "mount") return Report(mount("tmpfs", arg(1), "tmpfs", 0, nullptr));
  if (name == "ptrace-traceme") return Report(ptrace(PTRACE_TRACEME, 0, nullptr, nullptr));
  if (name == "socket") return Report(socket(atoi(arg(1)), atoi(arg(2)), 0));
  if (name == "chroot") return Report(chroot(arg(1)));
  if (name == "setuid") return Report(setuid(static_cast<uid_t>(atoi(arg(1)))));
  if (name == "open") return Report(open(arg(1), O_RDONLY));
  if (name == "open-rw") return Report(open(arg(1), O_RDWR));
  if (name == "mknod") {
    return Report(mknod(arg(1), S_IFCHR | 0600, makedev(atoi(arg(2)), atoi(arg(3)))));
  }
  fprintf(stderr, "berth-probe: unknown syscall %s\n", name.c_str());
  return 2;
}

int Tty() {
  struct winsize ws = {};
  bool have_ws = ioctl(0, TIOCGWINSZ, &ws) == 0;
  char name[128] = "";
  if (ttyname_r(0, name, sizeof(name)) != 0) name[0] = '\0';
  pid_t tpgid = tcgetpgrp(0);
  return Obj()
      .Bool("stdin_isatty", isatty(0)).Bool("stdout_isatty", isatty(1)).Bool("stderr_isatty", isatty(2))
      .Str("ttyname", name)
      .Raw("winsize", Obj().Num("rows", have_ws ? ws.ws_row : -1).Num("cols", have_ws ? ws.ws_col : -1).Json())
      .Bool("ctty", tpgid >= 0).Num("sid", getsid(0)).Num("tpgid", tpgid).Print();
}

double Clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int Alloc(long mb) {
  std::vector<char*> chunks;
  for (long i = 0; i < mb; ++i) {
    char* p = static_cast<char*>(malloc(1 << 20));
    if (!p) break;
    memset(p, 1, 1 << 20);
    chunks.push_back(p);
  }
  return Obj().Num("allocated_mb", static_cast<long long>(chunks.size())).Print();
}

int Fork(int n) {
  std::vector<pid_t> kids;
  int err = 0;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      pause();
      _exit(0);
    }
    if (pid < 0) {
      err = errno;
      break;
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) kill(k, SIGKILL);
  for (pid_t k : kids) waitpid(k, nullptr, 0);
  return Obj().Num("forked", static_cast<long long>(kids.size())).Num("errno", err).Print();
}

int Stat(const char* path) {
  struct stat st;
  if (lstat(path, &st) < 0) return Obj().Num("errno", errno).Str("error", strerror(errno)).Print();
  const char* type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir"
                     : S_ISLNK(st.st_mode) ? "symlink" : S_ISCHR(st.st_mode) ? "char"
                     : S_ISBLK(st.st_mode) ? "block" : S_ISFIFO(st.st_mode) ? "fifo" : "other";
  return Obj()
      .Num("mode", st.st_mode & 07777).Num("uid", st.st_uid).Num("gid", st.st_gid).Str("type", type)
      .Num("rdev_major", major(st.st_rdev)).Num("rdev_minor", minor(st.st_rdev)).Num("errno", 0).Print();
}

int Ls(const char* path) {
  std::vector<std::string> names;
  DIR* d = opendir(path);
  if (!d) return Obj().Num("errno", errno).Print();
  while (struct dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names.push_back(e->d_name);
  }
  closedir(d);
  return Obj().Raw("entries", StrArray(names)).Print();
}

int Usage() {
  fprintf(stderr,
          "usage: berth-probe ids|caps|ns|pid|fds|rlimits|env|cwd|hostname|personality|oom|"
          "cgroup|mountinfo|tty|time|sched|ioprio|alloc MB|fork N|sleep S|exit CODE|"
          "kill-self SIG|cat PATH|write PATH TEXT|stat PATH|ls DIR|syscall NAME ARGS|"
          "echo-stdin|stderr TEXT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string cmd = argv[1];
  const char* a2 = argc > 2 ? argv[2] : "";
  const char* a3 = argc > 3 ? argv[3] : "";
  if (cmd == "ids") return Ids();
  if (cmd == "caps") return Caps();
  if (cmd == "ns") return Ns();
  if (cmd == "pid") {
    return Obj().Num("pid", getpid()).Num("ppid", getppid()).Num("pgid", getpgid(0)).Num("sid", getsid(0)).Print();
  }
  if (cmd == "fds") return Fds();
  if (cmd == "rlimits") return Rlimits();
  if (cmd == "env") {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.push_back(*e);
    return Obj().Raw("env", StrArray(env)).Print();
  }
  if (cmd == "cwd") {
    char buf[4096];
    return Obj().Str("cwd", getcwd(buf, sizeof(buf)) ? buf : "").Print();
  }
  if (cmd == "hostname") {
    struct utsname u;
    uname(&u);
    return Obj().Str("hostname", u.nodename).Str("domainname", u.domainname).Print();
  }
  if (cmd == "personality") return Obj().Num("persona", personality(0xffffffff)).Print();
  if (cmd == "oom") return Obj().Num("oom_score_adj", atoi(ReadAll("/proc/self/oom_score_adj").c_str())).Print();
  if (cmd == "cgroup") return Obj().Raw("lines", StrArray(Lines(ReadAll("/proc/self/cgroup")))).Print();
  if (cmd == "mountinfo") return Obj().Raw("lines", StrArray(Lines(ReadAll("/proc/self/mountinfo")))).Print();
  if (cmd == "tty") return Tty();
  if (cmd == "time") {
    return Obj().Raw("monotonic", std::to_string(Clock(CLOCK_MONOTONIC)))
        .Raw("boottime", std::to_string(Clock(CLOCK_BOOTTIME)))
        .Raw("realtime", std::to_string(Clock(CLOCK_REALTIME))).Print();
  }
  if (cmd == "sched") {
    struct sched_param p = {};
    sched_getparam(0, &p);
    return Obj().Num("policy", sched_getscheduler(0)).Num("priority", p.sched_priority)
        .Num("nice", getpriority(PRIO_PROCESS, 0)).Print();
  }
  if (cmd == "ioprio") {
    long v = syscall(SYS_ioprio_get, 1, 0);
    return Obj().Num("class", v >> 13).Num("data", v & 0x1fff).Print();
  }
  if (cmd == "alloc") return Alloc(atol(a2));
  if (cmd == "fork") return Fork(atoi(a2));
  if (cmd == "sleep") {
    sleep(static_cast<unsigned>(atoi(a2)));
    return 0;
  }
  if (cmd == "exit") return atoi(a2);
  if (cmd == "kill-self") {
    kill(getpid(), atoi(a2));
    pause();
    return 0;
  }
  if (cmd == "cat") {
    std::string data = ReadAll(a2);
    fwrite(data.data(), 1, data.size(), stdout);
    return 0;
  }
  if (cmd == "write") {
    int fd = open(a2, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return Report(fd);
    long r = write(fd, a3, strlen(a3));
    int saved = errno;
    close(fd);
    errno = saved;
    return Report(r);
  }
  if (cmd == "stat") return Stat(a2);
  if (cmd == "ls") return Ls(a2);
  if (cmd == "syscall") return Syscall(argc - 2, argv + 2);
  if (cmd == "echo-stdin") {
    char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof(buf))) > 0) {
      if (write(1, buf, static_cast<size_t>(n)) < 0) return 1;
    }
    return 0;
  }
  if (cmd == "stderr") {
    fprintf(stderr, "%s\n", a2);
    return 0;
  }
  return Usage();
}
