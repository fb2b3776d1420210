#include "common/reference.h"

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/strings.h"

namespace berth {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | [-]+
bool ValidPathComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !IsLowerAlnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              sep.find_first_not_of('-') == std::string_view::npos;
    if (!ok) return false;
    i = j;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool ValidDomainComponent(std::string_view c) {
  if (c.empty() || !IsAlnum(c.front()) || !IsAlnum(c.back())) return false;
  for (char ch : c) {
    if (!IsAlnum(ch) && ch != '-') return false;
  }
  return true;
}

bool ValidPort(std::string_view p) {
  return !p.empty() && p.size() <= 5 && p.find_first_not_of("0123456789") == std::string_view::npos;
}

// host[:port], host a dotted name or a bracketed IPv6 address.
bool ValidDomain(std::string_view d) {
  std::string_view host = d;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view ip = d.substr(1, close - 1);
    if (ip.empty() || ip.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return false;
    }
    std::string_view rest = d.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && ValidPort(rest.substr(1)));
  }
  if (size_t colon = d.rfind(':'); colon != std::string_view::npos) {
    if (!ValidPort(d.substr(colon + 1))) return false;
    host = d.substr(0, colon);
  }
  for (std::string_view c : Split(host, '.')) {
    if (!ValidDomainComponent(c)) return false;
  }
  return true;
}

bool ValidTag(std::string_view t) {
  if (t.empty() || t.size() > kMaxTagLength) return false;
  auto word = [](char c) { return IsAlnum(c) || c == '_'; };
  if (!word(t.front())) return false;
  for (char c : t) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool HasUpper(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

}  // namespace

bool IsSha256Digest(std::string_view text) {
  if (text.size() != 71 || !text.starts_with("sha256:")) return false;
  for (char c : text.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string RegistryHostFor(std::string_view domain) {
  if (domain == kDefaultDomain) return "registry-1.docker.io";
  return std::string(domain);
}

std::string Reference::RegistryHost() const { return RegistryHostFor(domain); }

absl::StatusOr<Reference> Reference::Parse(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return InvalidArgumentf("invalid reference \"{}\": {}", text, why);
  };
  if (text.empty()) return invalid("empty");
  Reference ref;
  std::string_view rest = text;
  // The digest: everything after '@'.
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    std::string_view d = rest.substr(at + 1);
    if (!IsSha256Digest(d)) {
      return invalid(d.starts_with("sha256:") || d.find(':') == std::string_view::npos
                         ? "invalid digest: want sha256:<64 lowercase hex digits>"
                         : "invalid digest: only sha256 is supported");
    }
    ref.digest = std::string(d);
    rest = rest.substr(0, at);
  }
  // The tag: after the last ':' that comes after the last '/'.
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!ValidTag(tag)) return invalid(fmt::format("invalid tag \"{}\"", tag));
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return invalid("empty repository name");
  // The domain: the first component when it looks like a host (docker's
  // splitDockerDomain: has '.' or ':', is "localhost", or has uppercase).
  std::string_view remainder = rest;
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, slash);
    if (first.find_first_of(".:[") != std::string_view::npos || first == "localhost" ||
        HasUpper(first)) {
      if (!ValidDomain(first)) return invalid(fmt::format("invalid registry host \"{}\"", first));
      ref.domain = std::string(first);
      remainder = rest.substr(slash + 1);
    }
  }
  if (ref.domain.empty() || ref.domain == "index.docker.io") ref.domain = kDefaultDomain;
  if (remainder.empty()) return invalid("empty repository name");
  if (HasUpper(remainder)) return invalid("repository name must be lowercase");
  for (std::string_view c : Split(remainder, '/')) {
    if (c.empty()) return invalid("empty path component in repository name");
    if (!ValidPathComponent(c)) {
      return invalid(fmt::format("invalid path component \"{}\" in repository name", c));
    }
  }
  ref.path = std::string(remainder);
  if (ref.domain == kDefaultDomain && ref.path.find('/') == std::string::npos) {
    ref.path = "library/" + ref.path;
  }
  if (ref.Name().size() > kMaxNameLength) {
    return invalid(fmt::format("repository name longer than {} characters", kMaxNameLength));
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = kDefaultTag;
  return ref;
}

std::string Reference::String() const {
  std::string s = Name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string Reference::Familiar() const {
  std::string name = Name();
  if (domain == kDefaultDomain) {
    name = path;
    if (name.rfind("library/", 0) == 0 && name.find('/', 8) == std::string::npos) {
      name = name.substr(8);
    }
  }
  if (!tag.empty()) name += ":" + tag;
  if (!digest.empty()) name += "@" + digest;
  return name;
}

}  // namespace berth
