#include "cli/output/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace berth::cli::output {
namespace {

using json = nlohmann::json;

// A float as Go's strconv sees it: value = 0.digits * 10^dp.
struct Decimal {
  std::string digits;  // no leading or trailing zeros; empty for zero
  int dp = 0;
};

// The shortest digits that read back as `v` (strconv's shortest mode).
Decimal Shortest(double v) {
  Decimal d;
  if (v == 0) return d;
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = s.find('e');
  for (char c : s.substr(0, e)) {
    if (c != '.') d.digits += c;
  }
  int exp = 0;
  std::string_view es = s.substr(e + 1);
  if (!es.empty() && es[0] == '+') es.remove_prefix(1);
  std::from_chars(es.data(), es.data() + es.size(), exp);
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  d.dp = exp + 1;
  return d;
}

// strconv's fmtE: d.ddde±dd with `prec` digits after the point.
std::string FormatE(const Decimal& d, int prec, char e) {
  std::string out(1, d.digits.empty() ? '0' : d.digits[0]);
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; ++i) {
      size_t idx = static_cast<size_t>(i);
      out += idx < d.digits.size() ? d.digits[idx] : '0';
    }
  }
  out += e;
  int exp = d.digits.empty() ? 0 : d.dp - 1;
  out += exp < 0 ? '-' : '+';
  if (exp < 0) exp = -exp;
  if (exp < 10) out += '0';
  out += std::to_string(exp);
  return out;
}

// strconv's fmtF: integer part, then `prec` digits after the point.
std::string FormatF(const Decimal& d, int prec) {
  std::string out;
  int nd = static_cast<int>(d.digits.size());
  if (d.dp > 0) {
    for (int i = 0; i < d.dp; ++i) out += i < nd ? d.digits[static_cast<size_t>(i)] : '0';
  } else {
    out = "0";
  }
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; ++i) {
      int j = d.dp + i - 1;
      out += j >= 0 && j < nd ? d.digits[static_cast<size_t>(j)] : '0';
    }
  }
  return out;
}

std::optional<std::string> NonFinite(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return std::nullopt;
}

std::string IntString(const json& v) {
  return v.is_number_unsigned() ? std::to_string(v.get<uint64_t>())
                                : std::to_string(v.get<int64_t>());
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8: copy valid sequences, replace invalid bytes.
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    bool valid = len > 0 && i + len <= s.size() && c < 0xf5 && c != 0xc0 && c != 0xc1;
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    if (!valid) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    std::string_view seq = s.substr(i, len);
    if (seq == "\xe2\x80\xa8") {
      out += "\\u2028";
    } else if (seq == "\xe2\x80\xa9") {
      out += "\\u2029";
    } else {
      out += seq;
    }
    i += len;
  }
  out += '"';
}

void AppendJson(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      out += "null";
      break;
    case json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      out += IntString(v);
      break;
    case json::value_t::number_float: {
      double f = v.get<double>();
      if (!std::isfinite(f)) {
        out += "null";  // Go refuses these; JSON cannot hold them anyway
        break;
      }
      Decimal d = Shortest(f);
      if (f < 0) out += '-';
      double abs = std::fabs(f);
      if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
        std::string e = FormatE(d, static_cast<int>(d.digits.size()) - 1, 'e');
        // Go writes e-7, not e-07.
        size_t n = e.size();
        if (n >= 4 && e[n - 4] == 'e' && e[n - 3] == '-' && e[n - 2] == '0') e.erase(n - 2, 1);
        out += e;
      } else {
        out += FormatF(d, std::max(static_cast<int>(d.digits.size()) - d.dp, 0));
      }
      break;
    }
    case json::value_t::string:
      AppendJsonString(out, v.get_ref<const std::string&>());
      break;
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, e);
      }
      out += ']';
      break;
    }
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, k);
        out += ':';
        AppendJson(out, e);
      }
      out += '}';
      break;
    }
    case json::value_t::binary:
      out += "null";
      break;
  }
}

// ---- printf ----

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  std::optional<int> width, precision;
  char verb = 'v';
};

std::string Pad(const Spec& spec, std::string s, bool numeric) {
  if (!spec.width || static_cast<int>(s.size()) >= *spec.width) return s;
  size_t n = static_cast<size_t>(*spec.width) - s.size();
  if (spec.minus) return s + std::string(n, ' ');
  if (spec.zero && numeric) {
    size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ') ? 1 : 0;
    return s.insert(sign, std::string(n, '0'));
  }
  return std::string(n, ' ') + s;
}

std::string BadVerb(const Spec& spec, const json& v) {
  if (v.is_null()) return std::string("%!") + spec.verb + "(<nil>)";
  return std::string("%!") + spec.verb + "(" + GoTypeName(v) + "=" + GoValueString(v) + ")";
}

std::string FormatInt(const Spec& spec, const json& v) {
  bool neg = v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0;
  uint64_t mag = v.is_number_unsigned() ? v.get<uint64_t>()
                                        : (neg ? 0 - static_cast<uint64_t>(v.get<int64_t>())
                                               : static_cast<uint64_t>(v.get<int64_t>()));
  std::string digits;
  std::string prefix;
  switch (spec.verb) {
    case 'v':
    case 'd':
      digits = std::to_string(mag);
      break;
    case 'b': {
      char buf[72];
      auto r = std::to_chars(buf, buf + sizeof(buf), mag, 2);
      digits.assign(buf, r.ptr);
      break;
    }
    case 'o': {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof(buf), mag, 8);
      digits.assign(buf, r.ptr);
      if (spec.sharp && digits != "0") digits = "0" + digits;
      break;
    }
    case 'x':
    case 'X': {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof(buf), mag, 16);
      digits.assign(buf, r.ptr);
      if (spec.verb == 'X') {
        for (char& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      if (spec.sharp) prefix = spec.verb == 'x' ? "0x" : "0X";
      break;
    }
    case 'c': {
      std::string s;
      uint32_t r = static_cast<uint32_t>(mag);
      if (r < 0x80) {
        s += static_cast<char>(r);
      } else if (r < 0x800) {
        s += static_cast<char>(0xc0 | (r >> 6));
        s += static_cast<char>(0x80 | (r & 0x3f));
      } else if (r < 0x10000) {
        s += static_cast<char>(0xe0 | (r >> 12));
        s += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (r & 0x3f));
      } else {
        s += static_cast<char>(0xf0 | (r >> 18));
        s += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
        s += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (r & 0x3f));
      }
      return Pad(spec, s, false);
    }
    default:
      return BadVerb(spec, v);
  }
  if (spec.precision) {
    if (*spec.precision == 0 && mag == 0) digits.clear();
    while (static_cast<int>(digits.size()) < *spec.precision) digits = "0" + digits;
  }
  std::string sign = neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  Spec padding = spec;
  if (spec.precision) padding.zero = false;  // Go: precision turns off zero padding
  return Pad(padding, sign + prefix + digits, true);
}

std::string FormatFloat(const Spec& spec, double f) {
  std::string body;
  if (auto special = NonFinite(f)) {
    body = *special;
    if (body == "+Inf" && !spec.plus) body = spec.space ? " Inf" : "Inf";
    if (spec.verb == 'v' && std::isinf(f) && f > 0 && !spec.plus) body = "+Inf";
    return Pad(spec, body, false);
  }
  char buf[512];
  switch (spec.verb) {
    case 'v':
    case 'g':
    case 'G':
      if (!spec.precision) {
        body = GoFloat(std::fabs(f));
        if (spec.verb == 'G') {
          for (char& c : body) c = c == 'e' ? 'E' : c;
        }
      } else if (spec.verb == 'G') {
        std::snprintf(buf, sizeof(buf), "%.*G", *spec.precision, std::fabs(f));
        body = buf;
      } else {
        std::snprintf(buf, sizeof(buf), "%.*g", *spec.precision, std::fabs(f));
        body = buf;
      }
      break;
    case 'e':
      std::snprintf(buf, sizeof(buf), "%.*e", spec.precision.value_or(6), std::fabs(f));
      body = buf;
      break;
    case 'E':
      std::snprintf(buf, sizeof(buf), "%.*E", spec.precision.value_or(6), std::fabs(f));
      body = buf;
      break;
    case 'f':
    case 'F':
      std::snprintf(buf, sizeof(buf), "%.*f", spec.precision.value_or(6), std::fabs(f));
      body = buf;
      break;
    default:
      return BadVerb(spec, json(f));
  }
  std::string sign = std::signbit(f) ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  return Pad(spec, sign + body, true);
}

std::string FormatString(const Spec& spec, const std::string& s) {
  std::string body = s;
  switch (spec.verb) {
    case 'v':
    case 's':
      if (spec.precision && static_cast<int>(body.size()) > *spec.precision) {
        body.resize(static_cast<size_t>(*spec.precision));
      }
      break;
    case 'q':
      body = GoQuote(s);
      break;
    case 'x':
    case 'X': {
      static constexpr char kLower[] = "0123456789abcdef";
      static constexpr char kUpper[] = "0123456789ABCDEF";
      const char* hex = spec.verb == 'x' ? kLower : kUpper;
      body.clear();
      for (unsigned char c : s) {
        if (spec.space && !body.empty()) body += ' ';
        body += hex[c >> 4];
        body += hex[c & 0xf];
      }
      break;
    }
    default:
      return BadVerb(spec, json(s));
  }
  return Pad(spec, body, false);
}

std::string FormatValue(const Spec& spec, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
    case json::value_t::binary:
      if (spec.verb == 'v') return Pad(spec, "<nil>", false);
      return BadVerb(spec, v);
    case json::value_t::boolean:
      if (spec.verb == 'v' || spec.verb == 't') {
        return Pad(spec, v.get<bool>() ? "true" : "false", false);
      }
      return BadVerb(spec, v);
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return FormatInt(spec, v);
    case json::value_t::number_float:
      return FormatFloat(spec, v.get<double>());
    case json::value_t::string:
      return FormatString(spec, v.get_ref<const std::string&>());
    case json::value_t::array: {
      // fmt applies the verb to each element.
      std::string out = "[";
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ' ';
        first = false;
        out += FormatValue(spec, e);
      }
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ' ';
        first = false;
        out += FormatValue(spec, json(k)) + ":" + FormatValue(spec, e);
      }
      return out + "]";
    }
  }
  return "";
}

}  // namespace

std::string GoFloat(double v) {
  if (auto special = NonFinite(v)) return *special;
  Decimal d = Shortest(v);
  std::string sign = std::signbit(v) ? "-" : "";
  int nd = static_cast<int>(d.digits.size());
  int exp = d.dp - 1;
  // Shortest %g switches to exponent form at the precision of 6 (strconv).
  if (exp < -4 || exp >= 6) return sign + FormatE(d, nd - 1, 'e');
  return sign + FormatF(d, std::max(nd - d.dp, 0));
}

std::string GoValueString(const json& v) { return FormatValue(Spec{}, v); }

std::string GoSprint(const std::vector<json>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && !args[i].is_string() && !args[i - 1].is_string()) out += ' ';
    out += GoValueString(args[i]);
  }
  return out;
}

std::string GoSprintln(const std::vector<json>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    out += GoValueString(args[i]);
  }
  return out + "\n";
}

std::string GoSprintf(std::string_view format, const std::vector<json>& args) {
  std::string out;
  size_t arg = 0;
  size_t i = 0;
  auto number = [&](std::optional<int>& into) {
    if (i < format.size() && format[i] == '*') {
      ++i;
      if (arg < args.size() && args[arg].is_number_integer()) {
        into = static_cast<int>(args[arg++].get<int64_t>());
      } else {
        ++arg;
        out += "%!(BADWIDTH)";
      }
      return;
    }
    while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
      into = into.value_or(0) * 10 + (format[i] - '0');
      ++i;
    }
  };
  while (i < format.size()) {
    char c = format[i++];
    if (c != '%') {
      out += c;
      continue;
    }
    Spec spec;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '-') {
        spec.minus = true;
        spec.zero = false;  // Go: '-' overrides '0'
      } else if (f == '+') {
        spec.plus = true;
      } else if (f == '#') {
        spec.sharp = true;
      } else if (f == ' ') {
        spec.space = true;
      } else if (f == '0') {
        spec.zero = !spec.minus;
      } else {
        break;
      }
    }
    number(spec.width);
    if (spec.width && *spec.width < 0) {
      spec.minus = true;
      spec.width = -*spec.width;
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      number(spec.precision);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i++];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (arg >= args.size()) {
      out += std::string("%!") + spec.verb + "(MISSING)";
      continue;
    }
    out += FormatValue(spec, args[arg++]);
  }
  if (arg < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = arg; k < args.size(); ++k) {
      if (k > arg) out += ", ";
      out += args[k].is_null() ? "<nil>" : GoTypeName(args[k]) + "=" + GoValueString(args[k]);
    }
    out += ")";
  }
  return out;
}

std::string GoJson(const json& v) {
  std::string out;
  AppendJson(out, v);
  return out;
}

std::string GoQuote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string GoTypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
    case json::value_t::binary:
      return "<nil>";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "int";
    case json::value_t::number_float:
      return "float64";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "[]interface {}";
    case json::value_t::object:
      return "map[string]interface {}";
  }
  return "<nil>";
}

}  // namespace berth::cli::output
