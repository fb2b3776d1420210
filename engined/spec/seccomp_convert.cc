#include "engined/spec/seccomp_convert.h"

#include <sys/utsname.h>

#include <algorithm>
#include <map>

#include "common/status.h"
#include "common/strings.h"
#include "engined/spec/fields.h"

namespace berth::engined::spec {
namespace {

using nlohmann::json;

// docker's (Go's) architecture name -> the libseccomp name the profile's
// archMap is keyed by.
const std::map<std::string, std::string>& NativeToSeccomp() {
  static const std::map<std::string, std::string> m = {{"x86", "SCMP_ARCH_X86"},
                                                       {"amd64", "SCMP_ARCH_X86_64"},
                                                       {"arm", "SCMP_ARCH_ARM"},
                                                       {"arm64", "SCMP_ARCH_AARCH64"},
                                                       {"loong64", "SCMP_ARCH_LOONGARCH64"},
                                                       {"mips64", "SCMP_ARCH_MIPS64"},
                                                       {"mips64n32", "SCMP_ARCH_MIPS64N32"},
                                                       {"mipsel64", "SCMP_ARCH_MIPSEL64"},
                                                       {"mips3l64n32", "SCMP_ARCH_MIPSEL64N32"},
                                                       {"mipsle", "SCMP_ARCH_MIPSEL"},
                                                       {"ppc", "SCMP_ARCH_PPC"},
                                                       {"ppc64", "SCMP_ARCH_PPC64"},
                                                       {"ppc64le", "SCMP_ARCH_PPC64LE"},
                                                       {"riscv64", "SCMP_ARCH_RISCV64"},
                                                       {"s390", "SCMP_ARCH_S390"},
                                                       {"s390x", "SCMP_ARCH_S390X"}};
  return m;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// "4.8" <= "6.1.0-18-amd64"? Compares major.minor only, as docker does.
absl::StatusOr<bool> KernelAtLeast(const std::string& kernel, const std::string& min,
                                   const std::string& path) {
  auto parse = [](const std::string& v) -> std::optional<std::pair<int64_t, int64_t>> {
    std::vector<std::string> parts = SplitToStrings(v.substr(0, v.find_first_of("-+ ")), '.');
    if (parts.size() < 2) return std::nullopt;
    std::optional<int64_t> a = ParseInt64(parts[0]), b = ParseInt64(parts[1]);
    if (!a || !b) return std::nullopt;
    return std::pair{*a, *b};
  };
  auto want = parse(min);
  if (!want) return InvalidArgumentf("{}.minKernel: invalid kernel version \"{}\"", path, min);
  if (kernel.empty()) return true;
  auto have = parse(kernel);
  if (!have) return true;
  return *have >= *want;
}

struct Filter {
  std::vector<std::string> caps, arches;
  std::string min_kernel;
};

absl::StatusOr<Filter> ParseFilter(const json& rule, const char* key, const std::string& path) {
  Filter f;
  const Json* j = Field(rule, key);
  if (j == nullptr) return f;
  std::string p = path + "." + key;
  if (!j->is_object()) return InvalidArgumentf("{}: expected an object", p);
  BERTH_ASSIGN_OR_RETURN(f.caps, GetStrings(*j, "caps", p));
  BERTH_ASSIGN_OR_RETURN(f.arches, GetStrings(*j, "arches", p));
  BERTH_ASSIGN_OR_RETURN(f.min_kernel, GetString(*j, "minKernel", p));
  return f;
}

// Whether the rule at `path` applies to `target`.
absl::StatusOr<bool> RuleApplies(const json& rule, const SeccompTarget& target,
                                 const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(Filter ex, ParseFilter(rule, "excludes", path));
  if (Contains(ex.arches, target.arch)) return false;
  for (const std::string& c : ex.caps) {
    if (Contains(target.capabilities, c)) return false;
  }
  if (!ex.min_kernel.empty()) {
    BERTH_ASSIGN_OR_RETURN(bool newer, KernelAtLeast(target.kernel, ex.min_kernel, path));
    if (newer) return false;
  }
  BERTH_ASSIGN_OR_RETURN(Filter in, ParseFilter(rule, "includes", path));
  if (!in.arches.empty() && !Contains(in.arches, target.arch)) return false;
  for (const std::string& c : in.caps) {
    if (!Contains(target.capabilities, c)) return false;
  }
  if (!in.min_kernel.empty()) {
    BERTH_ASSIGN_OR_RETURN(bool newer, KernelAtLeast(target.kernel, in.min_kernel, path));
    if (!newer) return false;
  }
  return true;
}

absl::StatusOr<json> ConvertArgs(const json& rule, const std::string& path) {
  json out = json::array();
  const Json* args = Field(rule, "args");
  if (args == nullptr) return out;
  if (!args->is_array()) return InvalidArgumentf("{}.args: expected a list", path);
  for (size_t i = 0; i < args->size(); ++i) {
    const json& a = (*args)[i];
    std::string p = fmt::format("{}.args[{}]", path, i);
    if (!a.is_object()) return InvalidArgumentf("{}: expected an object", p);
    json arg;
    for (const char* k : {"index", "value", "valueTwo"}) {
      const Json* v = Field(a, k);
      if (v == nullptr) continue;
      if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<int64_t>() >= 0)) {
        return InvalidArgumentf("{}.{}: expected a non-negative integer", p, k);
      }
      if (std::string(k) != "valueTwo" || v->get<uint64_t>() != 0) arg[k] = v->get<uint64_t>();
    }
    if (!arg.contains("index")) arg["index"] = 0;
    if (!arg.contains("value")) arg["value"] = 0;
    BERTH_ASSIGN_OR_RETURN(std::string op, GetString(a, "op", p));
    if (op.empty()) return InvalidArgumentf("{}.op: missing", p);
    arg["op"] = op;
    out.push_back(std::move(arg));
  }
  return out;
}

}  // namespace

SeccompTarget HostSeccompTarget(std::vector<std::string> capabilities) {
  SeccompTarget t;
  t.capabilities = std::move(capabilities);
  struct utsname u {};
  if (uname(&u) == 0) {
    static const std::map<std::string, std::string> machine_to_go = {
        {"x86_64", "amd64"}, {"aarch64", "arm64"},   {"i686", "x86"},
        {"i386", "x86"},     {"armv7l", "arm"},      {"ppc64le", "ppc64le"},
        {"s390x", "s390x"},  {"riscv64", "riscv64"}, {"loongarch64", "loong64"},
        {"mips64", "mips64"}};
    auto it = machine_to_go.find(u.machine);
    t.arch = it != machine_to_go.end() ? it->second : u.machine;
    t.kernel = u.release;
  }
  return t;
}

absl::StatusOr<nlohmann::json> ConvertSeccompProfile(const std::string& profile_json,
                                                     const SeccompTarget& target) {
  json profile = json::parse(profile_json, nullptr, false);
  if (profile.is_discarded() || !profile.is_object()) {
    return InvalidArgumentf("Decoding seccomp profile failed: not a JSON object");
  }
  const std::string root = "seccomp profile";
  BERTH_ASSIGN_OR_RETURN(std::string default_action, GetString(profile, "defaultAction", root));
  const Json* syscalls = Field(profile, "syscalls");
  if (default_action.empty() && (syscalls == nullptr || syscalls->empty())) return json(nullptr);
  if (syscalls != nullptr && !syscalls->is_array()) {
    return InvalidArgumentf("{}.syscalls: expected a list", root);
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> architectures,
                         GetStrings(profile, "architectures", root));
  const Json* arch_map = Field(profile, "archMap");
  if (!architectures.empty() && arch_map != nullptr && !arch_map->empty()) {
    return InvalidArgumentf(
        "both 'architectures' and 'archMap' are specified in the seccomp profile, use either "
        "'architectures' or 'archMap'");
  }

  json out = {{"defaultAction", default_action}};
  BERTH_ASSIGN_OR_RETURN(std::optional<int64_t> default_errno,
                         GetOptionalInt(profile, "defaultErrnoRet", root));
  if (default_errno) out["defaultErrnoRet"] = *default_errno;
  // Only the host's own entry of archMap: its native arch plus the
  // compat ones (x86 and x32 on amd64).
  if (arch_map != nullptr) {
    if (!arch_map->is_array()) return InvalidArgumentf("{}.archMap: expected a list", root);
    auto native = NativeToSeccomp().find(target.arch);
    for (size_t i = 0; native != NativeToSeccomp().end() && i < arch_map->size(); ++i) {
      std::string p = fmt::format("{}.archMap[{}]", root, i);
      BERTH_ASSIGN_OR_RETURN(std::string arch, GetString((*arch_map)[i], "architecture", p));
      if (arch != native->second) continue;
      BERTH_ASSIGN_OR_RETURN(std::vector<std::string> subs,
                             GetStrings((*arch_map)[i], "subArchitectures", p));
      architectures.push_back(arch);
      architectures.insert(architectures.end(), subs.begin(), subs.end());
      break;
    }
  }
  if (!architectures.empty()) out["architectures"] = architectures;
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> flags, GetStrings(profile, "flags", root));
  if (!flags.empty()) out["flags"] = flags;
  for (const char* k : {"listenerPath", "listenerMetadata"}) {
    BERTH_ASSIGN_OR_RETURN(std::string v, GetString(profile, k, root));
    if (!v.empty()) out[k] = v;
  }

  json rules = json::array();
  for (size_t i = 0; syscalls != nullptr && i < syscalls->size(); ++i) {
    const json& rule = (*syscalls)[i];
    std::string path = fmt::format("{}.syscalls[{}]", root, i);
    if (!rule.is_object()) return InvalidArgumentf("{}: expected an object", path);
    BERTH_ASSIGN_OR_RETURN(std::string name, GetString(rule, "name", path));
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, GetStrings(rule, "names", path));
    if (!name.empty()) {
      if (!names.empty()) {
        return InvalidArgumentf(
            "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or "
            "'names'");
      }
      names.push_back(name);
    }
    BERTH_ASSIGN_OR_RETURN(bool applies, RuleApplies(rule, target, path));
    if (!applies) continue;
    BERTH_ASSIGN_OR_RETURN(std::string action, GetString(rule, "action", path));
    if (action.empty()) return InvalidArgumentf("{}.action: missing", path);
    json out_rule = {{"names", names}, {"action", action}};
    BERTH_ASSIGN_OR_RETURN(std::optional<int64_t> errno_ret,
                           GetOptionalInt(rule, "errnoRet", path));
    if (errno_ret) out_rule["errnoRet"] = *errno_ret;
    BERTH_ASSIGN_OR_RETURN(json args, ConvertArgs(rule, path));
    if (!args.empty()) out_rule["args"] = std::move(args);
    rules.push_back(std::move(out_rule));
  }
  out["syscalls"] = std::move(rules);
  return out;
}

}  // namespace berth::engined::spec
