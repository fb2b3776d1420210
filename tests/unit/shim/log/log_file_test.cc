#include "shim/log/log_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "shim/log/json_file_writer.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/shim/log/log_test_util.h"

namespace berth::shim::logs {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using testing::Contents;
using testing::Now;
using V = std::vector<std::string>;

// Appends fixed-size records "rec-N\n" (6 bytes each) the way the writers do.
absl::Status AppendRecords(LogFile& file, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    size_t begin = file.batch()->size();
    file.batch()->append("rec-" + std::to_string(i) + "\n");
    BERTH_RETURN_IF_ERROR(file.EndRecord(begin));
  }
  return file.Flush();
}

std::string Recs(int first, int count) {
  std::string out;
  for (int i = first; i < first + count; ++i) out += "rec-" + std::to_string(i) + "\n";
  return out;
}

TEST_CASE("without max_size the file just grows", "[log_file]") {
  TempDir dir;
  LogFile file = ValueOrFail(LogFile::Open(dir.Sub("x.log"), {}));
  REQUIRE_OK(AppendRecords(file, 0, 9));
  CHECK(Contents(dir.Sub("x.log")) == Recs(0, 9));
  CHECK(file.size() == 54);
  CHECK_FALSE(PathExists(dir.Sub("x.log.1")));
}

TEST_CASE("rotation with max_files 1 starts the file over", "[log_file]") {
  TempDir dir;
  LogFile file = ValueOrFail(LogFile::Open(dir.Sub("x.log"), {.max_size = 12, .max_files = 1}));
  REQUIRE_OK(AppendRecords(file, 0, 5));  // 0 1 | 2 3 | 4
  CHECK(Contents(dir.Sub("x.log")) == Recs(4, 1));
  CHECK(file.size() == 6);
  CHECK_FALSE(PathExists(dir.Sub("x.log.1")));
}

TEST_CASE("rotation with max_files 2 keeps x.log.1", "[log_file]") {
  TempDir dir;
  LogFile file = ValueOrFail(LogFile::Open(dir.Sub("x.log"), {.max_size = 12, .max_files = 2}));
  REQUIRE_OK(AppendRecords(file, 0, 5));
  CHECK(Contents(dir.Sub("x.log")) == Recs(4, 1));
  CHECK(Contents(dir.Sub("x.log.1")) == Recs(2, 2));
  CHECK_FALSE(PathExists(dir.Sub("x.log.2")));
}

TEST_CASE("rotation with max_files 3 shifts x.log.1 to x.log.2", "[log_file]") {
  TempDir dir;
  LogFile file = ValueOrFail(LogFile::Open(dir.Sub("x.log"), {.max_size = 12, .max_files = 3}));
  REQUIRE_OK(AppendRecords(file, 0, 5));
  CHECK(Contents(dir.Sub("x.log")) == Recs(4, 1));
  CHECK(Contents(dir.Sub("x.log.1")) == Recs(2, 2));
  CHECK(Contents(dir.Sub("x.log.2")) == Recs(0, 2));
  CHECK_FALSE(PathExists(dir.Sub("x.log.3")));
  // One record at a time gives the same files as one batch.
  TempDir dir2;
  LogFile file2 = ValueOrFail(LogFile::Open(dir2.Sub("x.log"), {.max_size = 12, .max_files = 3}));
  for (int i = 0; i < 7; ++i) REQUIRE_OK(AppendRecords(file2, i, 1));
  CHECK(Contents(dir2.Sub("x.log")) == Recs(6, 1));
  CHECK(Contents(dir2.Sub("x.log.1")) == Recs(4, 2));
  CHECK(Contents(dir2.Sub("x.log.2")) == Recs(2, 2));
}

TEST_CASE("a file never passes max_size unless one record does", "[log_file]") {
  TempDir dir;
  LogFile file = ValueOrFail(LogFile::Open(dir.Sub("x.log"), {.max_size = 13, .max_files = 2}));
  REQUIRE_OK(AppendRecords(file, 0, 3));  // 12 bytes fit, the third would make 18
  CHECK(Contents(dir.Sub("x.log.1")) == Recs(0, 2));
  CHECK(Contents(dir.Sub("x.log")) == Recs(2, 1));

  LogFile small = ValueOrFail(LogFile::Open(dir.Sub("y.log"), {.max_size = 4, .max_files = 2}));
  REQUIRE_OK(AppendRecords(small, 0, 2));  // each record alone is over the limit
  CHECK(Contents(dir.Sub("y.log.1")) == Recs(0, 1));
  CHECK(Contents(dir.Sub("y.log")) == Recs(1, 1));
}

TEST_CASE("what the file held at open counts towards max_size", "[log_file]") {
  TempDir dir;
  REQUIRE_OK(WriteFile(dir.Sub("x.log"), "old!\n"));
  LogFile file = ValueOrFail(LogFile::Open(dir.Sub("x.log"), {.max_size = 12, .max_files = 2}));
  CHECK(file.size() == 5);
  REQUIRE_OK(AppendRecords(file, 0, 2));
  CHECK(Contents(dir.Sub("x.log.1")) == "old!\n" + Recs(0, 1));
  CHECK(Contents(dir.Sub("x.log")) == Recs(1, 1));
}

TEST_CASE("a failed rotation drops records but keeps the file", "[log_file]") {
  TempDir dir;
  // The oldest name is a non-empty directory: it cannot be removed.
  REQUIRE_OK(MkdirAll(dir.Sub("x.log.2/busy")));
  LogFile file = ValueOrFail(LogFile::Open(dir.Sub("x.log"), {.max_size = 12, .max_files = 3}));
  absl::Status status = AppendRecords(file, 0, 3);
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(std::string(status.message()), Catch::StartsWith("rotate " + dir.Sub("x.log") + ":"));
  CHECK_THAT(std::string(status.message()), Catch::Contains(dir.Sub("x.log.2")));
  CHECK(Contents(dir.Sub("x.log")) == Recs(0, 2));
  CHECK(file.batch()->empty());
  // Once the obstacle is gone, rotation works again.
  REQUIRE_OK(RemoveAll(dir.Sub("x.log.2")));
  REQUIRE_OK(AppendRecords(file, 3, 1));
  CHECK(Contents(dir.Sub("x.log.1")) == Recs(0, 2));
  CHECK(Contents(dir.Sub("x.log")) == Recs(3, 1));
}

TEST_CASE("a write error names the file and empties the batch", "[log_file]") {
  LogFile file = ValueOrFail(LogFile::Open("/dev/full", {}));
  absl::Status status = AppendRecords(file, 0, 2);
  CHECK(status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(ErrnoOf(status) == ENOSPC);
  CHECK_THAT(std::string(status.message()), Catch::StartsWith("write /dev/full:"));
  CHECK(file.batch()->empty());
}

TEST_CASE("a writer stays usable after a write error", "[log_file]") {
  auto w = ValueOrFail(JsonFileWriter::Open("/dev/full", {}));
  REQUIRE_OK(w->Write(Stream::kStdout, "open line", Now()));  // nothing to write yet
  absl::Status status = w->Write(Stream::kStdout, " ends\nnext\n", Now());
  CHECK(ErrnoOf(status) == ENOSPC);
  CHECK_THAT(std::string(status.message()), Catch::Contains("/dev/full"));
  CHECK(ErrnoOf(w->Write(Stream::kStdout, "again\n", Now())) == ENOSPC);
  REQUIRE_OK(w->CloseStream(Stream::kStdout, Now()));  // nothing left open
}

}  // namespace
}  // namespace berth::shim::logs
