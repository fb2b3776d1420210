// Parsers for stats files shared by the v1 and v2 managers.
#pragma once

#include <string>
#include <vector>

#include "runtime/cgroups/stats.h"

namespace berth::runtime::cgroups {

// "8:0 Read 4096" lines of a v1 blkio file; `fallback` when `file` is absent.
std::vector<BlkioEntry> ReadBlkioV1(const std::string& dir, const std::string& file,
                                    const std::string& fallback);

// v2 io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...") as v1-style entries:
// bytes with ops Read / Write, ios with ops Read / Write.
void ReadIoStatV2(const std::string& dir, BlkioStats* out);

// hugetlb.<size>.current / .max / .events on v2.
HugetlbStats ReadHugetlbV2(const std::string& dir, const std::string& size);

}  // namespace berth::runtime::cgroups
