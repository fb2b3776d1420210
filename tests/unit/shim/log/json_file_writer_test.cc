#include "shim/log/json_file_writer.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testutil/temp_dir.h"
#include "tests/unit/shim/log/log_test_util.h"

namespace berth::shim::logs {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using testing::At;
using testing::Contents;
using testing::kEpochSeconds;
using testing::kNowText;
using testing::Lines;
using testing::Now;
using V = std::vector<std::string>;

// One json-file line as docker writes it; `log` is already escaped.
std::string Rec(std::string_view log, std::string_view stream = "stdout",
                std::string_view time = kNowText) {
  return fmt::format(R"({{"log":"{}","stream":"{}","time":"{}"}})", log, stream, time);
}

std::unique_ptr<JsonFileWriter> OpenJson(const std::string& path, LogFile::Limits limits = {}) {
  return ValueOrFail(JsonFileWriter::Open(path, limits));
}

TEST_CASE("json-file writes one object per line", "[json_file_writer]") {
  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "hello\nworld\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStderr, "oops\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, "\n", Now()));
  CHECK(Contents(dir.Sub("c.log")) == Rec(R"(hello\n)") + "\n" + Rec(R"(world\n)") + "\n" +
                                          Rec(R"(oops\n)", "stderr") + "\n" + Rec(R"(\n)") + "\n");
}

TEST_CASE("json-file time is Go's RFC3339Nano in UTC", "[json_file_writer]") {
  CHECK(FormatLogTime(At(kEpochSeconds, 123456789)) == "2026-12-02T06:12:12.123456789Z");
  CHECK(FormatLogTime(At(kEpochSeconds, 120000000)) == "2026-12-02T06:12:12.12Z");
  CHECK(FormatLogTime(At(kEpochSeconds, 1)) == "2026-12-02T06:12:12.000000001Z");
  CHECK(FormatLogTime(At(kEpochSeconds, 0)) == "2026-12-02T06:12:12Z");
  CHECK(FormatLogTime(At(0)) == "1970-01-01T00:00:00Z");
  CHECK(FormatLogTime(At(0, -1)) == "1969-12-31T23:59:59.999999999Z");

  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "a\n", At(kEpochSeconds, 500000000)));
  CHECK(Lines(dir.Sub("c.log")) == V{Rec(R"(a\n)", "stdout", "2026-12-02T06:12:12.5Z")});
}

TEST_CASE("json-file escapes as docker does", "[json_file_writer]") {
  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "say \"hi\" \\ <b>&amp;</b>\ttab\r\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, std::string_view("nul\0bel\a\x7f\n", 10), Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, "bad \xFF\xE2\x82 good \xE2\x82\xAC \xE2\x80\xA8\n", Now()));
  CHECK(Lines(dir.Sub("c.log")) ==
        V{
            Rec(R"(say \"hi\" \\ \u003cb\u003e\u0026amp;\u003c/b\u003e\u0009tab\r\n)"),
            Rec("nul\\u0000bel\\u0007\x7f\\n"),
            Rec("bad \\ufffd\\ufffd\\ufffd good \xE2\x82\xAC \\u2028\\n"),
        });
}

TEST_CASE("json-file keeps a partial line per stream", "[json_file_writer]") {
  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "out-", Now()));
  REQUIRE_OK(w->Write(Stream::kStderr, "err-", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, "one\nout-", Now()));
  REQUIRE_OK(w->Write(Stream::kStderr, "one\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, "two\n", Now()));
  CHECK(Lines(dir.Sub("c.log")) ==
        V{Rec(R"(out-one\n)"), Rec(R"(err-one\n)", "stderr"), Rec(R"(out-two\n)")});
}

TEST_CASE("json-file stamps a line with the time its end arrived", "[json_file_writer]") {
  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "slow ", At(kEpochSeconds, 1)));
  REQUIRE_OK(w->Write(Stream::kStdout, "line\n", At(kEpochSeconds, 2)));
  CHECK(Lines(dir.Sub("c.log")) ==
        V{Rec(R"(slow line\n)", "stdout", "2026-12-02T06:12:12.000000002Z")});
}

TEST_CASE("json-file writes an open line at close without a newline", "[json_file_writer]") {
  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "done\nno newline", Now()));
  REQUIRE_OK(w->Write(Stream::kStderr, "err open", Now()));
  REQUIRE_OK(w->CloseStream(Stream::kStdout, Now()));
  REQUIRE_OK(w->CloseStream(Stream::kStdout, Now()));  // nothing left: no record
  CHECK(Lines(dir.Sub("c.log")) == V{Rec(R"(done\n)"), Rec("no newline")});
  REQUIRE_OK(w->CloseStream(Stream::kStderr, Now()));
  CHECK(Lines(dir.Sub("c.log")).back() == Rec("err open", "stderr"));
}

TEST_CASE("json-file cuts lines every 16 KiB as docker's copier", "[json_file_writer]") {
  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  const std::string x16383(16383, 'x'), x16384(16384, 'x');
  REQUIRE_OK(w->Write(Stream::kStdout, x16383 + "\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, x16384 + "\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, x16384 + "y\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, x16384 + x16384 + "z\n", Now()));
  CHECK(Lines(dir.Sub("c.log")) == V{
                                       Rec(x16383 + R"(\n)"),
                                       Rec(x16384),
                                       Rec(R"(\n)"),
                                       Rec(x16384),
                                       Rec(R"(y\n)"),
                                       Rec(x16384),
                                       Rec(x16384),
                                       Rec(R"(z\n)"),
                                   });
}

TEST_CASE("json-file stamps every part of a cut line with the first part's time",
          "[json_file_writer]") {
  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  const std::string x16384(16384, 'x');
  const LogTime t1 = At(kEpochSeconds, 100000000), t2 = At(kEpochSeconds, 200000000);
  REQUIRE_OK(w->Write(Stream::kStdout, x16384 + "ab", t1));
  REQUIRE_OK(w->Write(Stream::kStdout, "c\nnext\n", t2));
  // An open line cut and then closed: its last part too has the first's time.
  REQUIRE_OK(w->Write(Stream::kStderr, x16384 + "open", t1));
  REQUIRE_OK(w->CloseStream(Stream::kStderr, t2));
  CHECK(Lines(dir.Sub("c.log")) == V{
                                       Rec(x16384, "stdout", "2026-12-02T06:12:12.1Z"),
                                       Rec(R"(abc\n)", "stdout", "2026-12-02T06:12:12.1Z"),
                                       Rec(R"(next\n)", "stdout", "2026-12-02T06:12:12.2Z"),
                                       Rec(x16384, "stderr", "2026-12-02T06:12:12.1Z"),
                                       Rec("open", "stderr", "2026-12-02T06:12:12.1Z"),
                                   });
}

TEST_CASE("json-file cuts bytes, not characters, at 16 KiB", "[json_file_writer]") {
  TempDir dir;
  auto w = OpenJson(dir.Sub("c.log"));
  // A euro sign straddles the cut: docker escapes each half as invalid.
  REQUIRE_OK(w->Write(Stream::kStdout, std::string(16383, 'x') + "\xE2\x82\xAC\n", Now()));
  CHECK(Lines(dir.Sub("c.log")) ==
        V{Rec(std::string(16383, 'x') + R"(\ufffd)"), Rec(R"(\ufffd\ufffd\n)")});
}

TEST_CASE("json-file output does not depend on how the data was chunked", "[json_file_writer]") {
  std::string data = "first\n" + std::string(20000, 'a') + "\n\"quoted\" <&>\r\n" +
                     std::string(16384, 'b') + "\n\xE2\x82\xAC\xFFtail";
  TempDir dir;
  auto whole = OpenJson(dir.Sub("whole.log"));
  REQUIRE_OK(whole->Write(Stream::kStdout, data, Now()));
  REQUIRE_OK(whole->CloseStream(Stream::kStdout, Now()));
  auto bytewise = OpenJson(dir.Sub("bytewise.log"));
  for (char c : data) REQUIRE_OK(bytewise->Write(Stream::kStdout, std::string_view(&c, 1), Now()));
  REQUIRE_OK(bytewise->CloseStream(Stream::kStdout, Now()));
  auto odd = OpenJson(dir.Sub("odd.log"));
  for (size_t i = 0, n = 1; i < data.size(); i += n, n = n * 7 % 4099 + 1) {
    REQUIRE_OK(odd->Write(Stream::kStdout, std::string_view(data).substr(i, n), Now()));
  }
  REQUIRE_OK(odd->CloseStream(Stream::kStdout, Now()));
  const std::string expected = Contents(dir.Sub("whole.log"));
  CHECK(Lines(dir.Sub("whole.log")).size() == 7);
  CHECK(Contents(dir.Sub("bytewise.log")) == expected);
  CHECK(Contents(dir.Sub("odd.log")) == expected);
}

TEST_CASE("json-file rotates between records as docker names the files", "[json_file_writer]") {
  const int64_t record = static_cast<int64_t>(Rec(R"(line-0\n)").size() + 1);
  for (int max_file : {1, 2, 3}) {
    INFO("max-file " << max_file);
    TempDir dir;
    const std::string path = dir.Sub("c-json.log");
    auto w = OpenJson(path, {.max_size = 2 * record, .max_files = max_file});
    REQUIRE_OK(w->Write(Stream::kStdout, "line-0\nline-1\nline-2\nline-3\nline-4\n", Now()));
    CHECK(Lines(path) == V{Rec(R"(line-4\n)")});
    if (max_file >= 2) {
      CHECK(Lines(path + ".1") == V{Rec(R"(line-2\n)"), Rec(R"(line-3\n)")});
    } else {
      CHECK_FALSE(PathExists(path + ".1"));
    }
    if (max_file >= 3) {
      CHECK(Lines(path + ".2") == V{Rec(R"(line-0\n)"), Rec(R"(line-1\n)")});
    } else {
      CHECK_FALSE(PathExists(path + ".2"));
    }
    CHECK_FALSE(PathExists(path + ".3"));
  }
}

TEST_CASE("json-file rotation under load keeps every record whole and in order",
          "[json_file_writer]") {
  // As the shim sees a busy container: 4 MB of 101-byte lines arriving in
  // pipe reads that cut lines anywhere, with stderr lines in between.
  const std::string line = std::string("0123456789").append(90, 'x') + "\n";
  std::string out;
  for (int i = 0; i < 40000; ++i) out += line;
  TempDir dir;
  const std::string path = dir.Sub("c.log");
  auto w = OpenJson(path, {.max_size = 1 << 20, .max_files = 3});
  size_t chunk = 4096;
  for (size_t i = 0, n = 0; i < out.size(); i += chunk, ++n) {
    chunk = 1 + (n * 7919 + 4093) % 65536;
    REQUIRE_OK(w->Write(Stream::kStdout, std::string_view(out).substr(i, chunk), Now()));
    if (n % 5 == 0) REQUIRE_OK(w->Write(Stream::kStderr, "err\n", Now()));
  }
  REQUIRE_OK(w->Write(Stream::kStdout, "last\n", Now()));
  REQUIRE_OK(w->CloseStream(Stream::kStdout, Now()));
  REQUIRE_OK(w->CloseStream(Stream::kStderr, Now()));
  const std::string out_rec = Rec(R"(0123456789)" + std::string(90, 'x') + R"(\n)");
  const std::string err_rec = Rec(R"(err\n)", "stderr");
  for (const std::string& name : {path + ".2", path + ".1", path}) {
    INFO(name);
    struct stat st;
    REQUIRE(::stat(name.c_str(), &st) == 0);
    CHECK(st.st_size <= (1 << 20));
    if (name != path) CHECK(st.st_size > (1 << 20) - 200);  // full but for one record
    std::vector<std::string> lines = Lines(name);
    REQUIRE_FALSE(lines.empty());
    if (name == path) {
      CHECK(lines.back() == Rec(R"(last\n)"));
      lines.pop_back();
    }
    for (const std::string& l : lines) {
      INFO(l);
      CHECK((l == out_rec || l == err_rec));
    }
  }
  CHECK_FALSE(PathExists(path + ".3"));
}

TEST_CASE("json-file appends to an existing file", "[json_file_writer]") {
  TempDir dir;
  REQUIRE_OK(WriteFile(dir.Sub("c.log"), Rec(R"(old\n)") + "\n"));
  auto w = OpenJson(dir.Sub("c.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "new\n", Now()));
  CHECK(Lines(dir.Sub("c.log")) == V{Rec(R"(old\n)"), Rec(R"(new\n)")});
}

}  // namespace
}  // namespace berth::shim::logs
