// Seccomp filters loaded for real, each in a forked child: errno actions,
// argument conditions, kill actions, and SCMP_ACT_NOTIFY answered by the test
// acting as the seccomp agent. Needs root (loading without no_new_privs needs
// CAP_SYS_ADMIN).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <sstream>
#include <string>

#include "common/unique_fd.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/seccomp_listener.h"
#include "runtime/linux/seccomp_program.h"
#include "runtime/spec/spec.h"
#include "tests/integration/runtime/forked_child.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::runtime::linux {
namespace {

using testing::ChildResult;
using testing::Report;
using testing::RunInChild;
using testing::WriteAll;

// "name=value" lines from a child.
std::map<std::string, std::string> ParseLines(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// The errno name of a raw syscall result: "0" on success, else "EPERM" etc.
std::string Result(long rc) {
  if (rc >= 0) return std::to_string(rc);
  const char* name = strerrorname_np(errno);
  return name ? name : std::to_string(errno);
}

spec::SeccompArg Arg(uint32_t index, uint64_t value, const char* op) {
  return {.index = index, .value = value, .value_two = 0, .op = op};
}

// Builds and loads `s`; on failure reports "error=..." and returns false.
bool Load(int out, const spec::Seccomp& s, UniqueFd* notify_fd = nullptr) {
  absl::StatusOr<SeccompFilter> filter = BuildSeccompFilter(s);
  if (!filter.ok()) {
    WriteAll(out, "error=" + std::string(filter.status().message()));
    return false;
  }
  absl::StatusOr<UniqueFd> fd = LoadSeccompFilter(*filter);
  if (!fd.ok()) {
    WriteAll(out, "error=" + std::string(fd.status().message()));
    return false;
  }
  if (notify_fd != nullptr) {
    *notify_fd = std::move(*fd);
  } else if (fd->ok()) {
    WriteAll(out, "error=unexpected notify fd\n");
    return false;
  }
  return true;
}

// What the test, acting as seccomp agent, got and did.
struct AgentLog {
  std::string text;  // the container process state, as received
  int fd_count = 0;  // fds that came with it
  uint64_t nr = 0;   // the notified syscall
  uint32_t pid = 0;  // and its caller
};

// Accepts one connection on `listen_fd`, reads the state and the listener
// fd, waits for one notification and answers it with `value`. Returns ""
// or what went wrong.
std::string ServeOneNotification(int listen_fd, int64_t value, AgentLog* log) {
  pollfd p{listen_fd, POLLIN, 0};
  if (poll(&p, 1, 10000) != 1) return "no connection from the child";
  UniqueFd conn(accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.ok()) return "accept";
  UniqueFd seccomp_fd;
  char buf[4096];
  for (;;) {
    iovec iov{buf, sizeof(buf)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return "recvmsg";
    if (n == 0) break;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      log->fd_count += static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      int fd = -1;
      memcpy(&fd, CMSG_DATA(c), sizeof(int));
      seccomp_fd.reset(fd);
    }
    log->text.append(buf, static_cast<size_t>(n));
  }
  if (!seccomp_fd.ok()) return "no fd received";

  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  if (seccomp_notify_alloc(&req, &resp) != 0) return "seccomp_notify_alloc";
  std::string error;
  pollfd np{seccomp_fd.get(), POLLIN, 0};
  if (poll(&np, 1, 10000) != 1) {
    error = "no notification";
  } else if (int rc = seccomp_notify_receive(seccomp_fd.get(), req); rc != 0) {
    error = "seccomp_notify_receive: " + std::to_string(rc);
  } else {
    log->nr = static_cast<uint64_t>(req->data.nr);
    log->pid = req->pid;
    resp->id = req->id;
    resp->val = value;
    resp->error = 0;
    resp->flags = 0;
    if (int rc2 = seccomp_notify_respond(seccomp_fd.get(), resp); rc2 != 0) {
      error = "seccomp_notify_respond: " + std::to_string(rc2);
    }
  }
  seccomp_notify_free(req, resp);
  return error;
}

void RequireExitedZero(const ChildResult& r) {
  INFO(r.output);
  REQUIRE(r.ok);
  REQUIRE(r.status.signal == 0);
  REQUIRE(r.status.code == 0);
}

TEST_CASE("A loaded filter returns the configured errno values", "[seccomp][root]") {
  testing::RequireRoot();
  testing::TempDir dir("berth-seccomp");
  const std::string existing_dir = dir.Sub("existing");
  const std::string file = dir.Sub("file");
  REQUIRE(mkdir(existing_dir.c_str(), 0755) == 0);
  UniqueFd created(open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  REQUIRE(created.ok());
  created.reset();
  int fds_before = testing::CountOpenFds();

  ChildResult r = RunInChild([&](int out) {
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    s.syscalls.push_back({.names = {"mkdir"}, .action = "SCMP_ACT_ERRNO"});  // EPERM
    s.syscalls.push_back({.names = {"rmdir"}, .action = "SCMP_ACT_ERRNO", .errno_ret = EROFS});
    // chmod(path, 0777) -> EACCES; other modes allowed.
    s.syscalls.push_back({.names = {"chmod"},
                          .action = "SCMP_ACT_ERRNO",
                          .errno_ret = EACCES,
                          .args = {Arg(1, 0777, "SCMP_CMP_EQ")}});
    if (!Load(out, s)) return 1;
    std::string lines;
    lines += "mkdir=" + Result(syscall(SYS_mkdir, dir.Sub("new").c_str(), 0755)) + "\n";
    lines += "rmdir=" + Result(syscall(SYS_rmdir, existing_dir.c_str())) + "\n";
    lines += "chmod_0777=" + Result(syscall(SYS_chmod, file.c_str(), 0777)) + "\n";
    lines += "chmod_0640=" + Result(syscall(SYS_chmod, file.c_str(), 0640)) + "\n";
    // Not filtered: mkdirat, getpid, open/write.
    lines +=
        "mkdirat=" + Result(syscall(SYS_mkdirat, AT_FDCWD, dir.Sub("via-at").c_str(), 0755)) + "\n";
    lines += "getpid_ok=" + std::to_string(syscall(SYS_getpid) == getpid()) + "\n";
    return Report(out, lines, 0);
  });
  RequireExitedZero(r);
  std::map<std::string, std::string> got = ParseLines(r.output);
  INFO(r.output);
  CHECK(got["mkdir"] == "EPERM");
  CHECK(got["rmdir"] == "EROFS");
  CHECK(got["chmod_0777"] == "EACCES");
  CHECK(got["chmod_0640"] == "0");
  CHECK(got["mkdirat"] == "0");
  CHECK(got["getpid_ok"] == "1");

  struct stat st {};
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(access(dir.Sub("new").c_str(), F_OK) != 0);
  CHECK(access(dir.Sub("via-at").c_str(), F_OK) == 0);
  CHECK(access(existing_dir.c_str(), F_OK) == 0);
  CHECK(testing::CountOpenFds() == fds_before);
}

TEST_CASE("A precompiled program acts as the filter libseccomp loads", "[seccomp][root]") {
  testing::RequireRoot();
  testing::TempDir dir("berth-seccomp");
  int fds_before = testing::CountOpenFds();
  for (bool log_flag : {false, true}) {
    INFO("SECCOMP_FILTER_FLAG_LOG " << log_flag);
    ChildResult r = RunInChild([&](int out) {
      spec::Seccomp s;
      s.default_action = "SCMP_ACT_ALLOW";
      s.syscalls.push_back({.names = {"mkdir"}, .action = "SCMP_ACT_ERRNO"});  // EPERM
      s.syscalls.push_back({.names = {"getppid"}, .action = "SCMP_ACT_ERRNO", .errno_ret = EDOM});
      if (log_flag) s.flags = {"SECCOMP_FILTER_FLAG_LOG"};
      absl::StatusOr<SeccompProgram> program = CompileSeccompProgram(s);
      if (!program.ok()) return Report(out, "error=" + std::string(program.status().message()), 1);
      if (absl::Status loaded = LoadSeccompProgram(*program); !loaded.ok()) {
        return Report(out, "error=" + std::string(loaded.message()), 1);
      }
      std::string lines;
      lines += "mkdir=" + Result(syscall(SYS_mkdir, dir.Sub("new").c_str(), 0755)) + "\n";
      lines += "getppid=" + Result(syscall(SYS_getppid)) + "\n";
      lines += "getpid_ok=" + std::to_string(syscall(SYS_getpid) == getpid()) + "\n";
      // The mode the kernel reports: a filter is in place.
      lines += "seccomp_mode=" + std::to_string(prctl(PR_GET_SECCOMP)) + "\n";
      return Report(out, lines, 0);
    });
    RequireExitedZero(r);
    std::map<std::string, std::string> got = ParseLines(r.output);
    INFO(r.output);
    CHECK(got["mkdir"] == "EPERM");
    CHECK(got["getppid"] == "EDOM");
    CHECK(got["getpid_ok"] == "1");
    CHECK(got["seccomp_mode"] == "2");
    CHECK(access(dir.Sub("new").c_str(), F_OK) != 0);
  }
  CHECK(testing::CountOpenFds() == fds_before);
}

TEST_CASE("Argument conditions on different indexes AND while a repeated index ORs",
          "[seccomp][root]") {
  testing::RequireRoot();
  testing::TempDir dir("berth-seccomp");
  int fds_before = testing::CountOpenFds();

  ChildResult r = RunInChild([&](int out) {
    UniqueFd a(open(dir.Sub("a").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    UniqueFd b(open(dir.Sub("b").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    if (!a.ok() || !b.ok()) return Report(out, "error=open", 1);
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    // fchmod(a, 0777) only: both conditions must hold.
    s.syscalls.push_back({.names = {"fchmod"},
                          .action = "SCMP_ACT_ERRNO",
                          .errno_ret = EACCES,
                          .args = {Arg(0, static_cast<uint64_t>(a.get()), "SCMP_CMP_EQ"),
                                   Arg(1, 0777, "SCMP_CMP_EQ")}});
    // fchown(_, 1000, _) or fchown(_, 1001, _): either condition.
    s.syscalls.push_back({.names = {"fchown"},
                          .action = "SCMP_ACT_ERRNO",
                          .errno_ret = EDOM,
                          .args = {Arg(1, 1000, "SCMP_CMP_EQ"), Arg(1, 1001, "SCMP_CMP_EQ")}});
    if (!Load(out, s)) return 1;
    std::string lines;
    lines += "fchmod_a_0777=" + Result(syscall(SYS_fchmod, a.get(), 0777)) + "\n";
    lines += "fchmod_a_0700=" + Result(syscall(SYS_fchmod, a.get(), 0700)) + "\n";
    lines += "fchmod_b_0777=" + Result(syscall(SYS_fchmod, b.get(), 0777)) + "\n";
    lines += "fchown_1000=" + Result(syscall(SYS_fchown, a.get(), 1000, -1)) + "\n";
    lines += "fchown_1001=" + Result(syscall(SYS_fchown, a.get(), 1001, -1)) + "\n";
    lines += "fchown_1002=" + Result(syscall(SYS_fchown, a.get(), 1002, -1)) + "\n";
    return Report(out, lines, 0);
  });
  RequireExitedZero(r);
  std::map<std::string, std::string> got = ParseLines(r.output);
  INFO(r.output);
  CHECK(got["fchmod_a_0777"] == "EACCES");
  CHECK(got["fchmod_a_0700"] == "0");
  CHECK(got["fchmod_b_0777"] == "0");
  CHECK(got["fchown_1000"] == "EDOM");
  CHECK(got["fchown_1001"] == "EDOM");
  CHECK(got["fchown_1002"] == "0");
  CHECK(testing::CountOpenFds() == fds_before);
}

TEST_CASE("Kill actions end the process with SIGSYS", "[seccomp][root]") {
  testing::RequireRoot();
  for (const char* action : {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"}) {
    INFO(action);
    ChildResult r = RunInChild([&](int out) {
      rlimit no_core{0, 0};
      setrlimit(RLIMIT_CORE, &no_core);  // no core file for the expected crash
      spec::Seccomp s;
      s.default_action = "SCMP_ACT_ALLOW";
      s.syscalls.push_back({.names = {"getppid"}, .action = action});
      if (!Load(out, s)) return 1;
      WriteAll(out, "loaded\n");
      syscall(SYS_getppid);
      return Report(out, "survived\n", 0);
    });
    INFO(r.output);
    REQUIRE(r.ok);
    CHECK(r.output == "loaded\n");
    CHECK(r.status.signal == SIGSYS);
  }
}

TEST_CASE("SCMP_ACT_NOTIFY hands the listener to an agent that answers", "[seccomp][root]") {
  testing::RequireRoot();
  testing::TempDir dir("berth-seccomp");
  const std::string agent_path = dir.Sub("agent.sock");
  int fds_before = testing::CountOpenFds();

  UniqueFd agent(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(agent.ok());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, agent_path.c_str(), agent_path.size());
  REQUIRE(bind(agent.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(listen(agent.get(), 1) == 0);

  const json::Json state_template = {{"ociVersion", spec::kOciVersion},
                                     {"id", "notify-test"},
                                     {"status", "creating"},
                                     {"bundle", dir.path()},
                                     {"annotations", {{"org.example", "yes"}}}};

  AgentLog agent_log;
  std::string agent_error;
  auto agent_side = [&](pid_t) {
    agent_error = ServeOneNotification(agent.get(), 4242, &agent_log);
  };

  ChildResult r = RunInChild(
      [&](int out) {
        spec::Seccomp s;
        s.default_action = "SCMP_ACT_ALLOW";
        s.listener_path = agent_path;
        s.listener_metadata = "agent-metadata";
        s.syscalls.push_back({.names = {"getppid"}, .action = "SCMP_ACT_NOTIFY"});
        if (!ValidateSeccomp(s).ok() || !UsesNotify(s)) return Report(out, "error=validate", 1);
        UniqueFd notify_fd;
        if (!Load(out, s, &notify_fd)) return 1;
        if (!notify_fd.ok()) return Report(out, "error=no notify fd\n", 1);
        if ((fcntl(notify_fd.get(), F_GETFD) & FD_CLOEXEC) == 0) {
          return Report(out, "error=notify fd not close-on-exec\n", 1);
        }
        json::Json state = state_template;
        state["pid"] = getpid();
        absl::Status sent = SendSeccompListenerFd(agent_path, notify_fd.get(), getpid(),
                                                  s.listener_metadata, state);
        if (!sent.ok()) return Report(out, "error=" + std::string(sent.message()), 1);
        notify_fd.reset();  // the agent has its own copy now
        long ppid = syscall(SYS_getppid);
        return Report(out, "getppid=" + std::to_string(ppid) + "\n", 0);
      },
      agent_side);

  INFO(agent_error);
  REQUIRE(agent_error.empty());
  RequireExitedZero(r);
  CHECK(ParseLines(r.output)["getppid"] == "4242");
  CHECK(agent_log.nr == SYS_getppid);
  CHECK(agent_log.pid == static_cast<uint32_t>(r.pid));

  CHECK(agent_log.fd_count == 1);
  json::Json got = json::Json::parse(agent_log.text, nullptr, false);
  INFO(agent_log.text);
  REQUIRE(got.is_object());
  CHECK(got.size() == 5);
  CHECK(got["ociVersion"] == spec::kOciVersion);
  CHECK(got["fds"] == json::Json::array({"seccompFd"}));
  CHECK(got["pid"] == r.pid);
  CHECK(got["metadata"] == "agent-metadata");
  json::Json want_state = state_template;
  want_state["pid"] = r.pid;
  CHECK(got["state"] == want_state);

  agent.reset();
  CHECK(testing::CountOpenFds() == fds_before);
}

}  // namespace
}  // namespace berth::runtime::linux
