#include "runtime/process/channel.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace berth::runtime::process {
namespace {

TEST_CASE("messages and fds cross the channel", "[channel]") {
  auto pair = Channel::Pair();
  REQUIRE(pair.ok());
  auto& [a, b] = *pair;
  REQUIRE(a.Send(MessageType::kInitPid, 4242, "payload").ok());
  absl::StatusOr<Message> m = b.Receive();
  REQUIRE(m.ok());
  CHECK(m->type == MessageType::kInitPid);
  CHECK(m->value == 4242);
  CHECK(m->data == "payload");

  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(a.Send(Message{MessageType::kSeccompFd, 0, ""}, devnull).ok());
  close(devnull);
  UniqueFd received;
  REQUIRE(b.Expect(MessageType::kSeccompFd, &received).ok());
  CHECK(received.ok());
}

TEST_CASE("a peer's error becomes the receiver's error", "[channel]") {
  auto pair = Channel::Pair();
  auto& [a, b] = *pair;
  REQUIRE(a.Send(MessageType::kError, static_cast<int64_t>(absl::StatusCode::kNotFound),
                 "exec \"x\": executable file not found in $PATH")
              .ok());
  absl::Status s = b.Expect(MessageType::kReady).status();
  CHECK(absl::IsNotFound(s));
  CHECK(std::string(s.message()) == "exec \"x\": executable file not found in $PATH");
  a.Close();
  CHECK(absl::IsUnavailable(b.Receive().status()));
}

}  // namespace
}  // namespace berth::runtime::process
