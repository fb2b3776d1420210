#include "shim/log/log_writer.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>

#include "common/file_util.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/shim/log/log_test_util.h"

namespace berth::shim::logs {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using testing::Contents;
using testing::Lines;
using testing::Now;

std::string ErrorOf(const LogConfig& config) {
  absl::StatusOr<std::unique_ptr<LogWriter>> writer = OpenLogWriter(config);
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(writer.status().message());
}

TEST_CASE("OpenLogWriter rejects a bad config, naming the problem", "[log_writer]") {
  CHECK(ErrorOf({.format = "syslog", .path = "/x.log"}) ==
        R"(unknown log format "syslog" (want "json-file" or "cri"))");
  CHECK(ErrorOf({.format = "json-file", .path = ""}) == "json-file log: empty path");
  CHECK(ErrorOf({.format = "cri", .path = "logs/0.log"}) ==
        R"(cri log: path "logs/0.log" is not absolute)");
  CHECK(ErrorOf({.format = "json-file", .path = "/x.log", .max_size = -1}) ==
        "json-file log: max-size -1 is negative");
  CHECK(ErrorOf({.format = "json-file", .path = "/x.log", .max_file = 0}) ==
        "json-file log: max-file 0 is less than 1");
  CHECK(ErrorOf({.format = "", .path = "/x.log"}) ==
        R"(log path "/x.log" given without a log format)");
}

TEST_CASE("OpenLogWriter needs the directory to exist", "[log_writer]") {
  TempDir dir;
  const std::string path = dir.Sub("missing/c.log");
  absl::StatusOr<std::unique_ptr<LogWriter>> writer =
      OpenLogWriter({.format = "json-file", .path = path});
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(writer.status().message()), Catch::Contains(path));
}

TEST_CASE("OpenLogWriter creates the file 0640", "[log_writer]") {
  TempDir dir;
  mode_t old_umask = umask(022);
  auto writer = ValueOrFail(OpenLogWriter({.format = "cri", .path = dir.Sub("0.log")}));
  umask(old_umask);
  struct stat st;
  REQUIRE(stat(dir.Sub("0.log").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(st.st_size == 0);
}

TEST_CASE("OpenLogWriter picks the format", "[log_writer]") {
  TempDir dir;
  auto json = ValueOrFail(OpenLogWriter({.format = "json-file", .path = dir.Sub("j.log")}));
  auto cri = ValueOrFail(OpenLogWriter({.format = "cri", .path = dir.Sub("c.log")}));
  REQUIRE_OK(json->Write(Stream::kStderr, "x\n", Now()));
  REQUIRE_OK(cri->Write(Stream::kStderr, "x\n", Now()));
  CHECK(Contents(dir.Sub("j.log")) ==
        "{\"log\":\"x\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-02T06:12:12.123456789Z\"}\n");
  CHECK(Contents(dir.Sub("c.log")) == "2026-12-02T06:12:12.123456789Z stderr F x\n");
}

TEST_CASE("OpenLogWriter passes max-size and max-file on", "[log_writer]") {
  TempDir dir;
  auto w = ValueOrFail(
      OpenLogWriter({.format = "cri", .path = dir.Sub("0.log"), .max_size = 100, .max_file = 2}));
  // Each record is 42 bytes: two per file.
  REQUIRE_OK(w->Write(Stream::kStdout, "a\nb\nc\nd\ne\n", Now()));
  CHECK(Lines(dir.Sub("0.log")).size() == 1);
  CHECK(Lines(dir.Sub("0.log.1")).size() == 2);
  CHECK_FALSE(PathExists(dir.Sub("0.log.2")));
}

TEST_CASE("with no format everything is discarded", "[log_writer]") {
  auto w = ValueOrFail(OpenLogWriter({}));
  REQUIRE_OK(w->Write(Stream::kStdout, "anything\n", Now()));
  REQUIRE_OK(w->CloseStream(Stream::kStdout, Now()));
  REQUIRE_OK(w->Reopen());
}

TEST_CASE("StreamName", "[log_writer]") {
  CHECK(StreamName(Stream::kStdout) == "stdout");
  CHECK(StreamName(Stream::kStderr) == "stderr");
}

}  // namespace
}  // namespace berth::shim::logs
