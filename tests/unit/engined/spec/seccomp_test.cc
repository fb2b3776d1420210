#include <catch2/catch.hpp>

#include "engined/spec/capabilities.h"
#include "engined/spec/seccomp_convert.h"
#include "tests/testutil/status_testing.h"

namespace berth::engined::spec {
namespace {

using berth::testing::ValueOrFail;
using nlohmann::json;

bool Allows(const json& seccomp, const std::string& name) {
  for (const json& rule : seccomp["syscalls"]) {
    if (rule["action"] != "SCMP_ACT_ALLOW" || rule.contains("args")) continue;
    for (const json& n : rule["names"]) {
      if (n == name) return true;
    }
  }
  return false;
}

SeccompTarget Amd64(std::vector<std::string> caps) { return {std::move(caps), "amd64", "6.1.0"}; }

TEST_CASE("seccomp: default profile parses and follows capabilities", "[seccomp]") {
  json plain =
      ValueOrFail(ConvertSeccompProfile(DefaultSeccompProfile(), Amd64(DefaultCapabilities())));
  CHECK(plain["defaultAction"] == "SCMP_ACT_ERRNO");
  CHECK(plain["defaultErrnoRet"] == 1);
  CHECK(plain["architectures"] == json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  CHECK(Allows(plain, "read"));
  CHECK(Allows(plain, "arch_prctl"));
  CHECK(Allows(plain, "ptrace"));  // minKernel 4.8 met
  CHECK(!Allows(plain, "mount"));
  CHECK(!Allows(plain, "reboot"));
  CHECK(!Allows(plain, "s390_runtime_instr"));

  std::vector<std::string> admin = DefaultCapabilities();
  admin.push_back("CAP_SYS_ADMIN");
  json with_admin = ValueOrFail(ConvertSeccompProfile(DefaultSeccompProfile(), Amd64(admin)));
  CHECK(Allows(with_admin, "mount"));
  CHECK(with_admin["syscalls"].size() < plain["syscalls"].size() + 2);

  SeccompTarget old_kernel = Amd64(DefaultCapabilities());
  old_kernel.kernel = "4.4.0-1-generic";
  CHECK(!Allows(ValueOrFail(ConvertSeccompProfile(DefaultSeccompProfile(), old_kernel)), "ptrace"));
}

TEST_CASE("seccomp: custom profile with includes and excludes", "[seccomp]") {
  std::string profile = R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"name": "mkdir", "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["arm64"]}},
      {"names": ["socket"], "action": "SCMP_ACT_ERRNO",
       "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_EQ"}]}
    ]})";
  json out = ValueOrFail(ConvertSeccompProfile(profile, Amd64({})));
  CHECK(out["defaultAction"] == "SCMP_ACT_ALLOW");
  CHECK(out["architectures"] == json({"SCMP_ARCH_X86_64"}));
  REQUIRE(out["syscalls"].size() == 3);
  CHECK(out["syscalls"][0]["errnoRet"] == 13);
  CHECK(out["syscalls"][1]["names"] == json({"mkdir"}));
  CHECK(out["syscalls"][2]["args"][0] ==
        json({{"index", 0}, {"value", 40}, {"op", "SCMP_CMP_EQ"}}));
  CHECK(ValueOrFail(ConvertSeccompProfile(profile, Amd64({"CAP_SYS_ADMIN"})))["syscalls"].size() ==
        2);
}

TEST_CASE("seccomp: bad profiles", "[seccomp]") {
  CHECK(!ConvertSeccompProfile("[]", Amd64({})).ok());
  CHECK(
      !ConvertSeccompProfile(
           R"({"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]})",
           Amd64({}))
           .ok());
  absl::StatusOr<json> bad = ConvertSeccompProfile(
      R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"]}]})", Amd64({}));
  REQUIRE(!bad.ok());
  CHECK(bad.status().message() == "seccomp profile.syscalls[0].action: missing");
  CHECK(ValueOrFail(ConvertSeccompProfile("{}", Amd64({}))).is_null());
}

}  // namespace
}  // namespace berth::engined::spec
