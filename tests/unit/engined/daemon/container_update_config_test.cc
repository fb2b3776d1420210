// docker update's body, its checks against the container's HostConfig and
// the resources a running task gets.
#include "engined/daemon/container_update_config.h"

#include <catch2/catch.hpp>

namespace berth::engined {
namespace {

using nlohmann::json;

ContainerUpdate Parse(const json& body) {
  absl::StatusOr<ContainerUpdate> u = ParseContainerUpdate(body);
  REQUIRE(u.ok());
  return *u;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST_CASE("update body: fields, pids limits and the restart policy", "[unit][engined][update]") {
  ContainerUpdate u = Parse({{"Memory", 1 << 30},
                             {"CpuShares", 512},
                             {"CpusetCpus", "0"},
                             {"PidsLimit", -5},
                             {"RestartPolicy", {{"Name", "always"}}}});
  CHECK(u.memory == 1 << 30);
  CHECK(u.cpu_shares == 512);
  CHECK(u.cpuset_cpus == "0");
  CHECK(u.pids_limit == 0);
  REQUIRE(u.restart_policy.has_value());
  CHECK((*u.restart_policy)["Name"] == "always");
  CHECK_FALSE(Parse(json::object()).pids_limit.has_value());
  CHECK_FALSE(Parse({{"RestartPolicy", {{"Name", ""}}}}).restart_policy.has_value());
  CHECK_FALSE(ParseContainerUpdate({{"Memory", "lots"}}).ok());
  CHECK_FALSE(ParseContainerUpdate(json::array()).ok());
}

TEST_CASE("update checks: docker's messages for bad settings", "[unit][engined][update]") {
  std::vector<std::string> warnings;
  auto check = [&](const json& body) {
    return Message(ValidateContainerUpdate(Parse(body), &warnings, 4));
  };
  CHECK(check({{"Memory", 64 << 20}, {"MemorySwap", 32 << 20}}) ==
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  CHECK(check({{"Memory", 1024}}) == "Minimum memory limit allowed is 6MB");
  CHECK(check({{"NanoCpus", 8000000000}}) ==
        "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available");
  CHECK(check({{"BlkioWeight", 5}}) == "Range of blkio weight is from 10 to 1000");
  CHECK(check({{"RestartPolicy", {{"Name", "sometimes"}}}}).find("invalid restart policy") == 0);
  CHECK(check({{"Memory", 64 << 20}}).empty());
  CHECK(warnings.empty());
  CHECK(check({{"KernelMemory", 8 << 20}}).empty());
  CHECK(warnings.size() == 1);
}

TEST_CASE("update apply: a memory limit above the recorded swap limit needs a swap limit too",
          "[unit][engined][update]") {
  constexpr char kSwapConflict[] =
      "Memory limit should be smaller than already set memoryswap limit, update the memoryswap "
      "at the same time";
  // The swap limit docker records at create: twice the memory limit.
  json hc = {{"Memory", 64 << 20}};
  absl::Status above = ApplyContainerUpdate(Parse({{"Memory", 256 << 20}}), hc);
  CHECK(above.code() == absl::StatusCode::kFailedPrecondition);  // docker's 409
  CHECK(Message(above) == kSwapConflict);
  CHECK(ApplyContainerUpdate(Parse({{"Memory", 96 << 20}}), hc).ok());
  CHECK(hc["MemorySwap"] == 128 << 20);
  // No memory limit: no swap limit recorded either (0), so any new memory
  // limit conflicts, as in moby; unless a swap limit (or -1) comes with it.
  json unlimited = json::object();
  CHECK(Message(ApplyContainerUpdate(Parse({{"Memory", 64 << 20}}), unlimited)) == kSwapConflict);
  CHECK(unlimited == json::object());
  REQUIRE(ApplyContainerUpdate(Parse({{"Memory", 64 << 20}, {"MemorySwap", -1}}), unlimited).ok());
  CHECK(unlimited["Memory"] == 64 << 20);
  CHECK(unlimited["MemorySwap"] == -1);
  // Unlimited swap recorded: every later memory update names a swap limit.
  CHECK(Message(ApplyContainerUpdate(Parse({{"Memory", 32 << 20}}), unlimited)) == kSwapConflict);
  json both = json::object();
  REQUIRE(
      ApplyContainerUpdate(Parse({{"Memory", 64 << 20}, {"MemorySwap", 256 << 20}}), both).ok());
  CHECK(both["MemorySwap"] == 256 << 20);
}

TEST_CASE("update apply: conflicts with the HostConfig, and what changes",
          "[unit][engined][update]") {
  json hc = {{"NanoCpus", 1000000000}, {"AutoRemove", true}, {"Memory", 64 << 20}};
  json before = hc;
  absl::Status quota = ApplyContainerUpdate(Parse({{"CpuQuota", 50000}}), hc);
  CHECK(quota.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(quota) ==
        "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  CHECK(Message(ApplyContainerUpdate(Parse({{"RestartPolicy", {{"Name", "always"}}}}), hc)) ==
        "Restart policy cannot be updated because AutoRemove is enabled for the container");
  CHECK(hc == before);
  REQUIRE(ApplyContainerUpdate(Parse({{"RestartPolicy", {{"Name", "no"}}}}), hc).ok());

  REQUIRE(
      ApplyContainerUpdate(Parse({{"Memory", 96 << 20}, {"CpuShares", 100}, {"PidsLimit", 9}}), hc)
          .ok());
  CHECK(hc["Memory"] == 96 << 20);
  // The swap limit docker would have recorded at create stays.
  CHECK(hc["MemorySwap"] == 128 << 20);
  CHECK(hc["CpuShares"] == 100);
  CHECK(hc["PidsLimit"] == 9);
  CHECK(hc["NanoCpus"] == 1000000000);  // untouched

  json cpu = {{"CpuPeriod", 100000}};
  CHECK(Message(ApplyContainerUpdate(Parse({{"NanoCpus", 500000000}}), cpu)) ==
        "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
}

TEST_CASE("update resources: every limit, and unlimited pids spelled out",
          "[unit][engined][update]") {
  json hc = {{"Memory", 64 << 20}, {"MemorySwap", 128 << 20}, {"CpuShares", 256}, {"PidsLimit", 0}};
  absl::StatusOr<json> r = UpdatedTaskResources(hc, Parse({{"PidsLimit", -1}}));
  REQUIRE(r.ok());
  CHECK((*r)["memory"]["limit"] == 64 << 20);
  CHECK((*r)["memory"]["swap"] == 128 << 20);
  CHECK((*r)["cpu"]["shares"] == 256);
  CHECK((*r)["pids"]["limit"] == -1);
  absl::StatusOr<json> unchanged = UpdatedTaskResources(hc, Parse({{"CpuShares", 256}}));
  REQUIRE(unchanged.ok());
  CHECK_FALSE(unchanged->contains("pids"));
}

}  // namespace
}  // namespace berth::engined
