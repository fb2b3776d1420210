// Small string helpers on std::string_view. (Debian's Abseil is built with its
// own absl::string_view, not std::string_view, so its string utilities do not
// take ours; these stay in the standard types.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace berth {

// Splits on `sep`; with skip_empty, empty pieces are dropped.
std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty = false);
std::vector<std::string> SplitToStrings(std::string_view s, char sep, bool skip_empty = false);
// Splits at the first `sep`: {"a=b=c", '='} -> {"a", "b=c"}; no sep -> {s, nullopt}.
std::pair<std::string_view, std::optional<std::string_view>> SplitOnce(std::string_view s,
                                                                       char sep);
std::string_view TrimSpace(std::string_view s);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

std::optional<int64_t> ParseInt64(std::string_view s);
std::optional<uint64_t> ParseUint64(std::string_view s);

inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace berth
