// SendSeccompListenerFd against a unix socket this test listens on; any fd
// stands in for the seccomp listener. No root needed.
#include "runtime/linux/seccomp_listener.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "common/unique_fd.h"
#include "runtime/spec/spec.h"
#include "tests/testutil/temp_dir.h"

namespace berth::runtime::linux {
namespace {

UniqueFd Listen(const std::string& path) {
  UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(sock.ok());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(addr.sun_path));
  memcpy(addr.sun_path, path.c_str(), path.size());
  REQUIRE(bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(listen(sock.get(), 1) == 0);
  return sock;
}

// Reads everything the peer sends until it closes; the fds that came with
// the first message land in *fd (count in *fd_count).
std::string Receive(int conn, UniqueFd* fd, int* fd_count) {
  std::string data;
  char buf[4096];
  bool first = true;
  for (;;) {
    iovec iov{buf, sizeof(buf)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    REQUIRE(n >= 0);
    if (n == 0) break;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      REQUIRE(first);
      REQUIRE(c->cmsg_level == SOL_SOCKET);
      REQUIRE(c->cmsg_type == SCM_RIGHTS);
      *fd_count = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      int received = -1;
      memcpy(&received, CMSG_DATA(c), sizeof(int));
      fd->reset(received);
    }
    first = false;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

TEST_CASE("ContainerProcessState has the runtime-spec fields", "[seccomp]") {
  json::Json state = {
      {"ociVersion", "1.2.0"}, {"id", "c1"}, {"status", "creating"}, {"pid", 42}, {"bundle", "/b"}};
  json::Json j = ContainerProcessState(42, "meta", state);
  CHECK(j["ociVersion"] == spec::kOciVersion);
  CHECK(j["fds"] == json::Json::array({"seccompFd"}));
  CHECK(j["pid"] == 42);
  CHECK(j["metadata"] == "meta");
  CHECK(j["state"] == state);
  // metadata is omitempty.
  CHECK_FALSE(ContainerProcessState(42, "", state).contains("metadata"));
}

TEST_CASE("SendSeccompListenerFd sends the state and the fd in one message", "[seccomp]") {
  testing::TempDir dir("berth-seccomp-listener");
  std::string path = dir.Sub("agent.sock");
  UniqueFd listener = Listen(path);

  int pipe_fds[2];
  REQUIRE(pipe2(pipe_fds, O_CLOEXEC) == 0);
  UniqueFd pipe_read(pipe_fds[0]);
  UniqueFd pipe_write(pipe_fds[1]);

  json::Json state = {{"ociVersion", "1.2.0"},    {"id", "ctr"},
                      {"status", "creating"},     {"pid", 1234},
                      {"bundle", "/bundles/ctr"}, {"annotations", {{"a", "b"}}}};
  // The connection is queued in the backlog, so sending completes before
  // accept.
  absl::Status sent = SendSeccompListenerFd(path, pipe_write.get(), 1234, "opaque", state);
  INFO(sent);
  REQUIRE(sent.ok());

  UniqueFd conn(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(conn.ok());
  UniqueFd received;
  int fd_count = 0;
  std::string text = Receive(conn.get(), &received, &fd_count);
  CHECK(fd_count == 1);
  REQUIRE(received.ok());

  json::Json j = json::Json::parse(text, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j == json::Json({{"ociVersion", spec::kOciVersion},
                         {"fds", {"seccompFd"}},
                         {"pid", 1234},
                         {"metadata", "opaque"},
                         {"state", state}}));

  // The received fd is the pipe's write end.
  REQUIRE(write(received.get(), "x", 1) == 1);
  char c = 0;
  REQUIRE(read(pipe_read.get(), &c, 1) == 1);
  CHECK(c == 'x');
}

TEST_CASE("SendSeccompListenerFd reports where it could not connect", "[seccomp]") {
  testing::TempDir dir("berth-seccomp-listener");
  std::string path = dir.Sub("nobody-listens.sock");
  absl::Status s = SendSeccompListenerFd(path, STDIN_FILENO, 1, "", json::Json::object());
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(std::string(s.message()), Catch::Contains("connect to the seccomp agent at " + path));

  std::string too_long = "/" + std::string(200, 'x');
  s = SendSeccompListenerFd(too_long, STDIN_FILENO, 1, "", json::Json::object());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);

  s = SendSeccompListenerFd(path, -1, 1, "", json::Json::object());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtime::linux
