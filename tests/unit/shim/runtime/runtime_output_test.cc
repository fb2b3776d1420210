#include "shim/runtime/runtime_output.h"

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/testutil/temp_dir.h"

namespace berth::shim {
namespace {

std::string Message(const absl::Status& s) { return std::string(ToStd(s.message())); }

TEST_CASE("runc's state JSON parses", "[runtime_output]") {
  absl::StatusOr<ContainerState> s = ParseState(R"({
    "ociVersion": "1.0.2-dev", "id": "c1", "pid": 4242, "status": "running",
    "bundle": "/run/b/c1", "rootfs": "/run/b/c1/rootfs",
    "created": "2024-02-02T10:00:00.123456789Z", "owner": "",
    "annotations": {"io.kubernetes.cri.container-type": "sandbox"}, "unknown": [1, 2]
  })");
  REQUIRE(s.ok());
  CHECK(s->oci_version == "1.0.2-dev");
  CHECK(s->id == "c1");
  CHECK(s->pid == 4242);
  CHECK(s->status == "running");
  CHECK(s->bundle == "/run/b/c1");
  CHECK(s->rootfs == "/run/b/c1/rootfs");
  CHECK(s->created == "2024-02-02T10:00:00.123456789Z");
  CHECK(s->annotations.at("io.kubernetes.cri.container-type") == "sandbox");
}

TEST_CASE("a stopped container has pid 0, bad state JSON is an error", "[runtime_output]") {
  absl::StatusOr<ContainerState> s = ParseState(R"({"id": "c1", "pid": 0, "status": "stopped"})");
  REQUIRE(s.ok());
  CHECK(s->pid == 0);
  CHECK_FALSE(ParseState("not json").ok());
  CHECK_FALSE(ParseState(R"({"pid": 1, "status": "running"})").ok());  // no id
  absl::StatusOr<ContainerState> bad = ParseState(R"({"id": "c1", "status": "x", "pid": "1"})");
  REQUIRE_FALSE(bad.ok());
  CHECK(Message(bad.status()).find("state.pid") != std::string::npos);
}

TEST_CASE("ps JSON: pids, empty, null", "[runtime_output]") {
  CHECK(ParsePids("[1, 23, 456]\n").value() == std::vector<pid_t>{1, 23, 456});
  CHECK(ParsePids("[]").value().empty());
  CHECK(ParsePids("null\n").value().empty());
  CHECK_FALSE(ParsePids("{}").ok());
  CHECK_FALSE(ParsePids(R"(["1"])").ok());
}

TEST_CASE("pid files", "[runtime_output]") {
  CHECK(ParsePidFile("4242", "p").value() == 4242);
  CHECK(ParsePidFile(" 4242\n", "p").value() == 4242);
  for (const char* bad : {"", "0", "-5", "12ab", "99999999999", "\n"}) {
    INFO(bad);
    absl::StatusOr<pid_t> r = ParsePidFile(bad, "/b/init.pid");
    REQUIRE_FALSE(r.ok());
    CHECK(Message(r.status()).find("/b/init.pid") != std::string::npos);
  }
  testing::TempDir dir;
  REQUIRE(WriteFile(dir.Sub("init.pid"), "77").ok());
  CHECK(ReadPidFile(dir.Sub("init.pid")).value() == 77);
  absl::StatusOr<pid_t> missing = ReadPidFile(dir.Sub("none.pid"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(Message(missing.status()).find(dir.Sub("none.pid")) != std::string::npos);
}

}  // namespace
}  // namespace berth::shim
