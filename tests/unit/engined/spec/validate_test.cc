#include "engined/spec/validate.h"

#include <catch2/catch.hpp>

namespace berth::engined::spec {
namespace {

using nlohmann::json;

std::string Error(const json& hc, ValidateOptions o = {}) {
  if (o.num_cpus == 0) o.num_cpus = 4;
  absl::Status s = ValidateHostConfig(hc, json::object(), o);
  if (s.ok()) return "ok";
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  return std::string(s.message());
}

TEST_CASE("validate: a plain host config passes", "[validate]") {
  CHECK(Error(json::object()) == "ok");
  CHECK(Error({{"Memory", 64 << 20},
               {"MemorySwap", -1},
               {"NanoCpus", 1500000000},
               {"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 3}}},
               {"CapAdd", {"net_admin"}},
               {"CapDrop", {"ALL"}}}) == "ok");
}

TEST_CASE("validate: memory", "[validate]") {
  CHECK(Error({{"Memory", 1 << 20}}) == "Minimum memory limit allowed is 6MB");
  CHECK(Error({{"Memory", 64 << 20}, {"MemoryReservation", 128 << 20}}) ==
        "Minimum memory limit can not be less than memory reservation limit, see usage");
  CHECK(Error({{"Memory", 64 << 20}, {"MemorySwap", 32 << 20}}) ==
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  CHECK(Error({{"MemorySwap", 64 << 20}}) ==
        "You should always set the Memory limit when using Memoryswap limit, see usage");
  // On update a swap limit alone is fine (the memory limit is already set).
  ValidateOptions update;
  update.update = true;
  CHECK(Error({{"MemorySwap", 64 << 20}}, update) == "ok");
  CHECK(Error({{"MemorySwappiness", 101}}) ==
        "Invalid value: 101, valid memory swappiness range is 0-100");
  CHECK(Error({{"MemorySwappiness", -1}}) == "ok");
}

TEST_CASE("validate: cpu", "[validate]") {
  CHECK(Error({{"NanoCpus", 1000000000}, {"CpuPeriod", 100000}}) ==
        "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  CHECK(Error({{"NanoCpus", 1000000000}, {"CpuQuota", 100000}}) ==
        "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  CHECK(Error({{"NanoCpus", 5000000000LL}}) ==
        "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available");
  CHECK(Error({{"CpuPeriod", 999}}) ==
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  CHECK(Error({{"CpuQuota", 500}}) == "CPU cfs quota can not be less than 1ms (i.e. 1000)");
  CHECK(Error({{"BlkioWeight", 5}}) == "Range of blkio weight is from 10 to 1000");
}

TEST_CASE("validate: restart policy", "[validate]") {
  CHECK(Error({{"RestartPolicy", {{"Name", "x"}}}}) ==
        "invalid restart policy: unknown policy 'x'; use one of 'no', 'always', 'on-failure', "
        "or 'unless-stopped'");
  CHECK(Error({{"RestartPolicy", {{"Name", "always"}, {"MaximumRetryCount", 2}}}}) ==
        "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  CHECK(Error({{"AutoRemove", true}, {"RestartPolicy", {{"Name", "always"}}}}) ==
        "can't create 'AutoRemove' container with restart policy");
  CHECK(Error({{"AutoRemove", true}, {"RestartPolicy", {{"Name", "no"}}}}) == "ok");
}

TEST_CASE("validate: capabilities, ulimits, devices, security options", "[validate]") {
  CHECK(Error({{"CapAdd", {"CAP_FOO"}}}) == "invalid CapAdd: unknown capability: \"CAP_FOO\"");
  CHECK(Error({{"CapDrop", {"bogus"}}}) == "invalid CapDrop: unknown capability: \"CAP_BOGUS\"");
  CHECK(Error({{"Ulimits", {{{"Name", "nofiles"}, {"Soft", 1}, {"Hard", 1}}}}}) ==
        "HostConfig.Ulimits[0].Name: unknown ulimit \"nofiles\"");
  CHECK(Error({{"Ulimits", {{{"Name", "nofile"}, {"Soft", 10}, {"Hard", 1}}}}})
            .find("soft limit must be less than or equal to hard limit") != std::string::npos);
  CHECK(Error({{"Devices", {{{"PathOnHost", "/dev/null"}, {"CgroupPermissions", "rwx"}}}}}) ==
        "HostConfig.Devices[0].CgroupPermissions: invalid device mode: rwx");
  CHECK(Error({{"Devices", {"relative"}}}) ==
        "HostConfig.Devices[0].PathOnHost: \"relative\" is not an absolute path");
  CHECK(Error({{"DeviceCgroupRules", {"c 1:3"}}}) == "invalid device cgroup rule format: 'c 1:3'");
  CHECK(Error({{"SecurityOpt", {"seccomp={not json"}}}).find("Decoding seccomp profile failed") !=
        std::string::npos);
  CHECK(Error({{"SecurityOpt", {"bogus"}}}) ==
        "HostConfig.SecurityOpt[0]: invalid --security-opt 1: \"bogus\"");
  CHECK(Error({{"SecurityOpt", {"no-new-privileges:maybe"}}}).find("invalid --security-opt 2") !=
        std::string::npos);
  CHECK(Error({{"OomScoreAdj", 2000}}) ==
        "Invalid value 2000, range for oom score adj is [-1000, 1000]");
  CHECK(Error({{"IpcMode", "weird"}}) == "invalid IPC mode: weird");
  CHECK(Error({{"IpcMode", "container:db"}}) ==
        "IPC mode \"container:db\": sharing another container's IPC namespace is not supported by "
        "berthd yet");
  CHECK(Error({{"ShmSize", -1}}) == "SHM size can not be less than 0");
  CHECK(Error({{"Memory", "lots"}}) == "HostConfig.Memory: expected an integer");
}

}  // namespace
}  // namespace berth::engined::spec
