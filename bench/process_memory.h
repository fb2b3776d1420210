// How much memory a process uses, from /proc/PID/smaps_rollup and smaps, for
// berth-shim-memory-bench.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::bench {

struct Memory {
  pid_t pid = 0;
  long rss_kb = 0;
  long pss_kb = 0;
  long uss_kb = 0;  // Private_Clean + Private_Dirty
  int threads = 0;
};

// smaps_rollup's Rss, Pss and Private_* of `pid`, and its thread count;
// nullopt when the process is gone.
std::optional<Memory> Measure(pid_t pid);

// Where a process's memory is, per mapping kind, from /proc/PID/smaps:
// each file by name, [heap], [stack], and anonymous mappings split by a
// heuristic into .bss (right after a file's mapping), thread stacks (right
// above a PROT_NONE guard), malloc arenas (64 MiB aligned, with a PROT_NONE
// reserve after them) and the rest.
struct Breakdown {
  struct Row {
    long private_dirty = 0;
    long private_clean = 0;
    long pss = 0;
    int mappings = 0;
  };
  std::map<std::string, Row> rows;
  std::map<std::string, int> thread_names;
};

Breakdown Details(pid_t pid);

// Details(pid) as a table on stdout, largest private first, and the
// threads by name.
void PrintDetails(const std::string& name, pid_t pid);

// The same measurement for a group of processes, summarized.
struct Stats {
  std::string name;
  std::vector<Memory> shims;
  double Median(long Memory::*field) const;
  double Mean(long Memory::*field) const;
  long Total(long Memory::*field) const;
};

}  // namespace berth::bench
