// The functions a docker --format template can call: Go's builtins (index,
// len, print*, eq..., and/or/not) and docker's (templates/templates.go:
// json, split, join, title, lower, upper, pad, truncate).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/output/template_value.h"

namespace berth::cli::output::internal {

// How an argument reaches a function, after Go's reflection rules:
//   kValue       as is, "no value" included (builtins taking reflect.Value)
//   kAny         as a JSON value, "no value" becoming null (Go's `any`)
//   kString, kInt, kStringSlice   checked against Go's string, int, []string
enum class ParamKind { kValue, kAny, kString, kInt, kStringSlice };

struct FuncSignature {
  std::vector<ParamKind> fixed;
  std::optional<ParamKind> variadic;
};

// The signature of `name`; `header` selects docker's HeaderFunctions, which
// pass a table header through json/split/join/title/lower/upper/truncate.
const FuncSignature* FindSignature(std::string_view name, bool header);

// Calls `name` (not and/or, which the executor short-circuits) on checked
// arguments. Errors carry Go's message without "error calling <name>: ".
absl::StatusOr<Value> CallFunction(std::string_view name, bool header,
                                   const std::vector<Value>& args);

// Go's truth: false, 0, "", null, empty arrays/objects and no value are false.
bool IsTrue(const Value& v);

}  // namespace berth::cli::output::internal
