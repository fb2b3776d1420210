// containerd's filter language (pkg/filters: parser.go, scanner.go, quote.go,
// filter.go), used by List calls:
//
//   selectors := selector ("," selector)*         every selector must match
//   selector  := fieldpath [operator value]        no operator: field is present
//   fieldpath := field ("." field)*
//   field     := quoted | [A-Za-z0-9_]+
//   operator  := "==" | "!=" | "~="               ~= is an unanchored regex search
//   value     := quoted | [^\s,]+
//   quoted    := "..." with Go escapes; after ~= also /.../ and |...|
//
// Several filter strings are ORed: ParseAll({"labels.a==1", "image~=busybox"}).
// Examples: `id==web`, `labels."io.x/app"==db,runtime.name`, `image~=^docker\.io/`
// (a bare value is taken as is; inside quotes only Go's escapes are legal, so
// the same regex quoted is `image~=/^docker\\.io\//`).
//
// Regular expressions are RE2, the syntax and semantics of Go's regexp that
// containerd uses, matched in linear time and without recursion on the input
// (std::regex's backtracking executor overflowed the stack on a 4096-byte
// label, the largest containerd allows). One difference from containerd: a
// regular expression that does not compile is a parse error here, where
// containerd logs it and matches nothing.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace berth::containerd::metadata {

// One object as a filter sees it: the value at a field path ({"labels",
// "a.b"} for `labels."a.b"`), or nullopt when the object has no such field.
class FilterAdaptor {
 public:
  virtual ~FilterAdaptor() = default;
  virtual std::optional<std::string> Field(const std::vector<std::string>& path) const = 0;
};

// The `labels.<key>`-style lookup every adaptor shares: the rest of the path
// joined with "." is the key; an empty map has no fields (containerd checkMap).
std::optional<std::string> MapField(std::span<const std::string> rest,
                                    const std::map<std::string, std::string>& map);

class Filter {
 public:
  enum class Operator { kPresent, kEqual, kNotEqual, kMatches };

  struct Selector {
    std::vector<std::string> fieldpath;
    Operator op = Operator::kPresent;
    std::string value;
    std::shared_ptr<const re2::RE2> regex;  // set for kMatches
  };

  // Matches everything.
  static Filter Always();
  // One filter string: its selectors ANDed. "" matches everything. A syntax
  // error is InvalidArgument in containerd's words, the offending byte marked:
  //   filters: parse error: [labels. >|?|< "x"==y]: expected field or quoted
  static absl::StatusOr<Filter> Parse(std::string_view text);
  // Several filter strings ORed; none matches everything.
  static absl::StatusOr<Filter> ParseAll(const std::vector<std::string>& texts);

  bool Match(const FilterAdaptor& object) const;

  // The parsed form: an OR of ANDs (an empty AND matches everything).
  const std::vector<std::vector<Selector>>& alternatives() const { return alternatives_; }

 private:
  std::vector<std::vector<Selector>> alternatives_;
};

}  // namespace berth::containerd::metadata
