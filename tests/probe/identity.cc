// Who and where the process is: credentials, capabilities, namespaces,
// process ids, environment, hostname, personality.
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <climits>

#include "tests/probe/json_out.h"
#include "tests/probe/probe.h"

extern char** environ;

namespace berth::probe {

int CmdIds(const Args&) {
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0) {
    return Failure("getresuid/getresgid failed");
  }
  int n = getgroups(0, nullptr);
  std::vector<gid_t> groups(n > 0 ? static_cast<size_t>(n) : 0);
  if (n > 0) n = getgroups(n, groups.data());
  Array group_array;
  for (int i = 0; i < n; ++i) group_array.Int(groups[static_cast<size_t>(i)]);

  int64_t mask = -1;
  if (std::optional<std::string> field = ProcStatusField("Umask")) {
    if (std::optional<int64_t> v = ParseInt(*field, 8)) mask = *v;
  }
  if (mask < 0) {  // kernels before 4.7 have no Umask: line
    mode_t old = umask(0);
    umask(old);
    mask = old;
  }
  return Print(Object()
                   .Int("uid", ruid)
                   .Int("gid", rgid)
                   .Int("euid", euid)
                   .Int("egid", egid)
                   .Int("suid", suid)
                   .Int("sgid", sgid)
                   .Arr("groups", group_array)
                   .Int("umask", mask));
}

int CmdCaps(const Args&) {
  Object out;
  const struct {
    const char* key;
    const char* field;
  } kSets[] = {{"bounding", "CapBnd"},
               {"effective", "CapEff"},
               {"permitted", "CapPrm"},
               {"inheritable", "CapInh"},
               {"ambient", "CapAmb"}};
  for (const auto& set : kSets) {
    std::optional<std::string> value = ProcStatusField(set.field);
    if (value) {
      out.Str(set.key, *value);
    } else {
      out.Null(set.key);
    }
  }
  int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  out.Bool("no_new_privs", nnp == 1);
  std::optional<std::string> seccomp = ProcStatusField("Seccomp");
  std::optional<int64_t> mode = seccomp ? ParseInt(*seccomp) : std::nullopt;
  if (mode) {
    out.Int("seccomp", *mode);
  } else {
    out.Null("seccomp");
  }
  return Print(out);
}

int CmdNs(const Args&) {
  Object out;
  for (const char* ns : {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
                         "time_for_children", "user", "uts"}) {
    std::string path = std::string("/proc/self/ns/") + ns;
    char target[PATH_MAX];
    ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    std::optional<uint64_t> inode;
    if (n > 0) {
      std::string_view link(target, static_cast<size_t>(n));  // "pid:[4026531836]"
      size_t open = link.find('[');
      size_t close = link.find(']');
      if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        inode = ParseUint(link.substr(open + 1, close - open - 1));
      }
    }
    if (inode) {
      out.Uint(ns, *inode);
    } else {
      out.Null(ns);
    }
  }
  return Print(out);
}

int CmdPid(const Args&) {
  return Print(Object()
                   .Int("pid", getpid())
                   .Int("ppid", getppid())
                   .Int("pgid", getpgrp())
                   .Int("sid", getsid(0)));
}

int CmdEnv(const Args&) {
  Array env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.Str(*e);
  return Print(Object().Arr("env", env));
}

int CmdCwd(const Args&) {
  std::string buf(PATH_MAX, '\0');
  if (getcwd(buf.data(), buf.size()) == nullptr) return Failure("getcwd failed");
  buf.resize(buf.find('\0'));
  return Print(Object().Str("cwd", buf));
}

int CmdHostname(const Args&) {
  struct utsname u;
  if (uname(&u) < 0) return Failure("uname failed");
  return Print(Object().Str("hostname", u.nodename).Str("domainname", u.domainname));
}

int CmdPersonality(const Args&) {
  int persona = personality(0xffffffff);
  return Print(Object().Int("persona", persona));
}

}  // namespace berth::probe
