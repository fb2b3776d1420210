#include "engined/logs/log_reader.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/time_util.h"
#include "engined/logs/time_parse.h"
#include "shim/log/json_file_writer.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::logs {
namespace {

using testing::ValueOrFail;

using shim::logs::JsonFileWriter;
using shim::logs::LogFile;
using shim::logs::LogTime;
using shim::logs::Stream;

constexpr int64_t kBase = 1700000000;  // seconds

LogTime At(int64_t seconds, int64_t nanos = 0) {
  return LogTime(std::chrono::duration_cast<LogTime::duration>(
      std::chrono::nanoseconds(seconds * 1000000000 + nanos)));
}

std::vector<LogRecord> Read(LogReadOptions options) {
  std::vector<LogRecord> out;
  REQUIRE_OK(ReadLogs(options, [&](const LogRecord& r) {
    out.push_back(r);
    return true;
  }));
  return out;
}

std::vector<std::string> Payloads(const std::vector<LogRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.payload);
  return out;
}

void AppendRaw(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << data;
}

// Ten lines "line0".."line9", stdout except odd ones on stderr, each a
// second apart, in files of ~3 records (max 4 files: path, .1, .2, .3).
struct RotatedLog {
  testing::TempDir dir{"logs-test"};
  std::string path = dir.Sub("c-json.log");
  RotatedLog(int lines = 10, int max_files = 4) {
    auto writer = ValueOrFail(JsonFileWriter::Open(path, LogFile::Limits{250, max_files}));
    for (int i = 0; i < lines; ++i) {
      REQUIRE_OK(writer->Write(i % 2 ? Stream::kStderr : Stream::kStdout,
                               "line" + std::to_string(i) + "\n", At(kBase + i)));
    }
  }
};

TEST_CASE("reads all records of the rotated files oldest first", "[logs]") {
  RotatedLog log;
  REQUIRE(access((log.path + ".2").c_str(), F_OK) == 0);  // rotation did happen
  LogReadOptions options{.path = log.path, .max_files = 4};
  auto records = Read(options);
  // max_files 4 may have dropped the oldest ones; what is there is in order
  // and ends with line9.
  REQUIRE(!records.empty());
  CHECK(records.back().payload == "line9\n");
  for (size_t i = 1; i < records.size(); ++i)
    CHECK(records[i - 1].time_nanos < records[i].time_nanos);
  CHECK(records.back().time_nanos == (kBase + 9) * 1000000000);
  CHECK(records.back().stream == LogStream::kStderr);
}

TEST_CASE("tail counts across rotated files", "[logs]") {
  RotatedLog log(10, 10);  // nothing dropped
  LogReadOptions options{.path = log.path, .max_files = 10};
  REQUIRE(Read(options).size() == 10);
  options.tail = 5;  // spans the live file and at least one rotated one
  CHECK(Payloads(Read(options)) ==
        std::vector<std::string>{"line5\n", "line6\n", "line7\n", "line8\n", "line9\n"});
  options.tail = 0;
  CHECK(Read(options).empty());
  options.tail = 100;
  CHECK(Read(options).size() == 10);
  options.tail = 1;
  CHECK(Payloads(Read(options)) == std::vector<std::string>{"line9\n"});
}

TEST_CASE("stream selection, and tail counts both streams as docker does", "[logs]") {
  RotatedLog log(10, 10);
  LogReadOptions options{.path = log.path, .max_files = 10, .show_stderr = false};
  CHECK(Payloads(Read(options)) ==
        std::vector<std::string>{"line0\n", "line2\n", "line4\n", "line6\n", "line8\n"});
  options.tail = 3;
  CHECK(Payloads(Read(options)) == std::vector<std::string>{"line8\n"});
  options = {.path = log.path, .max_files = 10, .show_stdout = false};
  CHECK(Read(options).size() == 5);
  for (const auto& r : Read(options)) CHECK(r.stream == LogStream::kStderr);
}

TEST_CASE("since and until include their bounds", "[logs]") {
  RotatedLog log(10, 10);
  LogReadOptions options{.path = log.path, .max_files = 10};
  options.since_nanos = ValueOrFail(ParseLogsSince("1700000003")).value();
  options.until_nanos = ValueOrFail(ParseLogsUntil("1700000005.000000000")).value();
  CHECK(Payloads(Read(options)) == std::vector<std::string>{"line3\n", "line4\n", "line5\n"});
  options.since_nanos = ValueOrFail(ParseLogsSince("1700000003.000000001")).value();
  options.until_nanos = ValueOrFail(ParseLogsUntil("1700000004.999999999")).value();
  CHECK(Payloads(Read(options)) == std::vector<std::string>{"line4\n"});
}

TEST_CASE("a partial line and a corrupt line", "[logs]") {
  testing::TempDir dir("logs-test");
  std::string path = dir.Sub("c-json.log");
  {
    auto writer = ValueOrFail(JsonFileWriter::Open(path, {}));
    REQUIRE_OK(writer->Write(Stream::kStdout, "one\n", At(kBase)));
    REQUIRE_OK(writer->Write(Stream::kStdout, "no newline", At(kBase + 1)));
    REQUIRE_OK(writer->CloseStream(Stream::kStdout, At(kBase + 1)));
  }
  AppendRaw(path, "{\"log\":\"garbage\n");  // a torn record with a newline after it
  AppendRaw(path, R"({"log":"two\n","stream":"stderr","time":"2023-11-14T22:13:22.5Z"})"
                  "\n");
  AppendRaw(path, R"({"log":"being wri)");  // the writer is mid-record
  auto records = Read({.path = path});
  REQUIRE(Payloads(records) == std::vector<std::string>{"one\n", "no newline", "two\n"});
  CHECK(records[2].time_nanos == (kBase + 2) * 1000000000 + 500000000);
  // tail does not count the line still being written.
  CHECK(Payloads(Read({.path = path, .tail = 1})) == std::vector<std::string>{"two\n"});
}

TEST_CASE("a missing log reads as empty", "[logs]") {
  testing::TempDir dir("logs-test");
  CHECK(Read({.path = dir.Sub("none.log")}).empty());
}

TEST_CASE("follow gets records a writer appends, through rotations, nothing lost or doubled",
          "[logs]") {
  testing::TempDir dir("logs-test");
  std::string path = dir.Sub("c-json.log");
  constexpr int kLines = 400;
  auto writer = ValueOrFail(JsonFileWriter::Open(path, LogFile::Limits{4096, 50}));
  REQUIRE_OK(writer->Write(Stream::kStdout, "before\n", At(kBase)));
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (int i = 0; i < kLines; ++i) {
      // Half-lines too: the reader must wait for the rest.
      std::string line = "n" + std::to_string(i) + " " + std::string(40, 'x');
      REQUIRE_OK(writer->Write(Stream::kStdout, line.substr(0, 10), At(kBase + 1)));
      REQUIRE_OK(writer->Write(Stream::kStdout, line.substr(10) + "\n", At(kBase + 1)));
      if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    done = true;
  });
  std::vector<std::string> got;
  LogReadOptions options{.path = path, .max_files = 50, .follow = true};
  options.stopped = [&] { return done.load(); };
  absl::Status status = ReadLogs(options, [&](const LogRecord& r) {
    got.push_back(r.payload);
    return true;
  });
  producer.join();
  REQUIRE_OK(status);
  REQUIRE(access((path + ".3").c_str(), F_OK) == 0);  // it did rotate several times
  REQUIRE(got.size() == kLines + 1);
  CHECK(got[0] == "before\n");
  for (int i = 0; i < kLines; ++i) {
    CHECK(got[static_cast<size_t>(i) + 1] ==
          "n" + std::to_string(i) + " " + std::string(40, 'x') + "\n");
  }
}

TEST_CASE("follow survives the single-file rotation (unlink and recreate)", "[logs]") {
  testing::TempDir dir("logs-test");
  std::string path = dir.Sub("c-json.log");
  auto writer = ValueOrFail(JsonFileWriter::Open(path, LogFile::Limits{200, 1}));
  std::atomic<bool> done{false};
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int i = 0; i < 30; ++i) {
      REQUIRE_OK(writer->Write(Stream::kStderr, "r" + std::to_string(i) + "\n", At(kBase)));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    done = true;
  });
  std::vector<std::string> got;
  LogReadOptions options{.path = path, .follow = true};
  options.stopped = [&] { return done.load(); };
  REQUIRE_OK(ReadLogs(options, [&](const LogRecord& r) {
    got.push_back(r.payload);
    return true;
  }));
  producer.join();
  REQUIRE(got.size() == 30);
  for (int i = 0; i < 30; ++i) CHECK(got[static_cast<size_t>(i)] == "r" + std::to_string(i) + "\n");
}

TEST_CASE("follow stops promptly on the wake fd and on sink false", "[logs]") {
  RotatedLog log(3, 4);
  int efd = eventfd(0, EFD_CLOEXEC);
  REQUIRE(efd >= 0);
  std::atomic<bool> stop{false};
  LogReadOptions options{.path = log.path, .max_files = 4, .follow = true, .wake_fd = efd};
  options.stopped = [&] { return stop.load(); };
  int count = 0;
  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
    uint64_t one = 1;
    REQUIRE(write(efd, &one, sizeof(one)) == sizeof(one));
  });
  REQUIRE_OK(ReadLogs(options, [&](const LogRecord&) {
    ++count;
    return true;
  }));
  stopper.join();
  auto elapsed = std::chrono::steady_clock::now() - start;
  close(efd);
  CHECK(count == 3);
  // Without the wake fd the stop would be seen only by the 1 s recheck, or never.
  CHECK(elapsed < std::chrono::milliseconds(600));

  // The sink ends a follow by itself.
  options = {.path = log.path, .max_files = 4, .follow = true};
  options.stopped = [] { return false; };
  count = 0;
  REQUIRE_OK(ReadLogs(options, [&](const LogRecord&) { return ++count < 2; }));
  CHECK(count == 2);
}

TEST_CASE("follow ends once until has passed", "[logs]") {
  RotatedLog log(2, 4);
  LogReadOptions options{.path = log.path, .max_files = 4, .follow = true};
  options.stopped = [] { return false; };
  options.until_nanos = NowNanos() + 200000000;  // records are from 2023: all before
  auto start = std::chrono::steady_clock::now();
  CHECK(Read(options).size() == 2);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

}  // namespace
}  // namespace berth::engined::logs
