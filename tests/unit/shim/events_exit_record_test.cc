#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "shim/events.h"
#include "shim/exit_record.h"
#include "shim/task/runtime_stats.h"
#include "tests/testutil/temp_dir.h"

namespace berth::shim {
namespace {

class Collect : public EventSink {
 public:
  void OnEvent(const TaskEvent& e) override { seen.push_back(e); }
  std::vector<TaskEvent> seen;
};

TEST_CASE("event log numbers events and replays what came after", "[shim]") {
  EventLog log;
  log.Publish({0, kTopicCreate, "c", "", 10, 0, {}});
  log.Publish({0, kTopicStart, "c", "", 10, 0, {}});
  Collect sink;
  std::vector<TaskEvent> replay = log.Subscribe(1, &sink);
  REQUIRE(replay.size() == 1);
  CHECK(replay[0].topic == kTopicStart);
  CHECK(replay[0].sequence == 2);
  log.Publish({0, kTopicExit, "c", "", 10, 3, {}});
  REQUIRE(sink.seen.size() == 1);
  CHECK(sink.seen[0].sequence == 3);
  CHECK(sink.seen[0].exit_status == 3);
  CHECK(sink.seen[0].time.time_since_epoch().count() > 0);
  log.Unsubscribe(&sink);
  log.Publish({0, kTopicDelete, "c", "", 10, 3, {}});
  CHECK(sink.seen.size() == 1);
}

TEST_CASE("event log keeps only the most recent events", "[shim]") {
  EventLog log;
  for (size_t i = 0; i < EventLog::kRetained + 10; ++i)
    log.Publish({0, kTopicOom, "c", "", 1, 0, {}});
  Collect sink;
  std::vector<TaskEvent> replay = log.Subscribe(0, &sink);
  REQUIRE(replay.size() == EventLog::kRetained);
  CHECK(replay.front().sequence == 11);
}

TEST_CASE("exit records round-trip through the bundle", "[shim]") {
  testing::TempDir dir("berth-exit");
  CHECK(absl::IsNotFound(ReadExitRecord(dir.path()).status()));
  ExitRecord record{42, 137, Clock::time_point(std::chrono::nanoseconds(1764655932123456789))};
  REQUIRE(WriteExitRecord(dir.path(), record).ok());
  absl::StatusOr<ExitRecord> read = ReadExitRecord(dir.path());
  REQUIRE(read.ok());
  CHECK(read->pid == 42);
  CHECK(read->exit_status == 137);
  CHECK(read->exited_at == record.exited_at);
  REQUIRE(WriteFile(ExitRecordPath(dir.path()), "{\"pid\":\"x\"}").ok());
  CHECK(absl::IsInternal(ReadExitRecord(dir.path()).status()));
}

TEST_CASE("runtime stats JSON maps to task stats", "[shim]") {
  const char* v1 = R"({"type":"stats","id":"c","data":{
    "cpu":{"usage":{"total":5000,"user":3000,"kernel":2000},"throttling":{"throttledPeriods":4,"throttledTime":900}},
    "memory":{"usage":{"usage":8192,"limit":65536,"max":9000},"cache":100,"swap":{"usage":8192},
              "raw":{"total_rss":4096,"total_inactive_file":1000}},
    "pids":{"current":3,"limit":50},
    "blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":10},{"major":8,"op":"Write","value":20},
                                        {"major":9,"op":"Read","value":5}],
             "ioServicedRecursive":[{"op":"Read","value":1},{"op":"Write","value":2}]}}})";
  absl::StatusOr<task::TaskStats> s = task::ParseRuntimeStats(v1);
  REQUIRE(s.ok());
  CHECK(s->cpu_usage_nsec == 5000);
  CHECK(s->cpu_user_nsec == 3000);
  CHECK(s->cpu_system_nsec == 2000);
  CHECK(s->cpu_throttled_periods == 4);
  CHECK(s->memory_usage == 8192);
  CHECK(s->memory_limit == 65536);
  CHECK(s->memory_rss == 4096);
  CHECK(s->memory_working_set == 7192);
  CHECK(s->pids_current == 3);
  CHECK(s->pids_limit == 50);
  CHECK(s->io_read_bytes == 15);
  CHECK(s->io_write_bytes == 20);
  CHECK(s->io_write_ops == 2);
  CHECK(absl::IsInternal(task::ParseRuntimeStats("not json").status()));
  CHECK(absl::IsInternal(task::ParseRuntimeStats(R"({"type":"stats"})").status()));
}

}  // namespace
}  // namespace berth::shim
