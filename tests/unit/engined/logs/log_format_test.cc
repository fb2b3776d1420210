#include "engined/logs/log_format.h"

#include <catch2/catch.hpp>
#include <string>

#include "engined/logs/time_parse.h"
#include "tests/testutil/status_testing.h"

namespace berth::engined::logs {
namespace {

using testing::ValueOrFail;

using namespace std::string_literals;

TEST_CASE("stdcopy frames for stdout and stderr", "[logs]") {
  LogRecord r{LogStream::kStderr, "hi\n", 0};
  CHECK(FormatLogRecord(r, {}) == "\x02\0\0\0\0\0\0\x03hi\n"s);
  r.stream = LogStream::kStdout;
  r.payload = std::string(300, 'a');
  std::string frame = FormatLogRecord(r, {});
  CHECK(frame.substr(0, 8) == "\x01\0\0\0\0\0\x01\x2c"s);
  CHECK(frame.size() == 308);
}

TEST_CASE("tty is raw, timestamps use docker's fixed nine digits", "[logs]") {
  LogRecord r{LogStream::kStdout, "x\n", 1796192332120000000};  // 2026-12-02T06:18:52.12Z
  CHECK(FormatLogRecord(r, {.tty = true}) == "x\n");
  CHECK(FormatLogRecord(r, {.tty = true, .timestamps = true}) ==
        "2026-12-02T06:18:52.120000000Z x\n");
  CHECK(FormatLogRecord(r, {.timestamps = true}) ==
        "\x01\0\0\0\0\0\0\x21"s + "2026-12-02T06:18:52.120000000Z x\n");
  CHECK(FormatRfc3339Nano(1796192332120000000) == "2026-12-02T06:18:52.12Z");
  CHECK(FormatRfc3339Nano(1796192332000000000) == "2026-12-02T06:18:52Z");
  CHECK(FormatLogError("boom", {}) == "\x03\0\0\0\0\0\0\x1a"s + "Error grabbing logs: boom\n");
}

TEST_CASE("docker's since / until / tail values", "[logs]") {
  CHECK(ValueOrFail(ParseDockerTime("1700000000", 0)) == 1700000000000000000);
  CHECK(ValueOrFail(ParseDockerTime("1700000000.5", 0)) == 1700000000500000000);
  CHECK(ValueOrFail(ParseDockerTime("1700000000.123456789", 0)) == 1700000000123456789);
  CHECK(ValueOrFail(ParseDockerTime("2023-11-14T22:13:20.25Z", 0)) == 1700000000250000000);
  CHECK(ValueOrFail(ParseDockerTime("2023-11-14T23:13:20+01:00", 0)) == 1700000000000000000);
  CHECK(ValueOrFail(ParseDockerTime("10m", 1700000000000000000)) == 1699999400000000000);
  CHECK(ValueOrFail(ParseDockerTime("1h30m", 5400000000000)) == 0);
  CHECK(!ParseDockerTime("yesterday", 0).ok());
  CHECK(!ParseDockerTime("17000.x", 0).ok());
  CHECK(!ValueOrFail(ParseLogsSince("")).has_value());
  CHECK(ValueOrFail(ParseLogsSince("0")) == std::optional<int64_t>(0));
  CHECK(!ValueOrFail(ParseLogsUntil("0")).has_value());
  CHECK(ParseLogsTail("all") == -1);
  CHECK(ParseLogsTail("") == -1);
  CHECK(ParseLogsTail("-3") == -1);
  CHECK(ParseLogsTail("0") == 0);
  CHECK(ParseLogsTail("25") == 25);
}

}  // namespace
}  // namespace berth::engined::logs
