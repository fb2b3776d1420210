// docker/go-units: the sizes and durations docker prints, and the memory
// sizes its flags accept. One copy for berthd and the berth CLI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth {

// units.HumanSizeWithPrecision: decimal units (kB = 1000) and `precision`
// significant digits, formatted like Go's %g ("1.23MB", "512B", "1e+03kB").
// `docker images` shows sizes at precision 3.
std::string HumanSizeWithPrecision(double bytes, int precision);

// units.HumanSize: HumanSizeWithPrecision(bytes, 4) ("1.235MB"), as pull
// progress shows.
std::string HumanSize(double bytes);

// units.BytesSize: binary units (KiB = 1024), 4 significant digits
// ("1.5MiB"), as `docker stats` shows memory.
std::string BytesSize(double bytes);

// units.HumanDuration: "Less than a second", "1 second", "About a minute",
// "3 hours", "2 weeks"... Negative durations read as "Less than a second".
std::string HumanDuration(int64_t seconds);

// units.RAMInBytes: "512", "100k", "512m", "1.5g", "2 GiB", "2b" (binary
// units, case-insensitive, optional b/ib). InvalidArgument with docker's
// messages: "invalid size: '-1'", "invalid suffix: 'x'", and strconv's
// `strconv.ParseFloat: parsing "1.2.3": invalid syntax`.
absl::StatusOr<int64_t> RAMInBytes(std::string_view size);

}  // namespace berth
