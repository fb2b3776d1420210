#include "cli/term/raw_mode.h"

#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "common/unique_fd.h"

namespace berth::cli::term {
namespace {

struct Pty {
  UniqueFd master, slave;
};

Pty OpenPty() {
  int master = -1, slave = -1;
  REQUIRE(openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  return {UniqueFd(master), UniqueFd(slave)};
}

struct termios Attrs(int fd) {
  struct termios t {};
  REQUIRE(tcgetattr(fd, &t) == 0);
  return t;
}

bool IsCooked(const struct termios& t) {
  return (t.c_lflag & ICANON) && (t.c_lflag & ECHO) && (t.c_lflag & ISIG) && (t.c_oflag & OPOST) &&
         (t.c_iflag & ICRNL);
}

bool IsRaw(const struct termios& t) {
  return !(t.c_lflag & (ICANON | ECHO | ECHONL | ISIG | IEXTEN)) && !(t.c_oflag & OPOST) &&
         !(t.c_iflag & (IXON | ICRNL | INLCR | IGNCR | BRKINT | ISTRIP | PARMRK | IGNBRK)) &&
         (t.c_cflag & CSIZE) == CS8 && !(t.c_cflag & PARENB) && t.c_cc[VMIN] == 1 &&
         t.c_cc[VTIME] == 0;
}

TEST_CASE("IsTerminal tells terminals from pipes", "[raw_mode]") {
  Pty pty = OpenPty();
  CHECK(IsTerminal(pty.slave.get()));
  int p[2];
  REQUIRE(pipe(p) == 0);
  UniqueFd r(p[0]), w(p[1]);
  CHECK_FALSE(IsTerminal(r.get()));
  CHECK_FALSE(IsTerminal(-1));
}

TEST_CASE("RawTerminal makes a terminal raw and restores it", "[raw_mode]") {
  Pty pty = OpenPty();
  struct termios before = Attrs(pty.slave.get());
  REQUIRE(IsCooked(before));
  {
    auto raw = RawTerminal::Enable(pty.slave.get());
    REQUIRE(raw.ok());
    CHECK(raw->fd() == pty.slave.get());
    CHECK(IsRaw(Attrs(pty.slave.get())));
    // Moving keeps one owner of the restore.
    RawTerminal moved = std::move(*raw);
    CHECK(IsRaw(Attrs(pty.slave.get())));
  }
  struct termios after = Attrs(pty.slave.get());
  CHECK(after.c_lflag == before.c_lflag);
  CHECK(after.c_iflag == before.c_iflag);
  CHECK(after.c_oflag == before.c_oflag);
  CHECK(after.c_cflag == before.c_cflag);
}

TEST_CASE("RawTerminal::Restore restores once", "[raw_mode]") {
  Pty pty = OpenPty();
  auto raw = RawTerminal::Enable(pty.slave.get());
  REQUIRE(raw.ok());
  REQUIRE(raw->Restore().ok());
  CHECK(IsCooked(Attrs(pty.slave.get())));
  // Changing the terminal afterwards is not undone by the destructor.
  auto again = RawTerminal::Enable(pty.slave.get());
  REQUIRE(again.ok());
  CHECK(raw->Restore().ok());
  CHECK(IsRaw(Attrs(pty.slave.get())));
}

TEST_CASE("RawTerminal::Enable fails clearly on a non-terminal", "[raw_mode]") {
  int p[2];
  REQUIRE(pipe(p) == 0);
  UniqueFd r(p[0]), w(p[1]);
  auto raw = RawTerminal::Enable(r.get());
  REQUIRE_FALSE(raw.ok());
  CHECK(raw.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(raw.status().message()).find("not a terminal") != std::string::npos);
  CHECK_FALSE(RawTerminal::Enable(-1).ok());
}

}  // namespace
}  // namespace berth::cli::term
