// Go's fmt and encoding/json, as far as docker's --format output shows them,
// over values decoded from JSON: `{{.X}}` prints like fmt's %v, `printf`
// follows fmt's verbs, and docker's `json` function is encoding/json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::cli::output {

// strconv.FormatFloat(v, 'g', -1, 64), which %v uses for a float64:
// shortest digits, exponent form below 1e-4 and from 1e+06 ("1e+06", "0.5").
std::string GoFloat(double v);

// fmt.Sprint of one value: strings raw, true/false, integers, floats as
// GoFloat, null "<nil>", arrays "[a b]", objects "map[k:v]" (keys sorted).
std::string GoValueString(const nlohmann::json& v);

// fmt.Sprint: a space between two operands when neither is a string.
std::string GoSprint(const std::vector<nlohmann::json>& args);
// fmt.Sprintln: operands always space-separated, then a newline.
std::string GoSprintln(const std::vector<nlohmann::json>& args);
// fmt.Sprintf: flags "#0+- ", width, precision, verbs v s q d b o x X c t
// e E f F g G and %%; Go's "%!d(string=x)", "%!v(MISSING)" and
// "%!(EXTRA ...)" markers for mismatches.
std::string GoSprintf(std::string_view format, const std::vector<nlohmann::json>& args);

// json.Encoder with SetEscapeHTML(false), trailing newline trimmed: docker's
// `json` template function. Compact, keys sorted, floats as Go writes them,
// U+2028/U+2029 escaped and invalid UTF-8 replaced by U+FFFD.
std::string GoJson(const nlohmann::json& v);

// strconv.Quote for printable text: "\"a\\nb\"".
std::string GoQuote(std::string_view s);

// The Go type a JSON value decodes to, for messages: "string", "int",
// "float64", "bool", "[]interface {}", "map[string]interface {}", "<nil>".
std::string GoTypeName(const nlohmann::json& v);

}  // namespace berth::cli::output
