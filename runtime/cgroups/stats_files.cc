#include "runtime/cgroups/stats_files.h"

#include "common/strings.h"
#include "runtime/cgroups/cgroup_files.h"

namespace berth::runtime::cgroups {
namespace {

bool ParseMajorMinor(std::string_view text, uint64_t* major, uint64_t* minor) {
  auto [ma, mi] = SplitOnce(text, ':');
  if (!mi) return false;
  std::optional<uint64_t> a = ParseUint64(ma), b = ParseUint64(*mi);
  if (!a || !b) return false;
  *major = *a;
  *minor = *b;
  return true;
}

}  // namespace

std::vector<BlkioEntry> ReadBlkioV1(const std::string& dir, const std::string& file,
                                    const std::string& fallback) {
  std::vector<BlkioEntry> out;
  absl::StatusOr<std::string> text = ReadCgroupFile(dir, file);
  if (!text.ok()) text = ReadCgroupFile(dir, fallback);
  if (!text.ok()) return out;
  for (std::string_view line : Split(*text, '\n', true)) {
    std::vector<std::string_view> f = Split(line, ' ', true);
    if (f.size() != 3) continue;  // the trailing "Total N"
    BlkioEntry e;
    if (!ParseMajorMinor(f[0], &e.major, &e.minor)) continue;
    e.op = std::string(f[1]);
    e.value = ParseUint64(f[2]).value_or(0);
    out.push_back(std::move(e));
  }
  return out;
}

void ReadIoStatV2(const std::string& dir, BlkioStats* out) {
  absl::StatusOr<std::string> text = ReadCgroupFile(dir, "io.stat");
  if (!text.ok()) return;
  for (std::string_view line : Split(*text, '\n', true)) {
    std::vector<std::string_view> f = Split(line, ' ', true);
    if (f.empty()) continue;
    uint64_t major = 0, minor = 0;
    if (!ParseMajorMinor(f[0], &major, &minor)) continue;
    for (size_t i = 1; i < f.size(); ++i) {
      auto [key, value] = SplitOnce(f[i], '=');
      if (!value) continue;
      uint64_t v = ParseUint64(*value).value_or(0);
      if (key == "rbytes") out->io_service_bytes_recursive.push_back({major, minor, "Read", v});
      if (key == "wbytes") out->io_service_bytes_recursive.push_back({major, minor, "Write", v});
      if (key == "rios") out->io_serviced_recursive.push_back({major, minor, "Read", v});
      if (key == "wios") out->io_serviced_recursive.push_back({major, minor, "Write", v});
    }
  }
}

HugetlbStats ReadHugetlbV2(const std::string& dir, const std::string& size) {
  HugetlbStats h;
  std::string base = "hugetlb." + size;
  if (auto v = ReadCgroupUint(dir, base + ".current"); v.ok()) h.usage = *v;
  if (auto events = ReadFlatKeyed(dir, base + ".events"); events.ok()) h.failcnt = (*events)["max"];
  return h;
}

}  // namespace berth::runtime::cgroups
