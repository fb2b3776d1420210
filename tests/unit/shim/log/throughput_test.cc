// 100 MB through each writer, with rotation: the shim must keep up with a
// chatty container, so a slip into per-byte syscalls or quadratic copying
// shows up here as a timeout.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <iterator>
#include <string>

#include "common/file_util.h"
#include "shim/log/line_splitter.h"
#include "shim/log/log_writer.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/shim/log/log_test_util.h"

namespace berth::shim::logs {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using testing::Contents;
using testing::Now;

constexpr size_t kTotal = 100 * 1000 * 1000;
constexpr size_t kChunk = 64 * 1024;  // a pipe's worth
constexpr int64_t kMaxSize = 16 * 1024 * 1024;
constexpr int kMaxFile = 100;  // enough to keep every record for the count

struct Block {
  std::string data;  // whole lines only
  size_t records = 0;
};

// About 1 MiB of lines of mixed lengths and content, a few past 16 KiB.
Block MakeBlock() {
  static constexpr size_t kLengths[] = {0, 12, 80, 33, 140, 7, 300, 64, 95, 20, 190};
  const size_t max_len = LineSplitter::kDefaultMaxLen;
  Block block;
  for (size_t i = 0; block.data.size() < (1 << 20); ++i) {
    size_t len = i % 1000 == 999 ? 40000 : kLengths[i % std::size(kLengths)];
    std::string line = fmt::format("{} ", i);
    while (line.size() < len) line += "lorem \"ipsum\" <dolor> sit\tamet ";
    line.resize(len);
    block.data += line;
    block.data += '\n';
    // Both docker and containerd make one record per 16 KiB part; only a
    // line of an exact multiple differs, and none is here.
    block.records += len / max_len + 1;
  }
  return block;
}

size_t CountLines(const std::string& path) {
  std::string text = Contents(path);
  size_t lines = 0;
  for (const char* p = text.data();
       (p = static_cast<const char*>(std::memchr(p, '\n', text.data() + text.size() - p))); ++p) {
    ++lines;
  }
  return lines;
}

void RunThroughput(const std::string& format) {
  TempDir dir;
  const std::string path = dir.Sub("big.log");
  auto writer = ValueOrFail(
      OpenLogWriter({.format = format, .path = path, .max_size = kMaxSize, .max_file = kMaxFile}));
  const Block block = MakeBlock();
  size_t written = 0, expected_records = 0;
  auto start = std::chrono::steady_clock::now();
  for (int n = 0; written < kTotal; ++n) {
    Stream stream = n % 2 == 0 ? Stream::kStdout : Stream::kStderr;
    std::string_view data = block.data;
    for (size_t at = 0; at < data.size(); at += kChunk) {
      REQUIRE_OK(writer->Write(stream, data.substr(at, kChunk), Now()));
    }
    written += data.size();
    expected_records += block.records;
  }
  REQUIRE_OK(writer->CloseStream(Stream::kStdout, Now()));
  REQUIRE_OK(writer->CloseStream(Stream::kStderr, Now()));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN(format << ": " << written / 1000000 << " MB in " << seconds << " s");
#if !defined(__SANITIZE_ADDRESS__)
  CHECK(seconds < 10);
#endif

  size_t records = CountLines(path);
  int files = 1;
  for (; PathExists(fmt::format("{}.{}", path, files)); ++files) {
    const std::string rotated = fmt::format("{}.{}", path, files);
    CHECK(Contents(rotated).size() <= static_cast<size_t>(kMaxSize));
    records += CountLines(rotated);
  }
  CHECK(files > 2);
  CHECK(files < kMaxFile);
  CHECK(records == expected_records);
}

TEST_CASE("json-file writes 100 MB with rotation quickly", "[throughput]") {
  RunThroughput("json-file");
}

TEST_CASE("cri writes 100 MB with rotation quickly", "[throughput]") { RunThroughput("cri"); }

}  // namespace
}  // namespace berth::shim::logs
