// Capability names and set resolution: pure functions, no root needed.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/logger.h"
#include "common/unique_fd.h"
#include "runtime/linux/capabilities.h"

namespace berth::runtime::linux {
namespace {

// <linux/capability.h>, by number.
const std::vector<std::string> kAllNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

std::string Message(const absl::Status& s) { return std::string(s.message()); }

// Sends log records to a memfd for the life of the object.
class CapturedLog {
 public:
  CapturedLog() : fd_(memfd_create("log", MFD_CLOEXEC)) { log::SetOutput(fd_.get(), false); }
  ~CapturedLog() { log::SetOutput(STDERR_FILENO, false); }
  std::string Text() const {
    std::string out;
    char buf[4096];
    off_t off = 0;
    ssize_t n;
    while ((n = pread(fd_.get(), buf, sizeof(buf), off)) > 0) {
      out.append(buf, static_cast<size_t>(n));
      off += n;
    }
    return out;
  }

 private:
  UniqueFd fd_;
};

TEST_CASE("CapabilityFromName knows all 41 capabilities by their canonical names",
          "[capabilities]") {
  REQUIRE(kAllNames.size() == 41);
  for (size_t i = 0; i < kAllNames.size(); ++i) {
    INFO(kAllNames[i]);
    std::optional<int> cap = CapabilityFromName(kAllNames[i]);
    REQUIRE(cap.has_value());
    CHECK(*cap == static_cast<int>(i));
    CHECK(CapabilityName(static_cast<int>(i)) == kAllNames[i]);
  }
  CHECK(CapabilityFromName("CAP_SYS_ADMIN") == 21);
  CHECK(CapabilityFromName("CAP_CHECKPOINT_RESTORE") == 40);
}

TEST_CASE("CapabilityFromName accepts only canonical names as runc does", "[capabilities]") {
  // runc looks names up as "CAP_" + upper-case; libcap is more lenient and
  // its leniency must not leak through.
  for (const char* name : {"cap_sys_admin",
                           "Cap_Chown",
                           "CAP_chown",
                           "SYS_ADMIN",
                           "sys_admin",
                           "chown",
                           "21",
                           "CAP_21",
                           "CAP_",
                           "CAP",
                           "",
                           "all",
                           "CAP_CHOWN ",
                           " CAP_CHOWN",
                           "CAP_CHOWN,CAP_KILL",
                           "cap_chown,cap_kill",
                           "=ep",
                           "CAP_FOO",
                           "CAP_SYS_ADMINX",
                           "CAP_41"}) {
    INFO('"' << name << '"');
    CHECK_FALSE(CapabilityFromName(name).has_value());
  }
  CHECK_FALSE(CapabilityName(-1).has_value());
  CHECK_FALSE(CapabilityName(63).has_value());
}

TEST_CASE("AllCapabilityNames lists the kernel's capabilities in order", "[capabilities]") {
  int last = LastCapability();
  REQUIRE(last >= 36);  // any kernel this project supports
  std::vector<std::string> names = AllCapabilityNames();
  if (last <= 40) {
    REQUIRE(names.size() == static_cast<size_t>(last + 1));
    for (size_t i = 0; i < names.size(); ++i) CHECK(names[i] == kAllNames[i]);
  } else {
    REQUIRE(names.size() >= kAllNames.size());
  }
  for (const std::string& name : names) {
    INFO(name);
    CHECK(CapabilityFromName(name).has_value());
  }
  json::Json features = CapabilityFeatures();
  REQUIRE(features.is_array());
  CHECK(features.get<std::vector<std::string>>() == names);
}

TEST_CASE("ResolveCapabilities maps every set to numbers", "[capabilities]") {
  spec::Capabilities caps;
  caps.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  caps.effective = {"CAP_KILL"};
  caps.inheritable = {};
  caps.permitted = {"CAP_CHOWN", "CAP_KILL", "CAP_CHOWN"};  // repeats collapse
  caps.ambient = {"CAP_SYS_ADMIN"};
  absl::StatusOr<CapabilitySets> sets = ResolveCapabilities(caps, 40);
  REQUIRE(sets.ok());
  CHECK(sets->bounding == std::vector<int>{0, 5, 10});
  CHECK(sets->effective == std::vector<int>{5});
  CHECK(sets->inheritable.empty());
  CHECK(sets->permitted == std::vector<int>{0, 5});
  CHECK(sets->ambient == std::vector<int>{21});

  absl::StatusOr<CapabilitySets> empty = ResolveCapabilities(spec::Capabilities{});
  REQUIRE(empty.ok());
  CHECK(empty->bounding.empty());
}

TEST_CASE("ResolveCapabilities names the set and the unknown capability", "[capabilities]") {
  struct Case {
    std::vector<std::string> spec::Capabilities::*set;
    std::string set_name;
  };
  for (const Case& c : {Case{&spec::Capabilities::bounding, "bounding"},
                        Case{&spec::Capabilities::effective, "effective"},
                        Case{&spec::Capabilities::inheritable, "inheritable"},
                        Case{&spec::Capabilities::permitted, "permitted"},
                        Case{&spec::Capabilities::ambient, "ambient"}}) {
    INFO(c.set_name);
    spec::Capabilities caps;
    caps.*c.set = {"CAP_CHOWN", "CAP_FOO"};
    absl::StatusOr<CapabilitySets> sets = ResolveCapabilities(caps);
    REQUIRE_FALSE(sets.ok());
    CHECK(sets.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(sets.status()) ==
          "process.capabilities." + c.set_name + ": unknown capability \"CAP_FOO\"");
  }

  spec::Capabilities lower;
  lower.bounding = {"cap_chown"};
  absl::StatusOr<CapabilitySets> sets = ResolveCapabilities(lower);
  REQUIRE_FALSE(sets.ok());
  CHECK(Message(sets.status()) ==
        "process.capabilities.bounding: unknown capability \"cap_chown\" "
        "(names are upper-case: \"CAP_CHOWN\")");

  spec::Capabilities bare;
  bare.permitted = {"NET_RAW"};
  sets = ResolveCapabilities(bare);
  REQUIRE_FALSE(sets.ok());
  CHECK(Message(sets.status()) ==
        "process.capabilities.permitted: unknown capability \"NET_RAW\" "
        "(names are upper-case: \"CAP_NET_RAW\")");
}

TEST_CASE("ResolveCapabilities skips capabilities newer than the kernel with a warning",
          "[capabilities]") {
  spec::Capabilities caps;
  caps.bounding = {"CAP_CHOWN", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};
  caps.permitted = {"CAP_BPF", "CAP_KILL"};
  CapturedLog log_capture;
  absl::StatusOr<CapabilitySets> sets = ResolveCapabilities(caps, /*last_cap=*/37);
  REQUIRE(sets.ok());
  CHECK(sets->bounding == std::vector<int>{0});
  CHECK(sets->permitted == std::vector<int>{5});
  std::string text = log_capture.Text();
  CHECK_THAT(text, Catch::Contains("warning"));
  CHECK_THAT(text, Catch::Contains("CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE"));
  CHECK_THAT(text, Catch::Contains("last capability 37"));
}

TEST_CASE("ApplyCapabilities checks its sets before changing the process", "[capabilities]") {
  // This fails before any capset or prctl, so it is safe in the test
  // process itself. (Ambient capabilities that are not also permitted and
  // inheritable are skipped, as runc does; capabilities_switch_test checks
  // that in a child.)
  CapabilitySets effective_only;
  effective_only.effective = {21};
  absl::Status s = ApplyCapabilities(effective_only);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(s) ==
        "set capabilities: effective capability CAP_SYS_ADMIN is not in the permitted set");
}

}  // namespace
}  // namespace berth::runtime::linux
