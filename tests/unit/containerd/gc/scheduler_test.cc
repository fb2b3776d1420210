// The collection scheduler: debounced after deletions, on demand, never
// overlapping, stopped cleanly.
#include "containerd/core/gc/scheduler.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

namespace berth::containerd::gc {
namespace {

using std::chrono::milliseconds;

struct Counting {
  std::atomic<int> runs{0};
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};

  Scheduler::CollectFn Fn(milliseconds work = milliseconds(0)) {
    return [this, work]() -> absl::StatusOr<Report> {
      if (running.fetch_add(1) != 0) overlapped = true;
      std::this_thread::sleep_for(work);
      ++runs;
      running.fetch_sub(1);
      return Report{};
    };
  }
};

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 400 && !done(); ++i) std::this_thread::sleep_for(milliseconds(5));
  return done();
}

TEST_CASE("gc scheduler: a burst of deletions costs one collection after the last", "[gc]") {
  Counting c;
  Scheduler s(c.Fn(), milliseconds(100));
  for (int i = 0; i < 5; ++i) {
    s.Schedule();
    std::this_thread::sleep_for(milliseconds(30));
  }
  // 120 ms into the burst no collection has run: each Schedule pushed it.
  CHECK(c.runs == 0);
  CHECK(WaitFor([&] { return c.runs == 1; }));
  std::this_thread::sleep_for(milliseconds(200));
  CHECK(c.runs == 1);
  CHECK(s.collections() == 1);
}

TEST_CASE("gc scheduler: CollectNow runs at once and never beside a scheduled one", "[gc]") {
  Counting c;
  Scheduler s(c.Fn(milliseconds(50)), milliseconds(1));
  s.Schedule();
  std::thread other([&] { REQUIRE(s.CollectNow().ok()); });
  REQUIRE(s.CollectNow().ok());
  other.join();
  CHECK(WaitFor([&] { return c.runs == 3; }));
  CHECK_FALSE(c.overlapped);
}

TEST_CASE("gc scheduler: Stop drops a scheduled collection and ignores later ones", "[gc]") {
  Counting c;
  Scheduler s(c.Fn(), milliseconds(10000));
  s.Schedule();
  s.Stop();
  s.Schedule();
  s.Stop();  // idempotent
  CHECK(c.runs == 0);
}

}  // namespace
}  // namespace berth::containerd::gc
