// The docker API's JSON views of a container: inspect (GET
// /containers/{id}/json) and the ps summary (GET /containers/json), with
// ps's filters.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/daemon/container.h"

namespace berth::engined {

nlohmann::json ContainerInspectJson(const Container& c, const std::vector<std::string>& exec_ids);
nlohmann::json ContainerSummaryJson(const Container& c);

// docker's `filters` query value: {"key":["v1","v2"]} or the older
// {"key":{"v1":true}}; an empty string is no filter.
using Filters = std::map<std::string, std::set<std::string>>;
absl::StatusOr<Filters> ParseFilters(const std::string& text);

// Checks the keys against those allowed ("invalid filter 'x'").
absl::Status CheckFilterKeys(const Filters& filters, const std::set<std::string>& allowed);

struct ListOptions {
  bool all = false;
  int limit = -1;  // docker's -n / last
  Filters filters;
};
// Whether container `c` passes ps's filters (id, name, label, exited,
// status, ancestor); before / since are applied by the caller on the list.
bool MatchesContainerFilters(const Container& c, const Filters& filters);

// ps's STATUS column: "Up 3 minutes (Paused)", "Exited (0) 2 seconds ago".
std::string ContainerStatusText(const ContainerState& state, int64_t now_seconds);

}  // namespace berth::engined
