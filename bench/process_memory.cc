#include "bench/process_memory.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file_util.h"
#include "common/strings.h"

namespace berth::bench {
namespace {

long Field(const std::string& line, const char* name) {
  size_t n = std::strlen(name);
  if (line.compare(0, n, name) != 0) return -1;
  return std::strtol(line.c_str() + n, nullptr, 10);
}

}  // namespace

std::optional<Memory> Measure(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  if (!in) return std::nullopt;
  Memory m;
  m.pid = pid;
  std::string line;
  while (std::getline(in, line)) {
    if (long v = Field(line, "Rss:"); v >= 0) m.rss_kb = v;
    if (long v = Field(line, "Pss:"); v >= 0) m.pss_kb = v;
    if (long v = Field(line, "Private_Clean:"); v >= 0) m.uss_kb += v;
    if (long v = Field(line, "Private_Dirty:"); v >= 0) m.uss_kb += v;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++m.threads;
  }
  return m;
}

Breakdown Details(pid_t pid) {
  Breakdown b;
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps");
  struct Mapping {
    unsigned long start = 0, end = 0;
    std::string perms, path;
    Breakdown::Row row;
  };
  std::vector<Mapping> maps;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') != std::string::npos && line.find(':') > line.find(' ')) {
      Mapping m;
      std::istringstream fields(line);
      std::string range, offset, dev, inode;
      fields >> range >> m.perms >> offset >> dev >> inode;
      std::getline(fields, m.path);
      m.path = std::string(TrimSpace(m.path));
      m.start = std::stoul(range.substr(0, range.find('-')), nullptr, 16);
      m.end = std::stoul(range.substr(range.find('-') + 1), nullptr, 16);
      maps.push_back(std::move(m));
      continue;
    }
    if (maps.empty()) continue;
    Breakdown::Row& row = maps.back().row;
    if (long v = Field(line, "Private_Dirty:"); v >= 0) row.private_dirty = v;
    if (long v = Field(line, "Private_Clean:"); v >= 0) row.private_clean = v;
    if (long v = Field(line, "Pss:"); v >= 0) row.pss = v;
  }
  for (size_t i = 0; i < maps.size(); ++i) {
    const Mapping& m = maps[i];
    std::string key = m.path;
    if (key.empty()) {
      bool guard_below = i > 0 && maps[i - 1].path.empty() && maps[i - 1].perms == "---p" &&
                         maps[i - 1].end == m.start;
      bool reserve_above = i + 1 < maps.size() && maps[i + 1].path.empty() &&
                           maps[i + 1].perms == "---p" && maps[i + 1].start == m.end;
      bool after_file = i > 0 && !maps[i - 1].path.empty() && maps[i - 1].path[0] == '/' &&
                        maps[i - 1].end == m.start;
      if (m.perms == "---p") {
        key = "[anon: PROT_NONE guard/reserve]";
      } else if (after_file) {
        key = "[bss] " + maps[i - 1].path.substr(maps[i - 1].path.rfind('/') + 1);
      } else if (reserve_above && m.start % (64UL << 20) == 0) {
        key = "[anon: malloc arena]";
      } else if (guard_below) {
        key = "[anon: thread stack]";
      } else {
        key = "[anon: other]";
      }
    } else if (key[0] == '/') {
      key = key.substr(key.rfind('/') + 1);
    }
    Breakdown::Row& row = b.rows[key];
    row.private_dirty += m.row.private_dirty;
    row.private_clean += m.row.private_clean;
    row.pss += m.row.pss;
    row.mappings += 1;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name =
        std::string(TrimSpace(ReadFile(it->path().string() + "/comm").value_or("?")));
    ++b.thread_names[name];
  }
  return b;
}

void PrintDetails(const std::string& name, pid_t pid) {
  Breakdown b = Details(pid);
  std::vector<std::pair<std::string, Breakdown::Row>> rows(b.rows.begin(), b.rows.end());
  std::sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
    return x.second.private_dirty + x.second.private_clean >
           y.second.private_dirty + y.second.private_clean;
  });
  std::printf("\n%s (pid %d): where the private memory is, KiB\n", name.c_str(), pid);
  std::printf("  %-44s %9s %9s %9s %5s\n", "mapping", "priv.dirty", "priv.clean", "pss", "maps");
  Breakdown::Row rest, total;
  int shown = 0;
  for (const auto& [key, row] : rows) {
    total.private_dirty += row.private_dirty;
    total.private_clean += row.private_clean;
    total.pss += row.pss;
    total.mappings += row.mappings;
    if (shown < 25 && row.private_dirty + row.private_clean > 0) {
      std::printf("  %-44s %10ld %10ld %9ld %5d\n", key.substr(0, 44).c_str(), row.private_dirty,
                  row.private_clean, row.pss, row.mappings);
      ++shown;
    } else {
      rest.private_dirty += row.private_dirty;
      rest.private_clean += row.private_clean;
      rest.pss += row.pss;
      rest.mappings += row.mappings;
    }
  }
  std::printf("  %-44s %10ld %10ld %9ld %5d\n", "(the rest)", rest.private_dirty,
              rest.private_clean, rest.pss, rest.mappings);
  std::printf("  %-44s %10ld %10ld %9ld %5d\n", "total", total.private_dirty, total.private_clean,
              total.pss, total.mappings);
  std::printf("  threads:");
  for (const auto& [thread, count] : b.thread_names) std::printf(" %s x%d", thread.c_str(), count);
  std::printf("\n");
}

double Stats::Median(long Memory::*field) const {
  std::vector<long> v;
  for (const Memory& m : shims) v.push_back(m.*field);
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? static_cast<double>(v[n / 2]) : static_cast<double>(v[n / 2 - 1] + v[n / 2]) / 2.0;
}

long Stats::Total(long Memory::*field) const {
  long t = 0;
  for (const Memory& m : shims) t += m.*field;
  return t;
}

double Stats::Mean(long Memory::*field) const {
  return shims.empty() ? 0 : static_cast<double>(Total(field)) / static_cast<double>(shims.size());
}

}  // namespace berth::bench
