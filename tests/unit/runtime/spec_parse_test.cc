#include "runtime/spec/parse.h"

#include <catch2/catch.hpp>

#include "runtime/spec/default_spec.h"
#include "runtime/spec/validate.h"

namespace berth::runtime::spec {
namespace {

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST_CASE("the default spec parses and validates", "[spec]") {
  json::Json j = DefaultSpecJson(false, 0, 0);
  absl::StatusOr<Spec> spec = ParseSpecJson(j);
  REQUIRE(spec.ok());
  CHECK(spec->oci_version == kOciVersion);
  REQUIRE(spec->process);
  CHECK(spec->process->args == std::vector<std::string>{"sh"});
  CHECK(spec->process->no_new_privileges);
  REQUIRE(spec->process->capabilities);
  CHECK(spec->process->capabilities->bounding.size() == 3);
  CHECK(spec->root->readonly);
  CHECK(spec->mounts.size() == 7);
  REQUIRE(spec->linux);
  CHECK(spec->linux->namespaces.size() == 6);
  CHECK(spec->linux->masked_paths.size() == 10);
  REQUIRE(spec->linux->resources);
  REQUIRE(spec->linux->resources->devices.size() == 1);
  CHECK_FALSE(spec->linux->resources->devices[0].allow);
  CHECK(ValidateSpec(*spec, {}).ok());
}

TEST_CASE("the rootless default maps the caller and makes a user namespace", "[spec]") {
  absl::StatusOr<Spec> spec = ParseSpecJson(DefaultSpecJson(true, 1000, 1000));
  REQUIRE(spec.ok());
  REQUIRE(spec->linux->uid_mappings.size() == 1);
  CHECK(spec->linux->uid_mappings[0].host_id == 1000);
  CHECK(ValidateSpec(*spec, {.rootless = true}).ok());
}

TEST_CASE("parse errors name the JSON path", "[spec]") {
  CHECK(Message(ParseSpec(R"({"linux":{"namespaces":[{"type":"pid"},{"type":"foo"}]}})").status()) ==
        "linux.namespaces[1].type: unknown namespace \"foo\"");
  CHECK(Message(ParseSpec(R"({"process":{"args":"sh"}})").status()) ==
        "process.args: expected an array of strings, got string");
  CHECK(Message(ParseSpec(R"({"root":{}})").status()) == "root.path: required but missing");
  CHECK(Message(ParseSpec(R"({"linux":{"resources":{"memory":{"limit":"1g"}}}})").status()) ==
        "linux.resources.memory.limit: expected an integer, got string");
  CHECK(ParseSpec("[]").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ParseSpec("{").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("every resource field is read", "[spec]") {
  absl::StatusOr<Spec> spec = ParseSpec(R"({"linux":{"resources":{
    "memory":{"limit":1048576,"reservation":524288,"swap":2097152,"swappiness":10,
              "disableOOMKiller":true},
    "cpu":{"shares":512,"quota":50000,"period":100000,"cpus":"0","mems":"0","burst":1000},
    "pids":{"limit":32},
    "blockIO":{"weight":300,"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1024}]},
    "hugepageLimits":[{"pageSize":"2MB","limit":2097152}],
    "devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rw"}],
    "unified":{"memory.high":"1000000"}}}})");
  REQUIRE(spec.ok());
  const Resources& r = *spec->linux->resources;
  CHECK(*r.memory->limit == 1048576);
  CHECK(*r.memory->swappiness == 10);
  CHECK(*r.cpu->shares == 512);
  CHECK(*r.cpu->quota == 50000);
  CHECK(r.cpu->cpus == "0");
  CHECK(r.pids->limit == 32);
  CHECK(*r.block_io->weight == 300);
  REQUIRE(r.block_io->throttle_read_bps_device.size() == 1);
  CHECK(r.block_io->throttle_read_bps_device[0].rate == 1024);
  CHECK(r.hugepage_limits[0].page_size == "2MB");
  CHECK(r.devices[1].major == 1);
  CHECK_FALSE(r.devices[0].major.has_value());
  CHECK(r.unified.at("memory.high") == "1000000");
}

Spec ValidBase() { return *ParseSpecJson(DefaultSpecJson(false, 0, 0)); }

TEST_CASE("validation rejects contradictions with a clear message", "[spec]") {
  Spec s = ValidBase();
  s.linux->namespaces.push_back({NamespaceType::kPid, ""});
  CHECK(Message(ValidateSpec(s, {})) == "linux.namespaces[6]: pid namespace listed twice");

  s = ValidBase();
  s.linux->uid_mappings.push_back({0, 1000, 1});
  CHECK(Message(ValidateSpec(s, {})).find("without a user namespace") != std::string::npos);

  s = ValidBase();
  std::erase_if(s.linux->namespaces, [](const Namespace& n) { return n.type == NamespaceType::kUts; });
  CHECK(Message(ValidateSpec(s, {})) == "hostname: setting it needs a uts namespace");

  s = ValidBase();
  s.linux->sysctl["net.ipv4.ip_forward"] = "1";
  CHECK(ValidateSpec(s, {}).ok());
  s.linux->sysctl["kernel.panic"] = "1";
  CHECK(Message(ValidateSpec(s, {})).find("kernel.panic is not namespaced") != std::string::npos);

  s = ValidBase();
  s.process->args.clear();
  CHECK(Message(ValidateSpec(s, {})) == "process.args: must not be empty");

  s = ValidBase();
  s.process->env.push_back("NOEQUALS");
  CHECK(Message(ValidateSpec(s, {})).find("process.env[2]") != std::string::npos);

  s = ValidBase();
  s.process->rlimits.push_back({"RLIMIT_BOGUS", 1, 1});
  CHECK(Message(ValidateSpec(s, {})).find("unknown rlimit \"RLIMIT_BOGUS\"") != std::string::npos);

  s = ValidBase();
  s.process->rlimits[0].soft = 2048;
  CHECK(Message(ValidateSpec(s, {})).find("exceeds hard limit") != std::string::npos);

  s = ValidBase();
  s.process->capabilities->bounding.push_back("CAP_BOGUS");
  CHECK(Message(ValidateSpec(s, {})).find("unknown capability \"CAP_BOGUS\"") != std::string::npos);

  s = ValidBase();
  s.mounts[0].destination = "/x/../../etc";
  CHECK(Message(ValidateSpec(s, {})).find("must not contain") != std::string::npos);

  s = ValidBase();
  s.mounts[0].destination = "/dev";
  CHECK(Message(ValidateSpec(s, {})).find("proc may only be mounted on /proc") != std::string::npos);

  s = ValidBase();
  s.linux->time_offsets["monotonic"] = {1, 0};
  CHECK(Message(ValidateSpec(s, {})).find("need a new time namespace") != std::string::npos);
  s.linux->namespaces.push_back({NamespaceType::kTime, ""});
  CHECK(ValidateSpec(s, {}).ok());
  s.linux->time_offsets["realtime"] = {1, 0};
  CHECK(Message(ValidateSpec(s, {})).find("unknown clock") != std::string::npos);

  s = ValidBase();
  s.linux->rootfs_propagation = "sideways";
  CHECK(Message(ValidateSpec(s, {})).find("unknown propagation") != std::string::npos);

  s = ValidBase();
  s.root.reset();
  CHECK(Message(ValidateSpec(s, {})) == "root.path: required");

  s = ValidBase();
  s.oci_version = "invalid";
  CHECK(Message(ValidateSpec(s, {})).find("ociVersion: \"invalid\" is not a SemVer") == 0);
  s.oci_version = "2.0.0";
  CHECK(Message(ValidateSpec(s, {})).find("not supported") != std::string::npos);
  s.oci_version = "1.0.2-dev";
  CHECK(ValidateSpec(s, {}).ok());
}

TEST_CASE("a process JSON alone parses for exec", "[spec]") {
  json::Json j = *json::Parse(
      R"({"args":["sh"],"cwd":"/","user":{"uid":1,"gid":2,"additionalGids":[3]},"terminal":true,
          "consoleSize":{"height":24,"width":80}})",
      "p");
  absl::StatusOr<Process> p = ParseProcessJson(json::View(j, "process"));
  REQUIRE(p.ok());
  CHECK(p->user.additional_gids == std::vector<uint32_t>{3});
  CHECK(p->console_size->width == 80);
}

}  // namespace
}  // namespace berth::runtime::spec
