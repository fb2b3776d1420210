#include "shim/io/io_hub.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>

#include "shim/io/stdio_pipes.h"

namespace berth::shim::io {
namespace {

class RecordingSink : public OutputSink {
 public:
  void OnOutput(Stream stream, std::string_view data) override {
    std::lock_guard lock(mu_);
    (stream == Stream::kStdout ? out_ : err_).append(data);
    cv_.notify_all();
  }
  void OnOutputClosed() override {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  bool WaitFor(const std::string& text) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5),
                        [&] { return out_.find(text) != std::string::npos; });
  }
  bool WaitClosed() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return closed_; });
  }
  std::string out() {
    std::lock_guard lock(mu_);
    return out_;
  }
  std::string err() {
    std::lock_guard lock(mu_);
    return err_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string out_, err_;
  bool closed_ = false;
};

void WriteAll(int fd, const std::string& data) {
  REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
}

TEST_CASE("io hub relays output to attached sinks and reports the end", "[shim][io]") {
  auto hub = IoHub::Create();
  REQUIRE(hub.ok());
  (*hub)->Start();
  auto pipes = MakeStdioPipes(false);
  REQUIRE(pipes.ok());
  REQUIRE((*hub)->AddProcess("p", nullptr).ok());
  RecordingSink both, only_err;
  REQUIRE((*hub)->Attach("p", &both, true, true).ok());
  REQUIRE((*hub)->Attach("p", &only_err, false, true).ok());
  REQUIRE((*hub)->ConnectStdio("p", std::move(pipes->shim)).ok());
  WriteAll(pipes->child.err.get(), "warning\n");
  WriteAll(pipes->child.out.get(), "hello\n");
  REQUIRE(both.WaitFor("hello\n"));
  std::promise<void> drained;
  (*hub)->WhenDrained("p", std::chrono::seconds(5), [&] { drained.set_value(); });
  pipes->child = ChildStdio();
  REQUIRE(both.WaitClosed());
  REQUIRE(only_err.WaitClosed());
  CHECK(drained.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(both.err() == "warning\n");
  CHECK(only_err.out().empty());
  CHECK(only_err.err() == "warning\n");
  (*hub)->RemoveProcess("p");
}

TEST_CASE("io hub writes queued stdin once the process's stdio is connected", "[shim][io]") {
  auto hub = IoHub::Create();
  REQUIRE(hub.ok());
  (*hub)->Start();
  REQUIRE((*hub)->AddProcess("p", nullptr).ok());
  std::promise<absl::Status> written;
  (*hub)->WriteStdin("p", "early\n", [&](absl::Status s) { written.set_value(s); });
  auto pipes = MakeStdioPipes(true);
  REQUIRE(pipes.ok());
  REQUIRE((*hub)->ConnectStdio("p", std::move(pipes->shim)).ok());
  CHECK(written.get_future().get().ok());
  REQUIRE((*hub)->CloseStdin("p").ok());
  char buf[64];
  ssize_t n = ::read(pipes->child.in.get(), buf, sizeof(buf));
  CHECK(std::string(buf, static_cast<size_t>(n)) == "early\n");
  // Closed after the flush: the reader sees end of file.
  CHECK(::read(pipes->child.in.get(), buf, sizeof(buf)) == 0);
  std::promise<absl::Status> refused;
  (*hub)->WriteStdin("p", "late", [&](absl::Status s) { refused.set_value(s); });
  CHECK(absl::IsFailedPrecondition(refused.get_future().get()));
  (*hub)->RemoveProcess("p");
}

TEST_CASE("io hub keeps writing stdin larger than a pipe as the reader drains", "[shim][io]") {
  auto hub = IoHub::Create();
  REQUIRE(hub.ok());
  (*hub)->Start();
  REQUIRE((*hub)->AddProcess("p", nullptr).ok());
  auto pipes = MakeStdioPipes(true);
  REQUIRE(pipes.ok());
  REQUIRE((*hub)->ConnectStdio("p", std::move(pipes->shim)).ok());
  std::string big(1 << 20, 'x');
  std::promise<absl::Status> written;
  (*hub)->WriteStdin("p", big, [&](absl::Status s) { written.set_value(s); });
  size_t total = 0;
  char buf[65536];
  while (total < big.size()) {
    ssize_t n = ::read(pipes->child.in.get(), buf, sizeof(buf));
    REQUIRE(n > 0);
    total += static_cast<size_t>(n);
  }
  CHECK(written.get_future().get().ok());
  (*hub)->RemoveProcess("p");
}

TEST_CASE("io hub gives up waiting for output held open by another process", "[shim][io]") {
  auto hub = IoHub::Create();
  REQUIRE(hub.ok());
  (*hub)->Start();
  auto pipes = MakeStdioPipes(false);
  REQUIRE(pipes.ok());
  REQUIRE((*hub)->AddProcess("p", nullptr).ok());
  REQUIRE((*hub)->ConnectStdio("p", std::move(pipes->shim)).ok());
  std::promise<void> drained;
  auto begin = std::chrono::steady_clock::now();
  (*hub)->WhenDrained("p", std::chrono::milliseconds(100), [&] { drained.set_value(); });
  REQUIRE(drained.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(std::chrono::steady_clock::now() - begin >= std::chrono::milliseconds(100));
  (*hub)->RemoveProcess("p");
}

TEST_CASE("io hub refuses unknown processes", "[shim][io]") {
  auto hub = IoHub::Create();
  REQUIRE(hub.ok());
  RecordingSink sink;
  CHECK(absl::IsNotFound((*hub)->Attach("nope", &sink, true, true)));
  CHECK(absl::IsNotFound((*hub)->CloseStdin("nope")));
  REQUIRE((*hub)->AddProcess("p", nullptr).ok());
  CHECK(absl::IsAlreadyExists((*hub)->AddProcess("p", nullptr)));
  CHECK(absl::IsFailedPrecondition((*hub)->ResizeConsole("p", 80, 24)));
}

}  // namespace
}  // namespace berth::shim::io
