#include "shim/log/cri_log_writer.h"

#include <stdio.h>
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
using testing::Lines;
using testing::Now;
using V = std::vector<std::string>;

constexpr std::string_view kPrefix = "2026-12-02T06:12:12.123456789Z ";

std::string Rec(std::string_view stream_and_tag, std::string_view content) {
  return std::string(kPrefix) + std::string(stream_and_tag) + " " + std::string(content);
}

std::unique_ptr<CriLogWriter> OpenCri(const std::string& path, LogFile::Limits limits = {}) {
  return ValueOrFail(CriLogWriter::Open(path, limits));
}

TEST_CASE("cri writes time, stream, tag and the line", "[cri_log_writer]") {
  TempDir dir;
  auto w = OpenCri(dir.Sub("0.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "hello world\n\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStderr, "\"raw\" <&> \xFF\ttab\n", Now()));
  CHECK(Contents(dir.Sub("0.log")) ==
        "2026-12-02T06:12:12.123456789Z stdout F hello world\n"
        "2026-12-02T06:12:12.123456789Z stdout F \n"
        "2026-12-02T06:12:12.123456789Z stderr F \"raw\" <&> \xFF\ttab\n");
}

TEST_CASE("cri ends lines at CR LF as containerd does", "[cri_log_writer]") {
  TempDir dir;
  auto w = OpenCri(dir.Sub("0.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "dos\r\nmid\rdle\n\r\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, "split\r", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, "\n", Now()));
  CHECK(Lines(dir.Sub("0.log")) == V{Rec("stdout F", "dos"), Rec("stdout F", "mid\rdle"),
                                     Rec("stdout F", ""), Rec("stdout F", "split")});
}

TEST_CASE("cri tags the parts of long lines P and the last F", "[cri_log_writer]") {
  TempDir dir;
  auto w = OpenCri(dir.Sub("0.log"));
  const std::string x16384(16384, 'x');
  REQUIRE_OK(w->Write(Stream::kStdout, x16384 + "\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, x16384 + "\r\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, x16384 + "y\n", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, x16384 + x16384 + x16384 + "\n", Now()));
  CHECK(Lines(dir.Sub("0.log")) == V{
                                       Rec("stdout F", x16384),
                                       Rec("stdout F", x16384),
                                       Rec("stdout P", x16384),
                                       Rec("stdout F", "y"),
                                       Rec("stdout P", x16384),
                                       Rec("stdout P", x16384),
                                       Rec("stdout F", x16384),
                                   });
}

TEST_CASE("cri stamps each record with the time it was written", "[cri_log_writer]") {
  TempDir dir;
  auto w = OpenCri(dir.Sub("0.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, std::string(16385, 'x'), At(kEpochSeconds, 100000000)));
  REQUIRE_OK(w->Write(Stream::kStdout, "\n", At(kEpochSeconds, 200000000)));
  CHECK(Lines(dir.Sub("0.log")) == V{"2026-12-02T06:12:12.1Z stdout P " + std::string(16384, 'x'),
                                     "2026-12-02T06:12:12.2Z stdout F x"});
}

TEST_CASE("cri writes an open line at close as P", "[cri_log_writer]") {
  TempDir dir;
  auto w = OpenCri(dir.Sub("0.log"));
  REQUIRE_OK(w->Write(Stream::kStdout, "out ", Now()));
  REQUIRE_OK(w->Write(Stream::kStderr, "err\r", Now()));
  REQUIRE_OK(w->Write(Stream::kStdout, "open", Now()));
  REQUIRE_OK(w->CloseStream(Stream::kStderr, Now()));
  REQUIRE_OK(w->CloseStream(Stream::kStdout, Now()));
  CHECK(Lines(dir.Sub("0.log")) == V{Rec("stderr P", "err\r"), Rec("stdout P", "out open")});
}

TEST_CASE("cri output does not depend on how the data was chunked", "[cri_log_writer]") {
  std::string data = "a\r\n" + std::string(16384, 'b') + "\r" + "\n" + std::string(16384, 'c') +
                     "\r" + "d\n" + std::string(40000, 'e') + "\nopen\r";
  TempDir dir;
  auto whole = OpenCri(dir.Sub("whole.log"));
  REQUIRE_OK(whole->Write(Stream::kStderr, data, Now()));
  REQUIRE_OK(whole->CloseStream(Stream::kStderr, Now()));
  auto bytewise = OpenCri(dir.Sub("bytewise.log"));
  for (char c : data) REQUIRE_OK(bytewise->Write(Stream::kStderr, std::string_view(&c, 1), Now()));
  REQUIRE_OK(bytewise->CloseStream(Stream::kStderr, Now()));
  const std::string expected = Contents(dir.Sub("whole.log"));
  // a | b*16384 | c*16384 + "\rd" cut in two | e*40000 in three | open\r
  CHECK(Lines(dir.Sub("whole.log")).size() == 8);
  CHECK(Contents(dir.Sub("bytewise.log")) == expected);
}

TEST_CASE("cri reopens its path after kubelet rotated the file", "[cri_log_writer]") {
  TempDir dir;
  const std::string path = dir.Sub("0.log");
  auto w = OpenCri(path);
  REQUIRE_OK(w->Write(Stream::kStdout, "before\npar", Now()));
  // kubelet: rename, then ReopenContainerLog. Until the reopen, records
  // still go to the renamed file.
  REQUIRE(rename(path.c_str(), (path + ".20261202-061212").c_str()) == 0);
  REQUIRE_OK(w->Write(Stream::kStdout, "renamed\n", Now()));
  REQUIRE_OK(w->Reopen());
  REQUIRE_OK(w->Write(Stream::kStdout, "after\n", Now()));
  CHECK(Lines(path + ".20261202-061212") ==
        V{Rec("stdout F", "before"), Rec("stdout F", "parrenamed")});
  CHECK(Lines(path) == V{Rec("stdout F", "after")});
}

TEST_CASE("cri keeps an open line across a reopen", "[cri_log_writer]") {
  TempDir dir;
  const std::string path = dir.Sub("0.log");
  auto w = OpenCri(path);
  REQUIRE_OK(w->Write(Stream::kStdout, "half a ", Now()));
  REQUIRE(rename(path.c_str(), (path + ".1").c_str()) == 0);
  REQUIRE_OK(w->Reopen());
  REQUIRE_OK(w->Write(Stream::kStdout, "line\n", Now()));
  CHECK(Contents(path + ".1").empty());
  CHECK(Lines(path) == V{Rec("stdout F", "half a line")});
}

TEST_CASE("cri keeps the old file when a reopen fails", "[cri_log_writer]") {
  TempDir dir;
  REQUIRE(mkdir(dir.Sub("pod").c_str(), 0755) == 0);
  auto w = OpenCri(dir.Sub("pod/0.log"));
  REQUIRE(rename(dir.Sub("pod").c_str(), dir.Sub("gone").c_str()) == 0);
  absl::Status reopened = w->Reopen();
  CHECK(reopened.code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(reopened.message()), Catch::Contains(dir.Sub("pod/0.log")));
  REQUIRE_OK(w->Write(Stream::kStdout, "still here\n", Now()));
  CHECK(Lines(dir.Sub("gone/0.log")) == V{Rec("stdout F", "still here")});
}

}  // namespace
}  // namespace berth::shim::logs
