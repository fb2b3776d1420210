#include "cli/term/stream_pump.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "cli/term/detach_keys.h"
#include "cli/term/raw_mode.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli::term {
namespace {

// A Connection over one end of a socketpair; the test plays the daemon on
// the other end. Reads can be capped to force frames to arrive cut.
class SocketConnection : public client::Connection {
 public:
  explicit SocketConnection(UniqueFd fd) : fd_(std::move(fd)) {}

  // The i-th read returns at most limits[i] bytes; later reads `then` bytes.
  void SetReadLimits(std::deque<size_t> limits, size_t then = SIZE_MAX) {
    limits_ = std::move(limits);
    then_ = then;
  }

  absl::StatusOr<size_t> ReadSome(char* buf, size_t n) override {
    size_t limit = then_;
    if (!limits_.empty()) {
      limit = limits_.front();
      limits_.pop_front();
    }
    while (true) {
      ssize_t got = read(fd_.get(), buf, std::min(n, limit));
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return ErrnoErrorf(errno, "read socket");
    }
  }

  absl::Status WriteAll(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoErrorf(errno, "write socket");
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status CloseWrite() override {
    close_writes_.fetch_add(1);
    if (shutdown(fd_.get(), SHUT_WR) != 0) return ErrnoErrorf(errno, "shutdown write");
    return absl::OkStatus();
  }

  void Shutdown() override {
    shutdowns_.fetch_add(1);
    shutdown(fd_.get(), SHUT_RDWR);
  }

  int close_writes() const { return close_writes_.load(); }
  int shutdowns() const { return shutdowns_.load(); }

 private:
  UniqueFd fd_;
  std::deque<size_t> limits_;
  size_t then_ = SIZE_MAX;
  std::atomic<int> close_writes_{0};
  std::atomic<int> shutdowns_{0};
};

struct Wire {
  std::unique_ptr<SocketConnection> client;
  UniqueFd daemon;
};

Wire MakeWire() {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  return {std::make_unique<SocketConnection>(UniqueFd(sv[0])), UniqueFd(sv[1])};
}

struct Pipe {
  UniqueFd read, write;
};

Pipe MakePipe() {
  int p[2];
  REQUIRE(pipe2(p, O_CLOEXEC) == 0);
  return {UniqueFd(p[0]), UniqueFd(p[1])};
}

// Safe on any thread (Catch2 assertions are not).
bool WriteFully(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void WriteAll(int fd, std::string_view data) { REQUIRE(WriteFully(fd, data)); }

std::string ReadToEnd(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string Frame(uint8_t stream, std::string_view payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  std::string out = {static_cast<char>(stream),
                     0,
                     0,
                     0,
                     static_cast<char>(n >> 24),
                     static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8),
                     static_cast<char>(n)};
  out.append(payload);
  return out;
}

// Output-only pump of `stream` with reads capped by `limits`; returns the
// result and what reached stdout and stderr.
struct Outcome {
  absl::StatusOr<PumpResult> result;
  std::string out, err;
};

Outcome PumpOutput(const std::string& stream, std::deque<size_t> limits, size_t then) {
  Wire wire = MakeWire();
  wire.client->SetReadLimits(std::move(limits), then);
  WriteAll(wire.daemon.get(), stream);
  REQUIRE(shutdown(wire.daemon.get(), SHUT_WR) == 0);
  Pipe out = MakePipe(), err = MakePipe();
  PumpOptions options;
  options.out_fd = out.write.get();
  options.err_fd = err.write.get();
  Outcome outcome{Pump(*wire.client, options), "", ""};
  out.write.reset();
  err.write.reset();
  outcome.out = ReadToEnd(out.read.get());
  outcome.err = ReadToEnd(err.read.get());
  return outcome;
}

TEST_CASE("Pump demultiplexes frames cut at every byte boundary", "[stream_pump]") {
  std::string stream = Frame(1, "hello ") + Frame(2, "oops\n") + Frame(1, "") +
                       Frame(1, "world\n") + Frame(0, "in") + Frame(2, std::string(300, 'e'));
  const std::string want_out = "hello world\nin";
  const std::string want_err = "oops\n" + std::string(300, 'e');
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    INFO("first read " << cut << " bytes");
    Outcome o = PumpOutput(stream, {cut}, SIZE_MAX);
    REQUIRE(o.result.ok());
    CHECK(*o.result == PumpResult::kOutputEnded);
    CHECK(o.out == want_out);
    CHECK(o.err == want_err);
  }
  for (size_t step : {1, 2, 3, 5, 7, 8, 9, 13}) {
    INFO("reads of " << step << " bytes");
    Outcome o = PumpOutput(stream, {}, step);
    REQUIRE(o.result.ok());
    CHECK(o.out == want_out);
    CHECK(o.err == want_err);
  }
}

TEST_CASE("Pump turns a systemerr frame into an error", "[stream_pump]") {
  std::string stream = Frame(1, "partial") + Frame(3, "container gone") + Frame(1, "never");
  for (size_t step : {size_t{1}, size_t{4}, SIZE_MAX}) {
    Outcome o = PumpOutput(stream, {}, step);
    REQUIRE_FALSE(o.result.ok());
    CHECK(o.result.status().message() == "error from daemon in stream: container gone");
    CHECK(o.out == "partial");
  }
}

TEST_CASE("Pump rejects an unknown stream byte", "[stream_pump]") {
  Outcome o = PumpOutput(Frame(1, "ok") + Frame(7, "x"), {}, SIZE_MAX);
  REQUIRE_FALSE(o.result.ok());
  CHECK(o.result.status().message() == "unrecognized stream header: 7");
  CHECK(o.out == "ok");
}

TEST_CASE("Pump ends quietly on a frame cut short, as stdcopy does", "[stream_pump]") {
  Outcome o = PumpOutput(Frame(1, "whole") + Frame(2, "cut").substr(0, 5), {}, SIZE_MAX);
  REQUIRE(o.result.ok());
  CHECK(o.out == "whole");
  CHECK(o.err.empty());
}

TEST_CASE("Pump copies TTY output raw", "[stream_pump]") {
  Wire wire = MakeWire();
  std::string raw("\x01\x00\x00\x00\x00\x00\x00\x02hi\r\n", 12);
  WriteAll(wire.daemon.get(), raw);
  REQUIRE(shutdown(wire.daemon.get(), SHUT_WR) == 0);
  Pipe out = MakePipe();
  PumpOptions options;
  options.out_fd = out.write.get();
  options.tty = true;
  auto result = Pump(*wire.client, options);
  REQUIRE(result.ok());
  CHECK(*result == PumpResult::kOutputEnded);
  out.write.reset();
  CHECK(ReadToEnd(out.read.get()) == raw);
  // No stdin: the sending side was half-closed straight away.
  CHECK(wire.client->close_writes() == 1);
}

TEST_CASE("Pump half-closes at stdin EOF and keeps reading output", "[stream_pump]") {
  Wire wire = MakeWire();
  Pipe in = MakePipe(), out = MakePipe();
  // The "daemon" echoes stdin back once it has all of it (EOF = CloseWrite).
  std::thread daemon([fd = wire.daemon.get()] {
    std::string got = ReadToEnd(fd);
    WriteFully(fd, Frame(1, "got: " + got));
    shutdown(fd, SHUT_WR);
  });
  WriteAll(in.write.get(), "hi\n");
  in.write.reset();
  PumpOptions options;
  options.in_fd = in.read.get();
  options.out_fd = out.write.get();
  auto result = Pump(*wire.client, options);
  daemon.join();
  REQUIRE(result.ok());
  CHECK(*result == PumpResult::kOutputEnded);
  CHECK(wire.client->close_writes() == 1);
  out.write.reset();
  CHECK(ReadToEnd(out.read.get()) == "got: hi\n");
}

TEST_CASE("Pump returns when output ends though stdin is still open", "[stream_pump]") {
  Wire wire = MakeWire();
  Pipe in = MakePipe(), out = MakePipe();  // nobody ever writes or closes `in`
  WriteAll(wire.daemon.get(), Frame(1, "bye\n"));
  REQUIRE(shutdown(wire.daemon.get(), SHUT_WR) == 0);
  PumpOptions options;
  options.in_fd = in.read.get();
  options.out_fd = out.write.get();
  auto result = Pump(*wire.client, options);
  REQUIRE(result.ok());
  CHECK(*result == PumpResult::kOutputEnded);
  CHECK(wire.client->close_writes() == 0);  // input never ended
  out.write.reset();
  CHECK(ReadToEnd(out.read.get()) == "bye\n");
}

TEST_CASE("Pump without output fds returns once stdin is done", "[stream_pump]") {
  Wire wire = MakeWire();
  Pipe in = MakePipe();
  WriteAll(in.write.get(), "data");
  in.write.reset();
  PumpOptions options;
  options.in_fd = in.read.get();
  auto result = Pump(*wire.client, options);  // the daemon never closes
  REQUIRE(result.ok());
  CHECK(*result == PumpResult::kOutputEnded);
  CHECK(ReadToEnd(wire.daemon.get()) == "data");
}

TEST_CASE("Pump reports a failed write to stdout", "[stream_pump]") {
  struct sigaction ignore {
  }, original{};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(sigaction(SIGPIPE, &ignore, &original) == 0);
  Wire wire = MakeWire();
  WriteAll(wire.daemon.get(), Frame(1, "lost"));
  Pipe out = MakePipe();
  out.read.reset();
  PumpOptions options;
  options.out_fd = out.write.get();
  auto result = Pump(*wire.client, options);
  REQUIRE(sigaction(SIGPIPE, &original, nullptr) == 0);
  REQUIRE_FALSE(result.ok());
  CHECK(std::string(result.status().message()).find("write container stdout to fd") == 0);
}

struct Pty {
  UniqueFd master, slave;
};

Pty OpenPty() {
  int master = -1, slave = -1;
  REQUIRE(openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  return {UniqueFd(master), UniqueFd(slave)};
}

TEST_CASE("Pump detaches on ctrl-p ctrl-q typed at a raw terminal", "[stream_pump]") {
  Pty pty = OpenPty();
  // Raw mode is what lets ^Q through (IXON) and each byte through at once
  // (ICANON).
  auto raw = RawTerminal::Enable(pty.slave.get());
  REQUIRE(raw.ok());
  Wire wire = MakeWire();
  Pipe out = MakePipe();

  std::string received;
  std::thread daemon([&received, fd = wire.daemon.get()] {
    WriteFully(fd, "$ ");  // a prompt; the container keeps running
    received = ReadToEnd(fd);
  });
  std::thread typist([master = pty.master.get()] {
    WriteFully(master, "ls\x10");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    WriteFully(master, "x\r");  // breaks the sequence: ^P is flushed, then x
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    WriteFully(master, "\x10");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    WriteFully(master,
               "\x11"
               "after");
  });

  PumpOptions options;
  options.in_fd = pty.slave.get();
  options.out_fd = out.write.get();
  options.tty = true;
  options.detach_keys = *ParseDetachKeys("ctrl-p,ctrl-q");
  auto result = Pump(*wire.client, options);
  typist.join();
  daemon.join();
  REQUIRE(result.ok());
  CHECK(*result == PumpResult::kDetached);
  CHECK(received == "ls\x10x\r");
  CHECK(wire.client->close_writes() == 0);
  CHECK(wire.client->shutdowns() >= 1);
  out.write.reset();
  CHECK(ReadToEnd(out.read.get()) == "$ ");
}

TEST_CASE("Pump sends the detach keys through when the container has no TTY", "[stream_pump]") {
  Wire wire = MakeWire();
  Pipe in = MakePipe(), out = MakePipe();
  WriteAll(in.write.get(), "\x10\x11");
  in.write.reset();
  std::thread daemon([fd = wire.daemon.get()] {
    std::string got = ReadToEnd(fd);
    WriteFully(fd, Frame(1, got));
    shutdown(fd, SHUT_WR);
  });
  PumpOptions options;
  options.in_fd = in.read.get();
  options.out_fd = out.write.get();
  options.detach_keys = "\x10\x11";
  auto result = Pump(*wire.client, options);
  daemon.join();
  REQUIRE(result.ok());
  CHECK(*result == PumpResult::kOutputEnded);
  out.write.reset();
  CHECK(ReadToEnd(out.read.get()) == "\x10\x11");
}

}  // namespace
}  // namespace berth::cli::term
