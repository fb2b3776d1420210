#include "containerd/core/events/exchange.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace berth::containerd::events {
namespace {

namespace pb = ::berth::containerd::v1;

class Recorder : public Subscriber {
 public:
  void OnEnvelope(const Envelope& e) override {
    pb::TaskExit exit;
    e.event().UnpackTo(&exit);
    seen.push_back(e.namespace_() + " " + e.topic() + " " + exit.container_id());
  }
  std::vector<std::string> seen;
};

Envelope Exit(const std::string& ns, const std::string& id) {
  Envelope e;
  e.set_namespace_(ns);
  e.set_topic("/tasks/exit");
  pb::TaskExit exit;
  exit.set_container_id(id);
  e.mutable_event()->PackFrom(exit);
  return e;
}

metadata::Filter Parse(const std::vector<std::string>& filters) {
  absl::StatusOr<metadata::Filter> f = metadata::Filter::ParseAll(filters);
  REQUIRE(f.ok());
  return *f;
}

TEST_CASE("subscribers get what matches their filters, in order", "[exchange]") {
  Exchange exchange;
  Recorder all, team, one;
  exchange.Subscribe(&all, Parse({}), false);
  exchange.Subscribe(&team, Parse({"namespace==team"}), false);
  exchange.Subscribe(&one, Parse({"event.container_id==b", R"(topic=="/other")"}), false);
  exchange.Publish(Exit("default", "a"));
  exchange.Publish(Exit("team", "b"));
  CHECK(all.seen == std::vector<std::string>{"default /tasks/exit a", "team /tasks/exit b"});
  CHECK(team.seen == std::vector<std::string>{"team /tasks/exit b"});
  CHECK(one.seen == std::vector<std::string>{"team /tasks/exit b"});
  exchange.Unsubscribe(&all);
  exchange.Publish(Exit("default", "c"));
  CHECK(all.seen.size() == 2);
}

TEST_CASE("replay delivers retained envelopes first, oldest dropped past the bound",
          "[exchange]") {
  Exchange exchange(/*retained=*/2);
  exchange.Publish(Exit("default", "a"));
  exchange.Publish(Exit("default", "b"));
  exchange.Publish(Exit("default", "c"));
  Recorder late, live;
  exchange.Subscribe(&late, Parse({}), /*replay=*/true);
  exchange.Subscribe(&live, Parse({}), /*replay=*/false);
  exchange.Publish(Exit("default", "d"));
  CHECK(late.seen == std::vector<std::string>{"default /tasks/exit b", "default /tasks/exit c",
                                              "default /tasks/exit d"});
  CHECK(live.seen == std::vector<std::string>{"default /tasks/exit d"});
}

TEST_CASE("publish stamps a time", "[exchange]") {
  Exchange exchange;
  struct Stamp : Subscriber {
    void OnEnvelope(const Envelope& e) override { seconds = e.timestamp().seconds(); }
    int64_t seconds = 0;
  } stamp;
  exchange.Subscribe(&stamp, Parse({}), false);
  exchange.Publish(Exit("default", "a"));
  CHECK(stamp.seconds > 1700000000);
}

TEST_CASE("topics follow containerd's rule", "[exchange]") {
  CHECK(ValidateTopic("/tasks/exit").ok());
  CHECK(ValidateTopic("/a-b_c.d/e1").ok());
  CHECK_FALSE(ValidateTopic("").ok());
  CHECK_FALSE(ValidateTopic("tasks").ok());
  CHECK_FALSE(ValidateTopic("/").ok());
  CHECK_FALSE(ValidateTopic("/Tasks").ok());
  CHECK_FALSE(ValidateTopic("/a//b").ok());
  CHECK_FALSE(ValidateTopic("/a/").ok());
}

}  // namespace
}  // namespace berth::containerd::events
