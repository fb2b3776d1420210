// Pattern routing: "{name}" takes one segment, a single "{name*}" takes one
// or more (image names hold slashes), fixed segments around it must match.
#include <algorithm>

#include "common/strings.h"
#include "engined/http/http.h"

namespace berth::engined::http {
namespace {

bool IsPlaceholder(const std::string& s) {
  return s.size() >= 2 && s.front() == '{' && s.back() == '}';
}
bool IsRest(const std::string& s) { return IsPlaceholder(s) && s[s.size() - 2] == '*'; }
std::string PlaceholderName(const std::string& s) {
  return s.substr(1, s.size() - (IsRest(s) ? 3 : 2));
}

// Matches `pattern` against `path`, filling `params` on success.
bool MatchSegments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   std::map<std::string, std::string>* params) {
  auto rest = std::find_if(pattern.begin(), pattern.end(), IsRest);
  size_t before = static_cast<size_t>(rest - pattern.begin());
  size_t after = rest == pattern.end() ? 0 : pattern.size() - before - 1;
  if (rest == pattern.end() ? path.size() != pattern.size() : path.size() < before + after + 1) {
    return false;
  }
  std::map<std::string, std::string> found;
  auto match_one = [&](const std::string& p, const std::string& s) {
    if (!IsPlaceholder(p)) return p == s;
    if (s.empty()) return false;
    found[PlaceholderName(p)] = s;
    return true;
  };
  for (size_t i = 0; i < before; ++i) {
    if (!match_one(pattern[i], path[i])) return false;
  }
  for (size_t i = 0; i < after; ++i) {
    if (!match_one(pattern[pattern.size() - 1 - i], path[path.size() - 1 - i])) return false;
  }
  if (rest != pattern.end()) {
    auto first = path.begin() + static_cast<std::ptrdiff_t>(before);
    auto last = path.end() - static_cast<std::ptrdiff_t>(after);
    found[PlaceholderName(*rest)] = Join(std::vector<std::string>(first, last), "/");
  }
  *params = std::move(found);
  return true;
}

}  // namespace

void Router::Add(const std::string& method, const std::string& pattern, Handler handler,
                 RouteOptions options) {
  Route route;
  route.method = method;
  route.segments = SplitToStrings(pattern, '/', true);
  route.fixed =
      static_cast<int>(std::count_if(route.segments.begin(), route.segments.end(),
                                     [](const std::string& s) { return !IsPlaceholder(s); }));
  route.handler = std::move(handler);
  route.options = options;
  routes_.push_back(std::move(route));
}

Router::Found Router::Find(Request& request) const {
  std::vector<std::string> split;
  const std::vector<std::string>* segments = &request.path_segments;
  if (segments->empty()) {
    split = SplitToStrings(request.path, '/', true);
    segments = &split;
  }
  Found found;
  const Route* best = nullptr;
  const Route* best_get = nullptr;  // HEAD falls back to GET
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> get_params;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> route_params;
    if (!MatchSegments(route.segments, *segments, &route_params)) continue;
    if (route.method == request.method) {
      if (best == nullptr || route.fixed > best->fixed) {
        best = &route;
        params = std::move(route_params);
      }
    } else if (request.method == "HEAD" && route.method == "GET") {
      if (best_get == nullptr || route.fixed > best_get->fixed) {
        best_get = &route;
        get_params = std::move(route_params);
      }
    } else if (std::find(found.allowed.begin(), found.allowed.end(), route.method) ==
               found.allowed.end()) {
      found.allowed.push_back(route.method);
    }
  }
  if (best == nullptr && best_get != nullptr) {
    best = best_get;
    params = std::move(get_params);
  }
  if (best != nullptr) {
    found.handler = &best->handler;
    found.options = best->options;
    found.allowed.clear();
    request.params = std::move(params);
  }
  return found;
}

const Handler* Router::Match(Request& request, bool* method_mismatch) const {
  Found found = Find(request);
  if (method_mismatch != nullptr)
    *method_mismatch = found.handler == nullptr && !found.allowed.empty();
  return found.handler;
}

}  // namespace berth::engined::http
